/** Building a WorkflowRun spec for a template (create-run dialog, cron editor). */
import type {
  DagNode,
  NodeStatus,
  Phase,
  StepKind,
  WorkflowRun,
  WorkflowRunSpec,
  WorkflowTemplate,
  WorkflowTemplateSpec,
  WorkspaceBinding,
} from "../api/types";
import { API_VERSION, effectiveType, isJobType, TEMPLATE_LABEL } from "./template";

export const MANAGED_SA = "managed-project-sa";
export const FINISHED: Phase[] = ["Succeeded", "Failed"];
const DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

export function isValidDuration(text: string): boolean {
  return text === "" || DURATION.test(text);
}

/** A fresh spec: every param at its default, every workspace on an emptyDir, the
 * managed service account for templates that create objects. */
export function initialRunSpec(template: WorkflowTemplate): WorkflowRunSpec {
  const type = effectiveType(template.spec);
  return {
    workflowTemplateRef: template.metadata.name,
    params: (template.spec.params ?? []).map((p) => ({ name: p.name, value: p.default ?? "" })),
    workspaces: (template.spec.workspaces ?? [])
      .filter((w) => !w.optional)
      .map((w) => ({ name: w.name, emptyDir: {} })),
    serviceAccountName: type === "Resource" || isJobType(type) ? MANAGED_SA : undefined,
  };
}

export function runDocument(template: WorkflowTemplate, spec: WorkflowRunSpec, namePrefix?: string): WorkflowRun {
  const clean: WorkflowRunSpec = { ...spec };
  if (!clean.serviceAccountName) delete clean.serviceAccountName;
  if (!clean.timeout) delete clean.timeout;
  if (!clean.params?.length) delete clean.params;
  if (!clean.workspaces?.length) delete clean.workspaces;
  return {
    apiVersion: API_VERSION,
    kind: "WorkflowRun",
    metadata: {
      generateName: `${(namePrefix || template.metadata.name!).slice(0, 52)}-`,
      labels: { [TEMPLATE_LABEL]: template.metadata.name! },
    },
    spec: clean,
  };
}

export type BindingKind = "pvc" | "emptyDir" | "configMap" | "secret" | "none";

export function bindingKind(b?: WorkspaceBinding): BindingKind {
  if (!b) return "none";
  if (b.persistentVolumeClaim) return "pvc";
  if (b.configMap) return "configMap";
  if (b.secret) return "secret";
  return "emptyDir";
}

export function withBindingKind(name: string, kind: BindingKind, subPath?: string): WorkspaceBinding | undefined {
  const base = subPath ? { name, subPath } : { name };
  switch (kind) {
    case "pvc":
      return { ...base, persistentVolumeClaim: { claimName: "" } };
    case "configMap":
      return { ...base, configMap: { name: "" } };
    case "secret":
      return { ...base, secret: { secretName: "" } };
    case "emptyDir":
      return { ...base, emptyDir: {} };
    default:
      return undefined;
  }
}

/** Counts of node phases, for "Nodes Running: 1, Succeeded: 2 …". */
export function nodeCounts(nodes: Record<string, NodeStatus> | undefined, dag?: DagNode[]) {
  const counts = { Running: 0, Succeeded: 0, Failed: 0, Skipped: 0, Pending: 0 };
  for (const n of Object.values(nodes ?? {})) counts[n.phase as keyof typeof counts] = (counts[n.phase as keyof typeof counts] ?? 0) + 1;
  const unscheduled = (dag ?? []).filter((n) => !nodes?.[n.name]).length;
  return { ...counts, Unscheduled: unscheduled };
}

export function isFinished(run: WorkflowRun): boolean {
  return FINISHED.includes(run.status?.phase as Phase);
}

export function isInitContainer(kind?: StepKind): boolean {
  return kind === "initContainer";
}

/** What a Pod or SeqPod run runs, in order, as its `status.steps` lists them: the pod
 * spec's own init containers, then the steps (SeqPod) or the containers (Pod). */
export function podSteps(spec: WorkflowTemplateSpec | undefined): { name: string; kind: StepKind }[] {
  const type = effectiveType(spec);
  const body = type === "SeqPod" ? spec?.seqPod : type === "Pod" ? spec?.pod : undefined;
  if (!body) return [];
  const main: StepKind = type === "SeqPod" ? "step" : "container";
  return [
    ...(body.initContainers ?? []).map((c) => ({ name: c.name, kind: "initContainer" as StepKind })),
    ...((type === "SeqPod" ? body.steps : body.containers) ?? []).map((c) => ({ name: c.name, kind: main })),
  ];
}
