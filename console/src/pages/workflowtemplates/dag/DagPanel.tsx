/** Nothing selected: the DAG itself — description, labels, params, workspaces,
 * results, failure strategy. */
import type { DagSpec, FailureStrategy, WorkflowTemplate } from "../../../api/types";
import { Field, Select, TextArea } from "../../../components/form";
import { useI18n } from "../../../i18n";
import { LabelsEditor, ParamsEditor, ResultsEditor, WorkspacesEditor } from "../CommonSections";
import { RefPicker } from "./RefPicker";

export function DagPanel({
  doc,
  onChange,
  templates,
}: {
  doc: WorkflowTemplate;
  onChange(doc: WorkflowTemplate): void;
  templates: Map<string, WorkflowTemplate>;
}) {
  const { t } = useI18n();
  const spec = doc.spec;
  const dag = (spec.dag ?? { templates: [] }) as DagSpec;
  const set = (patch: Partial<WorkflowTemplate["spec"]>) => onChange({ ...doc, spec: { ...spec, ...patch } });
  const resultRefs = dag.templates.map((n) => ({
    label: t("dag.resultsOf", { node: n.name }),
    refs: (templates.get(n.workflowTemplateRef)?.spec.results ?? []).map((r) => `$(templates.${n.name}.results.${r.name})`),
  }));
  return (
    <div className="panel panel-wide" data-testid="dag-panel">
      <header className="panel-head">
        <h3>{t("dag.dag")}</h3>
      </header>
      <p className="muted small">{t("dag.panelHint")}</p>
      <Field label={t("common.description")} path="spec.description">
        <TextArea value={spec.description} onChange={(description) => set({ description })} rows={2} />
      </Field>
      <Field
        label={t("form.failureStrategy")}
        path="spec.dag.failureStrategy"
        hint={(dag.failureStrategy ?? "StopAllWorkflowTemplates") === "StopAllWorkflowTemplates" ? t("dag.stopAll") : t("dag.stopDependent")}
      >
        <Select<FailureStrategy>
          value={dag.failureStrategy ?? "StopAllWorkflowTemplates"}
          options={[
            { value: "StopAllWorkflowTemplates", label: "StopAllWorkflowTemplates" },
            { value: "StopDependentWorkflowTemplates", label: "StopDependentWorkflowTemplates" },
          ]}
          onChange={(failureStrategy) => set({ dag: { ...dag, failureStrategy } })}
          testId="failure-strategy"
        />
      </Field>
      <Field label={t("form.labels")}>
        <LabelsEditor doc={doc} onChange={onChange} />
      </Field>
      <h4>{t("form.params")}</h4>
      <ParamsEditor params={spec.params} onChange={(params) => set({ params })} />
      <h4>{t("form.workspaces")}</h4>
      <WorkspacesEditor workspaces={spec.workspaces} onChange={(workspaces) => set({ workspaces })} />
      <h4>{t("form.results")}</h4>
      <ResultsEditor
        results={spec.results}
        onChange={(results) => set({ results })}
        withValue
        valueAddon={(insert) => <RefPicker groups={resultRefs} onPick={insert} />}
      />
    </div>
  );
}
