import { useState } from "react";
import { api } from "../../api/client";
import { Code } from "../../components/Code";
import { DeleteDialog } from "../../components/Dialog";
import { Icon } from "../../components/icons";
import { Loaded, PageHeader } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { navigate, paths, setQuery, useLocation } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { Tabs } from "../../components/Tabs";
import { Age } from "../../components/time";
import { useI18n } from "../../i18n";
import { effectiveType, TEMPLATE_LABEL } from "../../model/template";
import { toYaml } from "../../model/yaml";
import { CreateRunDialog } from "../workflowruns/CreateRunDialog";
import { RunTable } from "../workflowruns/RunTable";
import { TemplateSpecView } from "./TemplateSpecView";

export default function TemplateDetailPage({ params }: { params: Record<string, string> }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const { search } = useLocation();
  const tab = search.get("tab") ?? "specs";
  const state = useApi((signal) => api.templates.get(ns, params.name, signal), [ns, params.name]);
  const runs = useApi(
    (signal) => api.runs.list(ns, { labelSelector: `${TEMPLATE_LABEL}=${params.name}`, limit: 50, order: "newest" }, signal),
    [ns, params.name],
  );
  const [deleting, setDeleting] = useState(false);
  const [running, setRunning] = useState(search.get("run") === "1");

  return (
    <div className="page">
      <Loaded state={state}>
        {(tpl) => (
          <>
            <PageHeader
              crumbs={[{ label: t("nav.templates"), to: paths.templates(ns) }]}
              title={
                <>
                  {tpl.metadata.name} <span className="type-tag">{effectiveType(tpl.spec)}</span>
                </>
              }
              actions={
                <>
                  <button className="btn" onClick={() => setDeleting(true)}>
                    <Icon name="trash" />
                    {t("common.delete")}
                  </button>
                  <button className="btn" onClick={() => navigate(paths.newTemplate(ns, tpl.metadata.name))}>
                    <Icon name="copy" />
                    {t("templates.clone")}
                  </button>
                  <button className="btn" onClick={() => navigate(paths.editTemplate(ns, tpl.metadata.name!))} data-testid="edit-template">
                    <Icon name="edit" />
                    {t("common.edit")}
                  </button>
                  <button className="btn btn-primary" onClick={() => setRunning(true)} data-testid="create-run">
                    <Icon name="run" />
                    {t("runs.create")}
                  </button>
                </>
              }
            >
              <p className="page-subtitle">
                {tpl.spec.description || t("templates.noDescription")} · {t("common.created")} <Age value={tpl.metadata.creationTimestamp} />
              </p>
            </PageHeader>
            <Tabs
              active={tab}
              onChange={(id) => setQuery("tab", id)}
              tabs={[
                { id: "specs", label: t("tabs.specs") },
                { id: "yaml", label: t("tabs.yaml") },
                { id: "runs", label: t("tabs.runs") },
              ]}
            />
            <div className="card tab-body">
              {tab === "specs" && <TemplateSpecView spec={tpl.spec} />}
              {tab === "yaml" && <Code value={toYaml(tpl)} readOnly testId="template-yaml" />}
              {tab === "runs" && (
                <Loaded state={runs}>{(list) => <RunTable runs={list.items} ns={ns} showTemplate={false} />}</Loaded>
              )}
            </div>
            {running && <CreateRunDialog template={tpl} onClose={() => setRunning(false)} />}
            {deleting && (
              <DeleteDialog
                title={t("templates.deleteTitle")}
                name={tpl.metadata.name!}
                remove={() => api.templates.delete(ns, tpl.metadata.name!)}
                onDeleted={() => navigate(paths.templates(ns))}
                onClose={() => setDeleting(false)}
              />
            )}
          </>
        )}
      </Loaded>
    </div>
  );
}
