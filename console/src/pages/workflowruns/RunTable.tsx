import type { WorkflowRun } from "../../api/types";
import { Empty } from "../../components/Page";
import { PhaseBadge } from "../../components/PhaseBadge";
import { Link, paths } from "../../components/router";
import { Age, durationBetween } from "../../components/time";
import { DataTable } from "../../components/Table";
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
  return (
    <DataTable
      rows={runs}
      rowKey={(run) => run.metadata.name!}
      testId="run-table"
      rowTestId="run-row"
      empty={<Empty>{t("runs.empty")}</Empty>}
      columns={[
        {
          header: t("common.name"),
          cell: (run) => (
            <Link to={paths.run(ns, run.metadata.name!)} className="strong-link">
              {run.metadata.name}
            </Link>
          ),
        },
        { header: t("runs.phase"), cell: (run) => <PhaseBadge phase={run.status?.phase ?? "Pending"} /> },
        showTemplate && {
          header: t("runs.template"),
          cell: (run) => {
            const tpl = runTemplateName(run);
            return tpl ? <Link to={paths.template(ns, tpl)}>{tpl}</Link> : <span className="muted">{t("runs.embedded")}</span>;
          },
        },
        { header: t("runs.started"), className: "muted", cell: (run) => <Age value={run.status?.startTime ?? run.metadata.creationTimestamp} /> },
        {
          header: t("runs.duration"),
          className: "muted tabular",
          cell: (run) => durationBetween(run.status?.startTime, run.status?.completionTime),
        },
      ]}
      actions={actions}
    />
  );
}
