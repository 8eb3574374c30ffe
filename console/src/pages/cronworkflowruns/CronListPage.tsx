import { useState } from "react";
import { api } from "../../api/client";
import type { CronWorkflowRun } from "../../api/types";
import { ConfirmDialog } from "../../components/Dialog";
import { Toggle } from "../../components/form";
import { Icon } from "../../components/icons";
import { Empty, Loaded, PageHeader } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { Link, navigate, paths } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { Age } from "../../components/time";
import { useToast } from "../../components/toast";
import { useI18n } from "../../i18n";
import { describeSchedule } from "../../model/cron";

export function useSuspendToggle(reload: () => void) {
  const { t } = useI18n();
  const ns = useNamespace();
  const toast = useToast();
  return async (cron: CronWorkflowRun, suspend: boolean) => {
    try {
      await api.crons.patch(ns, cron.metadata.name!, { spec: { suspend } });
      toast.success(t(suspend ? "cron.suspended" : "cron.resumed", { name: cron.metadata.name! }));
      reload();
    } catch (err) {
      toast.error(err);
    }
  };
}

export default function CronListPage() {
  const { t, lang } = useI18n();
  const ns = useNamespace();
  const toast = useToast();
  const state = useApi((signal) => api.crons.list(ns, {}, signal), [ns]);
  const [deleting, setDeleting] = useState<string | null>(null);
  const toggle = useSuspendToggle(state.reload);
  return (
    <div className="page">
      <PageHeader
        title={t("nav.crons")}
        actions={
          <button className="btn btn-primary" onClick={() => navigate(paths.newCron(ns))} data-testid="create-cron">
            <Icon name="plus" />
            {t("cron.create")}
          </button>
        }
      />
      <div className="card">
        <Loaded state={state}>
          {(list) =>
            list.items.length ? (
              <table className="table" data-testid="cron-table">
                <thead>
                  <tr>
                    <th>{t("common.name")}</th>
                    <th>{t("cron.schedule")}</th>
                    <th>{t("runs.template")}</th>
                    <th>{t("cron.active")}</th>
                    <th>{t("cron.lastSchedule")}</th>
                    <th>{t("cron.suspend")}</th>
                    <th className="actions-col" />
                  </tr>
                </thead>
                <tbody>
                  {list.items.map((c) => (
                    <tr key={c.metadata.name}>
                      <td>
                        <Link to={paths.cron(ns, c.metadata.name!)} className="strong-link">
                          {c.metadata.name}
                        </Link>
                      </td>
                      <td>
                        <code>{c.spec.schedule}</code>
                        <div className="muted small">{describeSchedule(c.spec.schedule, lang).text}</div>
                      </td>
                      <td>{c.spec.workflowRun?.spec?.workflowTemplateRef ?? t("runs.embedded")}</td>
                      <td className="tabular">{c.status?.active?.length ?? 0}</td>
                      <td className="muted">
                        <Age value={c.status?.lastScheduleTime} />
                      </td>
                      <td>
                        <Toggle checked={!!c.spec.suspend} onChange={(v) => toggle(c, v)} testId={`suspend-${c.metadata.name}`} />
                      </td>
                      <td className="actions-col">
                        <button className="icon-button" aria-label={t("common.delete")} title={t("common.delete")} onClick={() => setDeleting(c.metadata.name!)}>
                          <Icon name="trash" size={14} />
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <Empty action={<button className="btn btn-primary" onClick={() => navigate(paths.newCron(ns))}>{t("cron.create")}</button>}>
                {t("cron.empty")}
              </Empty>
            )
          }
        </Loaded>
      </div>
      {deleting && (
        <ConfirmDialog
          title={t("cron.deleteTitle")}
          message={t("common.deleteConfirm", { name: deleting })}
          confirmLabel={t("common.delete")}
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            try {
              await api.crons.delete(ns, deleting);
              toast.success(t("common.deleted", { name: deleting }));
              state.reload();
            } catch (err) {
              toast.error(err);
            }
          }}
        />
      )}
    </div>
  );
}
