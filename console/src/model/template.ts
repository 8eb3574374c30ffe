/** WorkflowTemplate documents as the editor handles them: skeletons per type, type
 * changes, script languages, YAML both ways. */
import {
  JOB_FIELDS,
  TYPE_FIELDS,
  type Container,
  type TemplateType,
  type WorkflowTemplate,
  type WorkflowTemplateSpec,
} from "../api/types";

export const API_VERSION = "batch.tensorstack.dev/v1beta1";
export const PY_SHEBANG = "#!/usr/bin/env python3";
export { CRON_LABEL, RUN_LABEL, TEMPLATE_LABEL } from "./labels";

export type ScriptLanguage = "python" | "shell";

export function scriptLanguage(script: string): ScriptLanguage {
  const first = script.split("\n", 1)[0];
  return first.startsWith("#!") && first.includes("python") ? "python" : "shell";
}

/** Switch a script's language by its first line; the body is kept. */
export function setScriptLanguage(script: string, lang: ScriptLanguage): string {
  const lines = script.split("\n");
  const body = lines[0]?.startsWith("#!") ? lines.slice(1).join("\n") : script;
  return lang === "python" ? `${PY_SHEBANG}\n${body}` : `#!/bin/bash\n${body}`;
}

export function isJobType(type?: string): boolean {
  return !!type && type in JOB_FIELDS;
}

export function effectiveType(spec: WorkflowTemplateSpec | undefined): TemplateType | undefined {
  if (!spec) return undefined;
  if (spec.type) return spec.type;
  for (const t of ["Pod", "SeqPod", "Resource", "DAG"] as TemplateType[]) if (spec[TYPE_FIELDS[t]]) return t;
  return undefined;
}

export function defaultStep(index: number): Container {
  return { name: `step${index + 1}`, image: "python:3.11", command: ["echo"], args: ["hello"] };
}

export function defaultBody(type: TemplateType): unknown {
  switch (type) {
    case "Pod":
      return { containers: [{ name: "main", image: "ubuntu:22.04", command: ["echo"], args: ["hello"] }] };
    case "SeqPod":
      return { steps: [defaultStep(0)] };
    case "Resource":
      return {
        manifest: [
          "apiVersion: batch/v1",
          "kind: Job",
          "metadata:",
          "  generateName: job-",
          "spec:",
          "  template:",
          "    spec:",
          "      restartPolicy: Never",
          "      containers:",
          "        - name: main",
          "          image: ubuntu:22.04",
          "          command: [echo, hello]",
          "",
        ].join("\n"),
        successRules: { fieldSelector: "status.succeeded>0" },
        failureRules: { fieldSelector: "status.failed>0" },
      };
    case "DAG":
      return { templates: [], failureStrategy: "StopAllWorkflowTemplates" };
    default:
      return { metadata: {}, spec: jobSpec(type) };
  }
}

const hello = (name: string): Container => ({ name, image: "ubuntu:22.04", command: ["echo", "hello"] });
const replicaGroup = (type: string, container: string) => ({
  type,
  replicas: 1,
  template: { spec: { containers: [hello(container)] } },
});

/** The smallest valid spec of each job kind (each is checked by `treadle validate`):
 * replica groups for the kinds that have them, named by the replica types the kind
 * knows, with the container its framework runs in; a `worker` (and its command) for
 * the MPI family; a submitting batch Job for a BeamJob. */
export function jobSpec(type: TemplateType): Record<string, unknown> {
  switch (type) {
    case "TensorFlowTrainingJob":
      return { replicaSpecs: [replicaGroup("worker", "tensorflow")] };
    case "PyTorchTrainingJob":
      return { replicaSpecs: [replicaGroup("master", "pytorch")] };
    case "XGBoostTrainingJob":
      return { replicaSpecs: [replicaGroup("master", "xgboost")] }; // the master runs the tracker
    case "MPIJob":
      return {
        worker: { replicas: 1, cmd: ["echo", "hello"], template: { spec: { containers: [{ name: "mpi-worker", image: "ubuntu:22.04" }] } } },
      };
    case "DeepSpeedJob":
      return {
        config: { customCommand: "echo hello" },
        worker: { replicas: 1, template: { spec: { containers: [{ name: "worker", image: "ubuntu:22.04" }] } } },
      };
    case "ColossalAIJob":
      return {
        worker: { replicas: 1, command: ["echo", "hello"], template: { spec: { containers: [{ name: "worker", image: "ubuntu:22.04" }] } } },
      };
    case "BeamJob":
      return {
        flinkClusterTemplate: { spec: {} },
        jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [hello("submit-job")] } } } },
      };
    default:
      return { replicaSpecs: [replicaGroup("worker", "worker")] };
  }
}

export function newTemplate(type: TemplateType = "SeqPod"): WorkflowTemplate {
  return {
    apiVersion: API_VERSION,
    kind: "WorkflowTemplate",
    metadata: { name: "", labels: {} },
    spec: {
      description: "",
      params: [],
      workspaces: [],
      results: [],
      type,
      [TYPE_FIELDS[type]]: defaultBody(type),
    },
  };
}

/** Change the template's type: drop the old body, start the new one from its skeleton
 * (or keep steps/containers when moving between Pod and SeqPod). */
export function changeType(doc: WorkflowTemplate, type: TemplateType): WorkflowTemplate {
  const spec: WorkflowTemplateSpec = { ...doc.spec };
  const old = effectiveType(spec);
  const oldBody = old ? (spec[TYPE_FIELDS[old]] as Record<string, unknown> | undefined) : undefined;
  for (const field of Object.values(TYPE_FIELDS)) delete spec[field];
  let body = defaultBody(type);
  if (old === "SeqPod" && type === "Pod" && oldBody?.steps)
    body = { ...oldBody, steps: undefined, containers: (oldBody.steps as Container[]).map(({ script: _s, ...c }) => c) };
  if (old === "Pod" && type === "SeqPod" && oldBody?.containers)
    body = { ...oldBody, containers: undefined, steps: oldBody.containers };
  if (body && typeof body === "object") body = JSON.parse(JSON.stringify(body)); // drop undefined keys
  spec.type = type;
  spec[TYPE_FIELDS[type]] = body;
  return { ...doc, spec };
}

/** What the user edits: no server-owned metadata, no status. */
export function editable(doc: WorkflowTemplate, keepVersion = false): WorkflowTemplate {
  const { name, labels, annotations, resourceVersion } = doc.metadata;
  const metadata: WorkflowTemplate["metadata"] = { name: name ?? "", labels: labels ?? {} };
  if (annotations && Object.keys(annotations).length) metadata.annotations = annotations;
  if (keepVersion && resourceVersion) metadata.resourceVersion = resourceVersion;
  return { apiVersion: doc.apiVersion || API_VERSION, kind: "WorkflowTemplate", metadata, spec: doc.spec };
}

/** The object a job-type template describes (for previews). */
export function jobField(type: TemplateType): string | undefined {
  return JOB_FIELDS[type];
}
