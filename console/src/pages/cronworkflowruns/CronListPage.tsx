import { useState } from "react";
import { api } from "../../api/client";
import type { CronWorkflowRun } from "../../api/types";
import { CreateButton, DeleteButton } from "../../components/actions";
import { DeleteDialog } from "../../components/Dialog";
import { Toggle } from "../../components/form";
import { Empty, Loaded, PageHeader } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { Link, navigate, paths } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { DataTable } from "../../components/Table";
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
  const state = useApi((signal) => api.crons.list(ns, {}, signal), [ns]);
  const [deleting, setDeleting] = useState<string | null>(null);
  const toggle = useSuspendToggle(state.reload);
  const create = () => navigate(paths.newCron(ns));
  return (
    <div className="page">
      <PageHeader title={t("nav.crons")} actions={<CreateButton label={t("cron.create")} onClick={create} testId="create-cron" />} />
      <div className="card">
        <Loaded state={state}>
          {(list) => (
            <DataTable
              rows={list.items}
              rowKey={(c) => c.metadata.name!}
              testId="cron-table"
              empty={<Empty action={<CreateButton label={t("cron.create")} onClick={create} bare />}>{t("cron.empty")}</Empty>}
              columns={[
                {
                  header: t("common.name"),
                  cell: (c) => (
                    <Link to={paths.cron(ns, c.metadata.name!)} className="strong-link">
                      {c.metadata.name}
                    </Link>
                  ),
                },
                {
                  header: t("cron.schedule"),
                  cell: (c) => (
                    <>
                      <code>{c.spec.schedule}</code>
                      <div className="muted small">{describeSchedule(c.spec.schedule, lang).text}</div>
                    </>
                  ),
                },
                { header: t("runs.template"), cell: (c) => c.spec.workflowRun?.spec?.workflowTemplateRef ?? t("runs.embedded") },
                { header: t("cron.active"), className: "tabular", cell: (c) => c.status?.active?.length ?? 0 },
                { header: t("cron.lastSchedule"), className: "muted", cell: (c) => <Age value={c.status?.lastScheduleTime} /> },
                {
                  header: t("cron.suspend"),
                  cell: (c) => <Toggle checked={!!c.spec.suspend} onChange={(v) => toggle(c, v)} testId={`suspend-${c.metadata.name}`} />,
                },
              ]}
              actions={(c) => <DeleteButton label={t("common.delete")} onClick={() => setDeleting(c.metadata.name!)} />}
            />
          )}
        </Loaded>
      </div>
      {deleting && (
        <DeleteDialog
          title={t("cron.deleteTitle")}
          name={deleting}
          remove={() => api.crons.delete(ns, deleting)}
          onDeleted={state.reload}
          onClose={() => setDeleting(null)}
        />
      )}
    </div>
  );
}
