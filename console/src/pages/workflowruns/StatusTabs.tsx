/** STATUS and SPECS tabs of a run. */
import type { WorkflowRun } from "../../api/types";
import { InfoGrid } from "../../components/Page";
import { PhaseBadge } from "../../components/PhaseBadge";
import { Link, paths } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { Age, durationBetween, formatTimestamp } from "../../components/time";
import { SpecBlock, SpecTable } from "../../components/Table";
import { useI18n } from "../../i18n";
import { TemplateSpecView } from "../workflowtemplates/TemplateSpecView";
import { CreatedObject } from "./CreatedObject";
import { InitTag } from "./InitTag";

export function StatusTab({ run }: { run: WorkflowRun }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const s = run.status ?? {};
  return (
    <div className="stack">
      <InfoGrid
        rows={[
          [t("runs.phase"), <PhaseBadge phase={s.phase ?? "Pending"} />],
          [t("graph.reason"), s.reason],
          [t("runs.message"), s.message],
          [t("runs.started"), formatTimestamp(s.startTime)],
          [t("runs.completed"), formatTimestamp(s.completionTime)],
          [t("runs.duration"), durationBetween(s.startTime, s.completionTime)],
          [t("status.pod"), s.podName ? <code>{s.podName}</code> : null],
        ]}
      />
      <SpecTable
        title={t("status.conditions")}
        rows={s.conditions}
        rowKey={(c) => c.type}
        columns={[
          { header: t("common.type"), cell: (c) => c.type },
          { header: t("status.status"), className: "mono", cell: (c) => c.status },
          { header: t("graph.reason"), className: "mono", cell: (c) => c.reason ?? "—" },
          { header: t("runs.message"), cell: (c) => c.message ?? "—" },
          { header: t("status.lastTransition"), className: "muted", cell: (c) => <Age value={c.lastTransitionTime} /> },
        ]}
      />
      <SpecTable
        title={t("form.steps")}
        rows={s.steps}
        rowKey={(st) => st.name}
        testId="steps-table"
        columns={[
          {
            header: t("common.name"),
            cell: (st) => (
              <>
                {st.name}
                <InitTag kind={st.kind} />
              </>
            ),
          },
          { header: t("runs.phase"), cell: (st) => <PhaseBadge phase={st.phase} /> },
          { header: t("graph.exitCode"), className: "mono", cell: (st) => st.exitCode ?? "—" },
          { header: t("runs.started"), className: "muted", cell: (st) => formatTimestamp(st.startTime) },
          { header: t("runs.duration"), className: "muted tabular", cell: (st) => durationBetween(st.startTime, st.completionTime) },
        ]}
      />
      <SpecTable
        title={t("status.nodes")}
        rows={Object.entries(s.nodes ?? {})}
        rowKey={([name]) => name}
        columns={[
          { header: t("common.name"), cell: ([name]) => name },
          { header: t("runs.phase"), cell: ([, n]) => <PhaseBadge phase={n.phase} /> },
          {
            header: t("graph.childRun"),
            cell: ([, n]) => (n.workflowRunName ? <Link to={paths.run(ns, n.workflowRunName)}>{n.workflowRunName}</Link> : "—"),
          },
          { header: t("runs.duration"), className: "muted tabular", cell: ([, n]) => durationBetween(n.startTime, n.completionTime) },
        ]}
      />
      <CreatedObject run={run} />
      <NameValueTable title={t("form.results")} rows={s.results} testId="results-table" />
      {!!s.retriedStatus?.length && (
        <p className="muted small">{t("status.retried", { n: s.retriedStatus.length })}</p>
      )}
    </div>
  );
}

export function SpecsTab({ run }: { run: WorkflowRun }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const spec = run.spec;
  const resolved = run.status?.workflowTemplateSpec ?? spec.workflowTemplateSpec;
  return (
    <div className="stack">
      <InfoGrid
        rows={[
          [
            t("runs.template"),
            spec.workflowTemplateRef ? (
              <Link to={paths.template(ns, spec.workflowTemplateRef)}>{spec.workflowTemplateRef}</Link>
            ) : (
              t("runs.embedded")
            ),
          ],
          [t("run.serviceAccount"), spec.serviceAccountName],
          [t("run.timeout"), spec.timeout],
          [t("run.queue"), spec.scheduler?.t9kScheduler?.queue],
        ]}
      />
      <NameValueTable title={t("form.params")} rows={spec.params} testId="run-params" />
      <SpecTable
        title={t("form.workspaces")}
        rows={spec.workspaces}
        rowKey={(w) => w.name}
        headless
        columns={[
          { cell: (w) => <code>{w.name}</code> },
          {
            className: "mono",
            cell: (w) => (
              <>
                {w.persistentVolumeClaim
                  ? `PVC ${w.persistentVolumeClaim.claimName}`
                  : w.configMap
                    ? `ConfigMap ${w.configMap.name}`
                    : w.secret
                      ? `Secret ${w.secret.secretName}`
                      : "emptyDir"}
                {w.subPath ? ` · ${w.subPath}` : ""}
              </>
            ),
          },
        ]}
      />
      {resolved && (
        <SpecBlock title={t("specs.resolvedTemplate")}>
          <TemplateSpecView spec={resolved} />
        </SpecBlock>
      )}
    </div>
  );
}

/** Results and params as they came out or went in: name, then the value as written. */
function NameValueTable({ title, rows, testId }: { title: string; rows?: { name: string; value?: string }[]; testId: string }) {
  return (
    <SpecTable
      title={title}
      rows={rows}
      rowKey={(r) => r.name}
      headless
      testId={testId}
      columns={[{ cell: (r) => <code>{r.name}</code> }, { className: "mono pre", cell: (r) => r.value }]}
    />
  );
}
