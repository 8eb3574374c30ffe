import { api } from "../../api/client";
import type { WorkflowRun } from "../../api/types";
import { Empty, Loaded } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { useNamespace } from "../../components/Shell";
import { Age } from "../../components/time";
import { useI18n } from "../../i18n";
import { isFinished } from "../../model/run";

export function EventsTab({ run }: { run: WorkflowRun }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const state = useApi(() => api.runs.events(ns, run.metadata.name!), [ns, run.metadata.name], isFinished(run) ? undefined : 3000);
  return (
    <Loaded state={state}>
      {(list) =>
        list.items.length ? (
          <table className="table table-compact" data-testid="events-table">
            <thead>
              <tr>
                <th>{t("events.type")}</th>
                <th>{t("events.reason")}</th>
                <th>{t("events.object")}</th>
                <th>{t("events.message")}</th>
                <th>{t("events.when")}</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((e, i) => (
                <tr key={e.metadata.name ?? i}>
                  <td>
                    <span className={`event-type event-${(e.type ?? "Normal").toLowerCase()}`}>{e.type ?? "Normal"}</span>
                  </td>
                  <td className="mono">{e.reason}</td>
                  <td className="muted">
                    {e.involvedObject?.kind}/{e.involvedObject?.name}
                  </td>
                  <td>
                    {e.message}
                    {e.count && e.count > 1 ? <span className="muted"> ×{e.count}</span> : null}
                  </td>
                  <td className="muted">
                    <Age value={e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <Empty>{t("events.empty")}</Empty>
        )
      }
    </Loaded>
  );
}
