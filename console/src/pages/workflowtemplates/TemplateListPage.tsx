import { useState } from "react";
import { api } from "../../api/client";
import type { WorkflowTemplate } from "../../api/types";
import { ConfirmDialog } from "../../components/Dialog";
import { Icon } from "../../components/icons";
import { Empty, Loaded, PageHeader } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { Link, navigate, paths } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { Age } from "../../components/time";
import { useToast } from "../../components/toast";
import { useI18n } from "../../i18n";
import { effectiveType } from "../../model/template";
import { CreateRunDialog } from "../workflowruns/CreateRunDialog";

export default function TemplateListPage() {
  const { t } = useI18n();
  const ns = useNamespace();
  const toast = useToast();
  const state = useApi((signal) => api.templates.list(ns, {}, signal), [ns]);
  const [search, setSearch] = useState("");
  const [deleting, setDeleting] = useState<string | null>(null);
  const [running, setRunning] = useState<WorkflowTemplate | null>(null);

  return (
    <div className="page">
      <PageHeader
        title={t("nav.templates")}
        actions={
          <button className="btn btn-primary" onClick={() => navigate(paths.newTemplate(ns))} data-testid="create-template">
            <Icon name="plus" />
            {t("templates.create")}
          </button>
        }
      />
      <div className="toolbar">
        <div className="search">
          <Icon name="search" />
          <input
            className="input"
            placeholder={t("common.searchByName")}
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            data-testid="search"
          />
        </div>
      </div>
      <div className="card">
        <Loaded state={state}>
          {(list) => {
            const items = list.items.filter((x) => x.metadata.name!.includes(search.trim()));
            if (!items.length)
              return (
                <Empty
                  action={
                    <button className="btn btn-primary" onClick={() => navigate(paths.newTemplate(ns))}>
                      {t("templates.create")}
                    </button>
                  }
                >
                  {search ? t("common.noMatch") : t("templates.empty")}
                </Empty>
              );
            return (
              <table className="table" data-testid="template-table">
                <thead>
                  <tr>
                    <th>{t("common.name")}</th>
                    <th>{t("common.type")}</th>
                    <th>{t("common.description")}</th>
                    <th>{t("common.created")}</th>
                    <th className="actions-col" />
                  </tr>
                </thead>
                <tbody>
                  {items.map((tpl) => (
                    <tr key={tpl.metadata.name}>
                      <td>
                        <Link to={paths.template(ns, tpl.metadata.name!)} className="strong-link">
                          {tpl.metadata.name}
                        </Link>
                      </td>
                      <td>
                        <span className="type-tag">{effectiveType(tpl.spec) ?? "—"}</span>
                      </td>
                      <td className="muted truncate">{tpl.spec.description || "—"}</td>
                      <td className="muted">
                        <Age value={tpl.metadata.creationTimestamp} />
                      </td>
                      <td className="actions-col">
                        <button className="btn btn-small" onClick={() => setRunning(tpl)} title={t("runs.create")}>
                          <Icon name="run" size={14} />
                          {t("templates.run")}
                        </button>
                        <button
                          className="icon-button"
                          title={t("common.delete")}
                          aria-label={t("common.delete")}
                          onClick={() => setDeleting(tpl.metadata.name!)}
                        >
                          <Icon name="trash" size={14} />
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          }}
        </Loaded>
      </div>
      {deleting && (
        <ConfirmDialog
          title={t("templates.deleteTitle")}
          message={t("common.deleteConfirm", { name: deleting })}
          confirmLabel={t("common.delete")}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            try {
              await api.templates.delete(ns, deleting);
              toast.success(t("common.deleted", { name: deleting }));
              state.reload();
            } catch (err) {
              toast.error(err);
            }
          }}
        />
      )}
      {running && <CreateRunDialog template={running} onClose={() => setRunning(null)} />}
    </div>
  );
}
