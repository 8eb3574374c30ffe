/** Wire types of the Treadle API (SPEC §3, §5, §7; docs/api.md). Loose where the
 * server keeps fields verbatim (PodSpec, job specs). */

export type Dict<T = string> = Record<string, T>;

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Dict;
  annotations?: Dict;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
}

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string | null;
  message?: string | null;
  lastTransitionTime?: string | null;
}

export interface Resource<S = unknown, St = unknown> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: S;
  status?: St;
}

export interface List<T> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string | null };
  items: T[];
}

// -- WorkflowTemplate -------------------------------------------------------------

export const TEMPLATE_TYPES = [
  "SeqPod",
  "Pod",
  "Resource",
  "DAG",
  "GenericJob",
  "TensorFlowTrainingJob",
  "PyTorchTrainingJob",
  "XGBoostTrainingJob",
  "ColossalAIJob",
  "DeepSpeedJob",
  "MPIJob",
  "BeamJob",
] as const;
export type TemplateType = (typeof TEMPLATE_TYPES)[number];

export const JOB_FIELDS: Partial<Record<TemplateType, string>> = {
  GenericJob: "genericJob",
  TensorFlowTrainingJob: "tensorflowTrainingJob",
  PyTorchTrainingJob: "pytorchTrainingJob",
  XGBoostTrainingJob: "xgboostTrainingJob",
  ColossalAIJob: "colossalaiJob",
  DeepSpeedJob: "deepspeedJob",
  MPIJob: "mpiJob",
  BeamJob: "beamJob",
};

export const TYPE_FIELDS: Record<TemplateType, string> = {
  Pod: "pod",
  SeqPod: "seqPod",
  Resource: "resource",
  DAG: "dag",
  ...(JOB_FIELDS as Record<string, string>),
} as Record<TemplateType, string>;

export interface ParamSpec {
  name: string;
  description?: string;
  default?: string;
}
export interface WorkspaceDeclaration {
  name: string;
  description?: string;
  mountPath?: string;
  readOnly?: boolean;
  optional?: boolean;
}
export interface ResultDeclaration {
  name: string;
  description?: string;
  value?: string;
}
export interface EnvVar {
  name: string;
  value?: string;
}
export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVar[];
  resources?: { limits?: Dict; requests?: Dict };
  script?: string;
  [key: string]: unknown;
}
export interface PodSpec {
  initContainers?: Container[];
  containers?: Container[];
  steps?: Container[];
  [key: string]: unknown;
}
export interface ConditionSelector {
  type: string;
  status: "True" | "False" | "Unknown";
}
export interface Rules {
  fieldSelector?: string;
  conditionSelector?: ConditionSelector;
}
export interface ResourceSpec {
  manifest: string;
  successRules?: Rules;
  failureRules?: Rules;
}
export interface ParamValue {
  name: string;
  value: string;
}
export interface WorkspaceMapping {
  name: string;
  workspace: string;
  subPath?: string;
}
export interface WhenExpression {
  input: string;
  operator: "in" | "notin";
  values: string[];
}
export interface DagNode {
  name: string;
  workflowTemplateRef: string;
  dependencies?: string[];
  params?: ParamValue[];
  workspaces?: WorkspaceMapping[];
  when?: WhenExpression[];
  retries?: number;
}
export type FailureStrategy = "StopAllWorkflowTemplates" | "StopDependentWorkflowTemplates";
export interface DagSpec {
  templates: DagNode[];
  failureStrategy?: FailureStrategy;
}
export interface JobTemplate {
  metadata?: ObjectMeta;
  spec: Dict<unknown>;
}

export interface WorkflowTemplateSpec {
  description?: string;
  params?: ParamSpec[];
  workspaces?: WorkspaceDeclaration[];
  results?: ResultDeclaration[];
  type?: TemplateType;
  pod?: PodSpec;
  seqPod?: PodSpec;
  resource?: ResourceSpec;
  dag?: DagSpec;
  [jobField: string]: unknown;
}
export type WorkflowTemplate = Resource<WorkflowTemplateSpec, unknown>;

