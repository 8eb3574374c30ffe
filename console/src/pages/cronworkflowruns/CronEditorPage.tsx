/** Create or edit a CronWorkflowRun: schedule with a readable preview, policies, and the
 * run it creates (template, params, workspaces, settings); YAML alongside, in sync. */
import { useEffect, useMemo, useState } from "react";
import { api, ApiError } from "../../api/client";
import type { CronWorkflowRun, WorkflowRunSpec } from "../../api/types";
import { Code } from "../../components/Code";
import { Field, FieldErrorsProvider, Section, Select, TextInput, Toggle, type FieldErrors } from "../../components/form";
import { Icon } from "../../components/icons";
import { ErrorBanner, PageHeader, Spinner } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { navigate, paths } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { useToast } from "../../components/toast";
import { useI18n } from "../../i18n";
import { CONCURRENCY_POLICIES, policyMeaning, SCHEDULE_PRESETS } from "../../model/cron";
import { initialRunSpec } from "../../model/run";
import { API_VERSION, TEMPLATE_LABEL } from "../../model/template";
import { fromYaml, toYaml } from "../../model/yaml";
import { useSchema } from "../../schema/useSchema";
import { ParamsFields, SettingsFields, WorkspacesFields } from "../workflowruns/RunSpecFields";
import { SchedulePreview } from "./SchedulePreview";

function newCron(): CronWorkflowRun {
  return {
    apiVersion: API_VERSION,
    kind: "CronWorkflowRun",
    metadata: { name: "" },
    spec: {
      schedule: "0 * * * *",
      concurrencyPolicy: "Allow",
      suspend: false,
      successfulRunsHistoryLimit: 3,
      failedRunsHistoryLimit: 1,
      workflowRun: { spec: { workflowTemplateRef: "" } },
    },
  };
}

