/** The run as a graph: DAG nodes, or the steps of a pod, each with phase and duration;
 * a click shows the node's details and links to its child run. */
import { useState } from "react";
import type { NodeStatus, StepStatus, WorkflowRun } from "../../api/types";
import { FlowGraph, type GraphNode } from "../../components/graph/FlowGraph";
import { InfoGrid } from "../../components/Page";
import { PhaseBadge } from "../../components/PhaseBadge";
import { Link, paths } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { durationBetween, formatTimestamp } from "../../components/time";
import { useI18n } from "../../i18n";
import { edgesOf } from "../../model/dag";
import { isFinished, isInitContainer, podSteps } from "../../model/run";
import { effectiveType } from "../../model/template";

/** A DAG node's phase in the graph. A node that never started is Pending while the
 * run goes on, and Unscheduled once the run has finished (it never will start). */
function dagNodePhase(run: WorkflowRun, node?: NodeStatus): string {
  if (node?.phase && (node.phase !== "Pending" || node.startTime || node.workflowRunName)) return node.phase;
  return isFinished(run) ? "Unscheduled" : "Pending";
}

export function GraphTab({ run }: { run: WorkflowRun }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const [selected, setSelected] = useState<string | null>(null);
  const status = run.status ?? {};
  const spec = status.workflowTemplateSpec ?? run.spec.workflowTemplateSpec;
  const type = effectiveType(spec);

  let nodes: GraphNode[] = [];
  let edges: { from: string; to: string }[] = [];
  if (type === "DAG") {
    const dag = spec?.dag?.templates ?? [];
    nodes = dag.map((n) => {
      const s = status.nodes?.[n.name];
      return {
        id: n.name,
        label: n.name,
        sublabel: n.workflowTemplateRef,
        phase: dagNodePhase(run, s),
        detail: s?.startTime ? durationBetween(s.startTime, s.completionTime) : undefined,
      };
    });
    edges = edgesOf(dag);
  } else if (type === "SeqPod" || type === "Pod") {
    const steps: StepStatus[] = podSteps(spec).map(
      (c) => ({ ...(status.steps?.find((s) => s.name === c.name) ?? { name: c.name, phase: "Waiting" }), kind: c.kind }),
    );
    nodes = steps.map((s) => ({
      id: s.name,
      label: s.name,
      tag: isInitContainer(s.kind) ? t("steps.init") : undefined,
      phase: s.phase,
      detail: s.startTime ? durationBetween(s.startTime, s.completionTime) : undefined,
    }));
    // Init containers run one after another before the rest; a SeqPod's steps do too,
    // a Pod's containers all start together once the init containers are done.
    const init = steps.filter((s) => isInitContainer(s.kind));
    const rest = steps.filter((s) => !isInitContainer(s.kind));
    const chain = type === "SeqPod" ? steps : init;
    edges = chain.slice(1).map((s, i) => ({ from: chain[i].name, to: s.name }));
    if (type === "Pod" && init.length) edges.push(...rest.map((s) => ({ from: init[init.length - 1].name, to: s.name })));
  } else {
    nodes = [
      {
        id: type ?? "run",
        label: type ?? run.metadata.name!,
        phase: status.phase ?? "Pending",
        detail: durationBetween(status.startTime, status.completionTime),
      },
    ];
  }

  const detail = selected ? nodes.find((n) => n.id === selected) : null;
  return (
    <div className="graph-layout">
      <FlowGraph nodes={nodes} edges={edges} selected={selected} onSelect={setSelected} height={460} />
      {detail && (
        <aside className="graph-side card-inset" data-testid="node-details">
          <h3>{detail.label}</h3>
          {type === "DAG" ? (
            <DagNodeDetails run={run} node={detail.id} ns={ns} />
          ) : type === "SeqPod" || type === "Pod" ? (
            <StepDetails step={status.steps?.find((s) => s.name === detail.id)} run={run} ns={ns} />
          ) : (
            <InfoGrid rows={[[t("runs.phase"), <PhaseBadge phase={status.phase} />], [t("runs.message"), status.message]]} />
          )}
        </aside>
      )}
    </div>
  );
}

function DagNodeDetails({ run, node, ns }: { run: WorkflowRun; node: string; ns: string }) {
  const { t } = useI18n();
  const spec = run.status?.workflowTemplateSpec ?? run.spec.workflowTemplateSpec;
  const def = spec?.dag?.templates.find((n) => n.name === node);
  const s = run.status?.nodes?.[node];
  return (
    <>
      <InfoGrid
        rows={[
          [t("runs.phase"), <PhaseBadge phase={dagNodePhase(run, s)} />],
          [t("runs.template"), def ? <Link to={paths.template(ns, def.workflowTemplateRef)}>{def.workflowTemplateRef}</Link> : "—"],
          [
            t("graph.childRun"),
            s?.workflowRunName ? (
              <Link to={paths.run(ns, s.workflowRunName)} data-testid="child-run-link">
                {s.workflowRunName}
              </Link>
            ) : (
              "—"
            ),
          ],
          [t("runs.started"), formatTimestamp(s?.startTime)],
          [t("runs.completed"), formatTimestamp(s?.completionTime)],
          [t("runs.duration"), durationBetween(s?.startTime, s?.completionTime)],
          [t("graph.attempts"), String(s?.attempts ?? (s?.workflowRunName ? 1 : 0))],
          [t("runs.message"), s?.message],
        ]}
      />
      {!!s?.retriedRunNames?.length && (
        <div className="small">
          {t("graph.earlierAttempts")}:{" "}
          {s.retriedRunNames.map((r) => (
            <Link key={r} to={paths.run(ns, r)}>
              {r}{" "}
            </Link>
          ))}
        </div>
      )}
      {!!s?.whenExpressions?.length && (
        <div className="small">
          <strong>{t("graph.falseWhen")}</strong>
          {s.whenExpressions.map((w, i) => (
            <div key={i} className="mono">
              {w.input} {w.operator} ({w.values.join(", ")})
            </div>
          ))}
        </div>
      )}
    </>
  );
}

function StepDetails({ step, run, ns }: { step?: StepStatus; run: WorkflowRun; ns: string }) {
  const { t } = useI18n();
  return (
    <>
      <InfoGrid
        rows={[
          [t("runs.phase"), <PhaseBadge phase={step?.phase ?? "Waiting"} />],
          [t("steps.kind"), step?.kind ? t(`steps.kind.${step.kind}`) : null],
          [t("graph.exitCode"), step?.exitCode ?? "—"],
          [t("graph.reason"), step?.reason],
          [t("runs.started"), formatTimestamp(step?.startTime)],
          [t("runs.completed"), formatTimestamp(step?.completionTime)],
          [t("runs.duration"), durationBetween(step?.startTime, step?.completionTime)],
          [t("runs.message"), step?.message],
        ]}
      />
      {step && (
        <Link className="btn btn-small" to={`${paths.run(ns, run.metadata.name!, "logs")}&step=${encodeURIComponent(step.name)}`}>
          {t("graph.viewLogs")}
        </Link>
      )}
    </>
  );
}
