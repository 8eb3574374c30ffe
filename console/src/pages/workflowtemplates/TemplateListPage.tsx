import { useState } from "react";
import { api } from "../../api/client";
import type { WorkflowTemplate } from "../../api/types";
import { CreateButton, DeleteButton, SearchBox } from "../../components/actions";
import { DeleteDialog } from "../../components/Dialog";
import { Icon } from "../../components/icons";
import { Empty, Loaded, PageHeader } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { Link, navigate, paths } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { DataTable } from "../../components/Table";
import { Age } from "../../components/time";
import { useI18n } from "../../i18n";
import { effectiveType } from "../../model/template";
import { CreateRunDialog } from "../workflowruns/CreateRunDialog";

export default function TemplateListPage() {
  const { t } = useI18n();
  const ns = useNamespace();
  const state = useApi((signal) => api.templates.list(ns, {}, signal), [ns]);
  const [search, setSearch] = useState("");
  const [deleting, setDeleting] = useState<string | null>(null);
  const [running, setRunning] = useState<WorkflowTemplate | null>(null);
  const create = () => navigate(paths.newTemplate(ns));

  return (
    <div className="page">
      <PageHeader
        title={t("nav.templates")}
        actions={<CreateButton label={t("templates.create")} onClick={create} testId="create-template" />}
      />
      <div className="toolbar">
        <SearchBox value={search} onChange={setSearch} placeholder={t("common.searchByName")} testId="search" />
      </div>
      <div className="card">
        <Loaded state={state}>
          {(list) => (
            <DataTable
              rows={list.items.filter((x) => x.metadata.name!.includes(search.trim()))}
              rowKey={(tpl) => tpl.metadata.name!}
              testId="template-table"
              empty={
                <Empty action={<CreateButton label={t("templates.create")} onClick={create} bare />}>
                  {search ? t("common.noMatch") : t("templates.empty")}
                </Empty>
              }
              columns={[
                {
                  header: t("common.name"),
                  cell: (tpl) => (
                    <Link to={paths.template(ns, tpl.metadata.name!)} className="strong-link">
                      {tpl.metadata.name}
                    </Link>
                  ),
                },
                { header: t("common.type"), cell: (tpl) => <span className="type-tag">{effectiveType(tpl.spec) ?? "—"}</span> },
                { header: t("common.description"), className: "muted truncate", cell: (tpl) => tpl.spec.description || "—" },
                { header: t("common.created"), className: "muted", cell: (tpl) => <Age value={tpl.metadata.creationTimestamp} /> },
              ]}
              actions={(tpl) => (
                <>
                  <button className="btn btn-small" onClick={() => setRunning(tpl)} title={t("runs.create")}>
                    <Icon name="run" size={14} />
                    {t("templates.run")}
                  </button>
                  <DeleteButton label={t("common.delete")} onClick={() => setDeleting(tpl.metadata.name!)} />
                </>
              )}
            />
          )}
        </Loaded>
      </div>
      {deleting && (
        <DeleteDialog
          title={t("templates.deleteTitle")}
          name={deleting}
          remove={() => api.templates.delete(ns, deleting)}
          onDeleted={state.reload}
          onClose={() => setDeleting(null)}
        />
      )}
      {running && <CreateRunDialog template={running} onClose={() => setRunning(null)} />}
    </div>
  );
}
