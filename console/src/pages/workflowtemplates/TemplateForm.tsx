/** The form half of the template editor (non-DAG types; the DAG designer has its own). */
import type { Container, PodSpec, ResourceSpec, WorkflowTemplate, WorkflowTemplateSpec } from "../../api/types";
import { Field, Section, TextArea } from "../../components/form";
import { useI18n } from "../../i18n";
import { defaultStep, effectiveType, isJobType, jobField } from "../../model/template";
import { LabelsEditor, ParamsEditor, ResultsEditor, WorkspacesEditor } from "./CommonSections";
import { ContainersEditor } from "./ContainerEditor";
import { JobForm, ResourceForm } from "./ResourceForm";

export function TemplateForm({ doc, onChange }: { doc: WorkflowTemplate; onChange(doc: WorkflowTemplate): void }) {
  const { t } = useI18n();
  const spec = doc.spec ?? {};
  const type = effectiveType(spec);
  const setSpec = (patch: Partial<WorkflowTemplateSpec>) => onChange({ ...doc, spec: { ...spec, ...patch } });
  const supportsWorkspaces = type === "Pod" || type === "SeqPod" || type === "DAG";
  const supportsResults = type === "SeqPod" || type === "DAG";

  return (
    <div className="stack">
      <Section title={t("form.basic")}>
        <Field label={t("common.description")} path="spec.description">
          <TextArea value={spec.description} onChange={(description) => setSpec({ description })} rows={2} testId="description" />
        </Field>
        <Field label={t("form.labels")} path="metadata.labels">
          <LabelsEditor doc={doc} onChange={onChange} />
        </Field>
      </Section>

      {type === "SeqPod" && (
        <Section title={t("form.steps")} testId="steps-section">
          <ContainersEditor
            items={(spec.seqPod?.steps ?? []) as Container[]}
            onChange={(steps) => setSpec({ seqPod: { ...(spec.seqPod ?? {}), steps } as PodSpec })}
            base="spec.seqPod.steps"
            isStep
            newItem={defaultStep}
          />
        </Section>
      )}
      {type === "Pod" && (
        <Section title={t("form.containers")}>
          <ContainersEditor
            items={(spec.pod?.containers ?? []) as Container[]}
            onChange={(containers) => setSpec({ pod: { ...(spec.pod ?? {}), containers } as PodSpec })}
            base="spec.pod.containers"
            isStep={false}
            newItem={(i) => ({ name: `container${i + 1}`, image: "ubuntu:22.04", command: [] })}
          />
        </Section>
      )}
      {type === "Resource" && (
        <Section title={t("form.resource")}>
          <ResourceForm value={(spec.resource ?? { manifest: "" }) as ResourceSpec} onChange={(resource) => setSpec({ resource })} />
        </Section>
      )}
      {isJobType(type) && (
        <Section title={type}>
          <JobForm field={jobField(type!)!} value={spec[jobField(type!)!]} onChange={(v) => setSpec({ [jobField(type!)!]: v })} />
        </Section>
      )}

      <Section title={t("form.params")}>
        <ParamsEditor params={spec.params} onChange={(params) => setSpec({ params })} />
      </Section>
      {supportsWorkspaces && (
        <Section title={t("form.workspaces")}>
          <WorkspacesEditor workspaces={spec.workspaces} onChange={(workspaces) => setSpec({ workspaces })} />
        </Section>
      )}
      {supportsResults && (
        <Section title={t("form.results")}>
          <ResultsEditor results={spec.results} onChange={(results) => setSpec({ results })} />
          {type === "SeqPod" && <p className="muted small">{t("form.resultsHint")}</p>}
        </Section>
      )}
    </div>
  );
}
