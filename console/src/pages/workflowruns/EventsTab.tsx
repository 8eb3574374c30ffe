import { api } from "../../api/client";
import type { WorkflowRun } from "../../api/types";
import { Empty, Loaded } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { useNamespace } from "../../components/Shell";
import { DataTable } from "../../components/Table";
import { Age } from "../../components/time";
import { useI18n } from "../../i18n";
import { isFinished } from "../../model/run";

export function EventsTab({ run }: { run: WorkflowRun }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const state = useApi(() => api.runs.events(ns, run.metadata.name!), [ns, run.metadata.name], isFinished(run) ? undefined : 3000);
  return (
    <Loaded state={state}>
      {(list) => (
        <DataTable
          rows={list.items}
          rowKey={(e, i) => e.metadata.name ?? i}
          compact
          testId="events-table"
          empty={<Empty>{t("events.empty")}</Empty>}
          columns={[
            {
              header: t("events.type"),
              cell: (e) => <span className={`event-type event-${(e.type ?? "Normal").toLowerCase()}`}>{e.type ?? "Normal"}</span>,
            },
            { header: t("events.reason"), className: "mono", cell: (e) => e.reason },
            {
              header: t("events.object"),
              className: "muted",
              cell: (e) => (
                <>
                  {e.involvedObject?.kind}/{e.involvedObject?.name}
                </>
              ),
            },
            {
              header: t("events.message"),
              cell: (e) => (
                <>
                  {e.message}
                  {e.count && e.count > 1 ? <span className="muted"> ×{e.count}</span> : null}
                </>
              ),
            },
            {
              header: t("events.when"),
              className: "muted",
              cell: (e) => <Age value={e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp} />,
            },
          ]}
        />
      )}
    </Loaded>
  );
}