export default function CronEditorPage({ params }: { params: Record<string, string> }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const toast = useToast();
  const editing = params.name;
  const schema = useSchema("CronWorkflowRun");
  const templates = useApi((signal) => api.templates.list(ns, {}, signal), [ns]);
  const [doc, setDoc] = useState<CronWorkflowRun | null>(editing ? null : newCron());
  const [text, setText] = useState(() => (doc ? toYaml(doc) : ""));
  const [yamlError, setYamlError] = useState<string>();
  const [error, setError] = useState<Error | null>(null);
  const [saving, setSaving] = useState(false);

  const fromForm = (next: CronWorkflowRun) => {
    setDoc(next);
    setText(toYaml(next));
    setYamlError(undefined);
  };
  useEffect(() => {
    if (!editing) return;
    api.crons.get(ns, editing).then(
      (c) => fromForm({ apiVersion: c.apiVersion, kind: c.kind, metadata: { name: c.metadata.name, labels: c.metadata.labels, resourceVersion: c.metadata.resourceVersion }, spec: c.spec }),
      setError,
    );
  }, [ns, editing]);

  const errors: FieldErrors = useMemo(() => {
    const m: FieldErrors = new Map();
    if (error instanceof ApiError) for (const c of error.causes) if (c.field) m.set(c.field, [...(m.get(c.field) ?? []), c.message]);
    return m;
  }, [error]);

  if (!doc) return error ? <ErrorBanner error={error} /> : <Spinner />;
  const spec = doc.spec;
  const runSpec: WorkflowRunSpec = spec.workflowRun?.spec ?? {};
  const template = templates.data?.items.find((x) => x.metadata.name === runSpec.workflowTemplateRef);
  const setSpec = (patch: Partial<CronWorkflowRun["spec"]>) => fromForm({ ...doc, spec: { ...spec, ...patch } });
  const setRunSpec = (s: WorkflowRunSpec) => setSpec({ workflowRun: { ...spec.workflowRun, spec: s } });
  const numberField = (v: string) => (v === "" ? undefined : Math.max(0, Number(v) || 0));

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const body = structuredClone(doc);
      if (template) body.spec.workflowRun.metadata = { ...body.spec.workflowRun.metadata, labels: { ...body.spec.workflowRun.metadata?.labels, [TEMPLATE_LABEL]: template.metadata.name! } };
      const saved = editing ? await api.crons.replace(ns, body) : await api.crons.create(ns, body);
      toast.success(t(editing ? "templates.saved" : "cron.created", { name: saved.metadata.name! }));
      navigate(paths.cron(ns, saved.metadata.name!));
    } catch (err) {
      setError(err as Error);
      toast.error(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="page page-editor">
      <PageHeader
        crumbs={[{ label: t("nav.crons"), to: paths.crons(ns) }]}
        title={editing ? t("cron.editTitle", { name: editing }) : t("cron.create")}
        actions={
          <>
            <button className="btn" onClick={() => navigate(paths.crons(ns))}>
              {t("common.cancel")}
            </button>
            <button className="btn btn-primary" onClick={save} disabled={saving || !!yamlError || !runSpec.workflowTemplateRef} data-testid="save-cron">
              <Icon name="check" />
              {editing ? t("common.save") : t("cron.createSubmit")}
            </button>
          </>
        }
      />
      <FieldErrorsProvider value={errors}>
        {error && <ErrorBanner error={error} />}
        <div className="editor-split">
          <div className="editor-form stack">
            <Section title={t("form.basic")}>
              <Field label={t("common.name")} path="metadata.name" required>
                <TextInput
                  value={doc.metadata.name}
                  disabled={!!editing}
                  onChange={(name) => fromForm({ ...doc, metadata: { ...doc.metadata, name } })}
                  mono
                  testId="cron-name"
                />
              </Field>
              <Field label={t("cron.schedule")} path="spec.schedule" required>
                <TextInput value={spec.schedule} onChange={(schedule) => setSpec({ schedule })} mono testId="cron-schedule" />
                <div className="chips small-gap">
                  {SCHEDULE_PRESETS.map((p) => (
                    <button key={p} type="button" className={`chip ${spec.schedule === p ? "chip-active" : ""}`} onClick={() => setSpec({ schedule: p })}>
                      <code>{p}</code>
                    </button>
                  ))}
                </div>
                <SchedulePreview schedule={spec.schedule} />
              </Field>
              <div className="form-grid two">
                <Field label={t("cron.concurrency")} path="spec.concurrencyPolicy" hint={t(`cron.policy.${policyMeaning(spec.concurrencyPolicy)}`)}>
                  <Select
                    value={spec.concurrencyPolicy ?? "Allow"}
                    options={CONCURRENCY_POLICIES.map((v) => ({ value: v, label: v === "AllowConcurrent" ? t("cron.policy.sameAsAllow", { name: v }) : v }))}
                    onChange={(concurrencyPolicy) => setSpec({ concurrencyPolicy })}
                    testId="cron-concurrency"
                  />
                </Field>
                <Field label={t("cron.deadline")} path="spec.startingDeadlineSeconds">
                  <TextInput
                    type="number"
                    value={spec.startingDeadlineSeconds === undefined ? "" : String(spec.startingDeadlineSeconds)}
                    onChange={(v) => setSpec({ startingDeadlineSeconds: numberField(v) })}
                    placeholder={t("common.optional")}
                  />
                </Field>
                <Field label={t("cron.successLimit")} path="spec.successfulRunsHistoryLimit">
                  <TextInput type="number" value={String(spec.successfulRunsHistoryLimit ?? 3)} onChange={(v) => setSpec({ successfulRunsHistoryLimit: numberField(v) })} />
                </Field>
                <Field label={t("cron.failedLimit")} path="spec.failedRunsHistoryLimit">
                  <TextInput type="number" value={String(spec.failedRunsHistoryLimit ?? 1)} onChange={(v) => setSpec({ failedRunsHistoryLimit: numberField(v) })} />
                </Field>
              </div>
              <Toggle checked={!!spec.suspend} onChange={(suspend) => setSpec({ suspend })} label={t("cron.suspend")} />
            </Section>
            <Section title={t("cron.workflowRun")}>
              <Field label={t("runs.template")} path="spec.workflowRun.spec.workflowTemplateRef" required>
                <Select
                  value={runSpec.workflowTemplateRef ?? ""}
                  options={[
                    { value: "", label: t("run.pickTemplate") },
                    ...(templates.data?.items ?? []).map((x) => ({ value: x.metadata.name!, label: x.metadata.name! })),
                  ]}
                  onChange={(name) => {
                    const tpl = templates.data?.items.find((x) => x.metadata.name === name);
                    setRunSpec(tpl ? initialRunSpec(tpl) : { workflowTemplateRef: name });
                  }}
                  testId="cron-template"
                />
              </Field>
              {template && (
                <>
                  <h4>{t("form.params")}</h4>
                  <ParamsFields template={template} spec={runSpec} onChange={setRunSpec} base="spec.workflowRun.spec" />
                  <h4>{t("form.workspaces")}</h4>
                  <WorkspacesFields template={template} spec={runSpec} onChange={setRunSpec} />
                  <h4>{t("run.step.settings")}</h4>
                  <SettingsFields spec={runSpec} onChange={setRunSpec} />
                </>
              )}
            </Section>
          </div>
          <div className="editor-yaml">
            <div className="yaml-panel">
              <div className="yaml-panel-head">
                <span>YAML</span>
                {yamlError && <span className="yaml-status yaml-bad">{yamlError}</span>}
              </div>
              <Code
                value={text}
                schema={schema}
                minHeight="100%"
                testId="yaml-editor"
                onChange={(next) => {
                  setText(next);
                  const parsed = fromYaml<CronWorkflowRun>(next);
                  setYamlError(parsed.error);
                  if (parsed.value?.spec) setDoc(parsed.value);
                }}
              />
            </div>
          </div>
        </div>
      </FieldErrorsProvider>
    </div>
  );
}
