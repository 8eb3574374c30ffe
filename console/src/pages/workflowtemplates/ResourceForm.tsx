/** Resource templates: the manifest, and success/failure rules (field or condition selector). */
import { useState } from "react";
import type { ConditionSelector, ResourceSpec, Rules } from "../../api/types";
import { Code } from "../../components/Code";
import { Field, Select, TextInput } from "../../components/form";
import { useI18n } from "../../i18n";
import { withManifest } from "../../model/t9k";
import { fromYaml, toYaml } from "../../model/yaml";

type RuleMode = "none" | "field" | "condition";

function ruleMode(r?: Rules): RuleMode {
  if (r?.conditionSelector) return "condition";
  if (r?.fieldSelector !== undefined) return "field";
  return "none";
}

function RulesEditor({ rules, onChange, base, testId }: { rules?: Rules; onChange(r?: Rules): void; base: string; testId: string }) {
  const { t } = useI18n();
  const mode = ruleMode(rules);
  const cond: ConditionSelector = rules?.conditionSelector ?? { type: "Succeeded", status: "True" };
  return (
    <div className="rules" data-testid={testId}>
      <div className="segmented">
        {(["none", "field", "condition"] as RuleMode[]).map((m) => (
          <button
            type="button"
            key={m}
            className={mode === m ? "active" : ""}
            onClick={() =>
              onChange(m === "none" ? undefined : m === "field" ? { fieldSelector: "" } : { conditionSelector: { type: "Succeeded", status: "True" } })
            }
          >
            {t(`form.rule.${m}`)}
          </button>
        ))}
      </div>
      {mode === "field" && (
        <Field label={t("form.fieldSelector")} path={`${base}.fieldSelector`} hint={t("form.fieldSelectorHint")}>
          <TextInput value={rules?.fieldSelector} onChange={(fieldSelector) => onChange({ fieldSelector })} mono placeholder="status.succeeded>0" testId={`${testId}-field`} />
        </Field>
      )}
      {mode === "condition" && (
        <div className="form-grid two">
          <Field label={t("form.conditionType")} path={`${base}.conditionSelector.type`}>
            <TextInput value={cond.type} onChange={(type) => onChange({ conditionSelector: { ...cond, type } })} mono />
          </Field>
          <Field label={t("form.conditionStatus")} path={`${base}.conditionSelector.status`}>
            <Select<ConditionSelector["status"]>
              value={cond.status}
              options={["True", "False", "Unknown"].map((v) => ({ value: v as ConditionSelector["status"], label: v }))}
              onChange={(status) => onChange({ conditionSelector: { ...cond, status } })}
            />
          </Field>
        </div>
      )}
    </div>
  );
}

export function ResourceForm({ value, onChange }: { value: ResourceSpec; onChange(v: ResourceSpec): void }) {
  const { t } = useI18n();
  const set = (patch: Partial<ResourceSpec>) => {
    const next = { ...value, ...patch };
    if (!next.successRules) delete next.successRules;
    if (!next.failureRules) delete next.failureRules;
    onChange(next);
  };
  return (
    <div className="stack">
      <Field label={t("form.manifest")} path="spec.resource.manifest" hint={t("form.manifestHint")}>
        <Code value={value.manifest ?? ""} onChange={(manifest) => onChange(withManifest(value, manifest))} minHeight={220} maxHeight={480} testId="manifest-editor" />
      </Field>
      <div className="stack">
        <Field label={t("form.successRules")}>
          <RulesEditor rules={value.successRules} onChange={(successRules) => set({ successRules })} base="spec.resource.successRules" testId="success-rules" />
        </Field>
        <Field label={t("form.failureRules")}>
          <RulesEditor rules={value.failureRules} onChange={(failureRules) => set({ failureRules })} base="spec.resource.failureRules" testId="failure-rules" />
        </Field>
      </div>
    </div>
  );
}

/** T9k job types: the job's metadata and spec as YAML (validated by the server on save). */
export function JobForm({ value, onChange, field }: { value: unknown; onChange(v: unknown): void; field: string }) {
  const { t } = useI18n();
  const [text, setText] = useState(() => toYaml(value ?? { metadata: {}, spec: {} }));
  const [error, setError] = useState<string>();
  const shown = fromYaml<unknown>(text).value;
  // Follow outside edits (the YAML panel) when they differ from what this editor holds.
  if (JSON.stringify(shown) !== JSON.stringify(value) && !error) {
    const next = toYaml(value ?? {});
    if (next !== text) setText(next);
  }
  return (
    <Field label={t("form.jobSpec")} path={`spec.${field}`} hint={t("form.jobSpecHint")}>
      <Code
        value={text}
        onChange={(next) => {
          setText(next);
          const parsed = fromYaml<unknown>(next);
          setError(parsed.error);
          if (parsed.value) onChange(parsed.value);
        }}
        minHeight={260}
        maxHeight={560}
        testId="job-editor"
      />
      {error && <div className="field-error">{error}</div>}
    </Field>
  );
}
