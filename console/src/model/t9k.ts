/** The platform's own kinds a Resource run may create (SPEC §12): the eight T9k jobs
 * and SimpleMLService. Their default Resource rules, and their replicas as the run
 * detail shows them. Pure: from documents and stored objects. */
import type { Dict, Resource, ResourceSpec, Rules } from "../api/types";
import { fromYaml } from "./yaml";

export const T9K_JOB_API_VERSION = "batch.tensorstack.dev/v1beta1";
export const SERVING_API_VERSION = "tensorstack.dev/v1beta1";
export const T9K_JOB_KINDS = [
  "GenericJob",
  "TensorFlowTrainingJob",
  "PyTorchTrainingJob",
  "XGBoostTrainingJob",
  "MPIJob",
  "DeepSpeedJob",
  "ColossalAIJob",
  "BeamJob",
] as const;

export interface KindRef {
  apiVersion?: string;
  kind?: string;
}

export function isT9kJob(ref: KindRef): boolean {
  return ref.apiVersion === T9K_JOB_API_VERSION && (T9K_JOB_KINDS as readonly string[]).includes(ref.kind ?? "");
}

export function isService(ref: KindRef): boolean {
  return ref.apiVersion === SERVING_API_VERSION && ref.kind === "SimpleMLService";
}

type RulePair = Pick<ResourceSpec, "successRules" | "failureRules">;

const condition = (type: string): Rules => ({ conditionSelector: { type, status: "True" } });

/** The rules the server applies when a Resource template gives none (SPEC §3.3),
 * shown in the form so the author sees what decides the run. A SimpleMLService never
 * finishes: none, so its run stays Running until stopped or timed out. */
export function defaultRules(ref: KindRef): RulePair {
  if (isT9kJob(ref)) return { successRules: condition("Succeeded"), failureRules: condition("Failed") };
  if (ref.apiVersion === "batch/v1" && ref.kind === "Job")
    return { successRules: condition("Complete"), failureRules: condition("Failed") };
  if (ref.apiVersion === "v1" && ref.kind === "Pod")
    return {
      successRules: { fieldSelector: "status.phase == Succeeded" },
      failureRules: { fieldSelector: "status.phase == Failed" },
    };
  return {};
}

/** The rules the Resource skeleton used to start with for its batch/v1 Job. */
const SKELETON_RULES: RulePair = {
  successRules: { fieldSelector: "status.succeeded>0" },
  failureRules: { fieldSelector: "status.failed>0" },
};

export function manifestKind(manifest: string): KindRef {
  const doc = fromYaml<KindRef>(manifest).value;
  return { apiVersion: doc?.apiVersion, kind: doc?.kind };
}

const same = (a: RulePair, b: RulePair) =>
  JSON.stringify([a.successRules ?? null, a.failureRules ?? null]) ===
  JSON.stringify([b.successRules ?? null, b.failureRules ?? null]);

/** A new manifest: when its kind changed and the rules are still some kind's defaults
 * (or none), the new kind's defaults replace them; rules the author wrote are kept. */
export function withManifest(value: ResourceSpec, manifest: string): ResourceSpec {
  const before = manifestKind(value.manifest ?? "");
  const after = manifestKind(manifest);
  const next: ResourceSpec = { ...value, manifest };
  if (!after.kind || (before.apiVersion === after.apiVersion && before.kind === after.kind)) return next;
  const current: RulePair = { successRules: value.successRules, failureRules: value.failureRules };
  const untouched = [{}, SKELETON_RULES, defaultRules(before)].some((r) => same(current, r));
  if (!untouched) return next;
  delete next.successRules;
  delete next.failureRules;
  return { ...next, ...defaultRules(after) };
}

export interface ReplicaRow {
  type: string;
  pod: string;
  phase: string;
  restarts: number;
  exitCode?: number;
}

interface JobStatus {
  phase?: string;
  tasks?: { type: string; restartCount?: number; replicas?: { name: string; phase?: string; containers?: { exitCode?: number }[] }[] }[];
  replicaRestarts?: { name: string; count?: number }[];
  backoffCount?: number;
  conditions?: { type: string; status: string; reason?: string | null; message?: string | null }[];
}

/** A job's replicas as its operator reports them: by type, then index. */
export function jobReplicas(job: Resource<unknown, JobStatus>): ReplicaRow[] {
  const status = job.status ?? {};
  const restarts = new Map((status.replicaRestarts ?? []).map((r) => [r.name, r.count ?? 0]));
  return (status.tasks ?? []).flatMap((task) =>
    (task.replicas ?? []).map((r) => {
      const codes = (r.containers ?? []).map((c) => c.exitCode).filter((c): c is number => typeof c === "number");
      return {
        type: task.type,
        pod: r.name,
        phase: r.phase ?? "Pending",
        restarts: restarts.get(r.name) ?? 0,
        exitCode: codes.length ? (codes.find((c) => c !== 0) ?? 0) : undefined,
      };
    }),
  );
}

type Pod = Resource<unknown, { phase?: string }>;

const natural = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

/** The pods `owner` controls (a service's replicas), by name, numbers as numbers. */
export function ownedPods(owner: Resource, pods: Pod[]): Pod[] {
  return pods
    .filter((p) => (p.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid && r.controller))
    .sort((a, b) => natural(a.metadata.name ?? "", b.metadata.name ?? ""));
}

const SERVICE_RESTARTS = "tensorstack.dev/restarts";

export function podReplicas(pods: Pod[]): ReplicaRow[] {
  return pods.map((p) => {
    const notes: Dict = p.metadata.annotations ?? {};
    return { type: "replica", pod: p.metadata.name ?? "", phase: p.status?.phase ?? "Pending", restarts: Number(notes[SERVICE_RESTARTS] ?? 0) || 0 };
  });
}

export interface ServiceState {
  url?: string;
  ready: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
}

export function serviceState(service: Resource<unknown, { address?: { url?: string }; conditions?: JobStatus["conditions"] }>): ServiceState {
  const ready = (service.status?.conditions ?? []).find((c) => c.type === "Ready");
  const status = ready?.status === "True" || ready?.status === "False" ? ready.status : "Unknown";
  return { url: service.status?.address?.url || undefined, ready: status, reason: ready?.reason ?? undefined, message: ready?.message ?? undefined };
}