// -- WorkflowRun --------------------------------------------------------------------

export type Phase = "Pending" | "Running" | "Succeeded" | "Failed";
export type NodePhase = Phase | "Skipped";
export type StepPhase = "Waiting" | "Running" | "Succeeded" | "Failed" | "Skipped";

export interface WorkspaceBinding {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  emptyDir?: Dict<unknown>;
  configMap?: { name: string };
  secret?: { secretName: string };
  subPath?: string;
}
export interface WorkflowRunSpec {
  workflowTemplateRef?: string;
  workflowTemplateSpec?: WorkflowTemplateSpec;
  params?: ParamValue[];
  workspaces?: WorkspaceBinding[];
  serviceAccountName?: string;
  timeout?: string;
  depth?: number;
  scheduler?: { t9kScheduler?: { queue?: string } };
}
export interface NodeStatus {
  phase: NodePhase;
  workflowRunName?: string;
  whenExpressions?: WhenExpression[];
  attempts?: number;
  retriedRunNames?: string[];
  message?: string;
  startTime?: string;
  completionTime?: string;
}
/** What an entry of `status.steps` (or a log source) is: the pod spec's own init
 * containers run first, then the SeqPod steps or the Pod containers. */
export type StepKind = "initContainer" | "step" | "container";
export interface StepStatus {
  name: string;
  kind?: StepKind;
  phase: StepPhase;
  exitCode?: number;
  reason?: string;
  message?: string;
  startTime?: string;
  completionTime?: string;
}
export interface WorkflowRunStatus {
  phase?: Phase;
  message?: string;
  reason?: string;
  conditions?: Condition[];
  startTime?: string;
  completionTime?: string;
  workflowTemplateSpec?: WorkflowTemplateSpec;
  nodes?: Dict<NodeStatus>;
  results?: { name: string; value: string }[];
  podName?: string;
  steps?: StepStatus[];
  retriedStatus?: Dict<unknown>[];
  [key: string]: unknown;
}
export type WorkflowRun = Resource<WorkflowRunSpec, WorkflowRunStatus>;

// -- CronWorkflowRun ------------------------------------------------------------------

export interface CronWorkflowRunSpec {
  schedule: string;
  concurrencyPolicy?: "Allow" | "AllowConcurrent" | "Forbid" | "Replace";
  suspend?: boolean;
  startingDeadlineSeconds?: number;
  successfulRunsHistoryLimit?: number;
  failedRunsHistoryLimit?: number;
  workflowRun: { metadata?: ObjectMeta; spec: WorkflowRunSpec };
}
export interface CronWorkflowRunStatus {
  active?: { name: string; namespace?: string; kind?: string }[];
  lastScheduleTime?: string;
  conditions?: Condition[];
}
export type CronWorkflowRun = Resource<CronWorkflowRunSpec, CronWorkflowRunStatus>;

// -- Others -----------------------------------------------------------------------------

export interface KubeEvent {
  metadata: ObjectMeta;
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  involvedObject?: { kind?: string; name?: string };
}
export interface LogSource {
  source: string;
  pod?: string;
  container?: string;
  kind?: StepKind;
}
export interface LogLine {
  source: string;
  time: string;
  text: string;
  kind?: StepKind;
}
export interface Volume {
  name: string;
  files: number;
  bytes: number;
}
export interface FileEntry {
  name: string;
  type: "file" | "dir";
  size: number;
  modified: string;
}
export interface ServerInfo {
  version: string;
  mode: string;
  sandboxed?: boolean;
  controller?: unknown;
}
export interface StatusCause {
  field?: string;
  message: string;
  reason?: string;
}
export interface KubeStatus {
  kind: "Status";
  code: number;
  reason?: string;
  message?: string;
  details?: { name?: string; kind?: string; causes?: StatusCause[] };
}
