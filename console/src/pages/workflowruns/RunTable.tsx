import type { WorkflowRun } from "../../api/types";
import { Empty } from "../../components/Page";
import { PhaseBadge } from "../../components/PhaseBadge";
import { Link, paths } from "../../components/router";
import { Age, durationBetween } from "../../components/time";
import { useI18n } from "../../i18n";
import { TEMPLATE_LABEL } from "../../model/template";

export function runTemplateName(run: WorkflowRun): string | undefined {
  return run.spec.workflowTemplateRef ?? run.metadata.labels?.[TEMPLATE_LABEL];
}

export function RunTable({
  runs,
  ns,
  showTemplate = true,
  actions,
}: {
  runs: WorkflowRun[];
  ns: string;
  showTemplate?: boolean;
  actions?(run: WorkflowRun): React.ReactNode;
}) {
  const { t } = useI18n();
  if (!runs.length) return <Empty>{t("runs.empty")}</Empty>;
  return (
    <table className="table" data-testid="run-table">
      <thead>
        <tr>
          <th>{t("common.name")}</th>
          <th>{t("runs.phase")}</th>
          {showTemplate && <th>{t("runs.template")}</th>}
          <th>{t("runs.started")}</th>
          <th>{t("runs.duration")}</th>
          {actions && <th className="actions-col" />}
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => {
          const tpl = runTemplateName(run);
          return (
            <tr key={run.metadata.name} data-testid="run-row">
              <td>
                <Link to={paths.run(ns, run.metadata.name!)} className="strong-link">
                  {run.metadata.name}
                </Link>
              </td>
              <td>
                <PhaseBadge phase={run.status?.phase ?? "Pending"} />
              </td>
              {showTemplate && (
                <td>{tpl ? <Link to={paths.template(ns, tpl)}>{tpl}</Link> : <span className="muted">{t("runs.embedded")}</span>}</td>
              )}
              <td className="muted">
                <Age value={run.status?.startTime ?? run.metadata.creationTimestamp} />
              </td>
              <td className="muted tabular">{durationBetween(run.status?.startTime, run.status?.completionTime)}</td>
              {actions && <td className="actions-col">{actions(run)}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
