/** "Create WorkflowRun": step by step through template, params, workspaces, settings. */
import { useMemo, useState } from "react";
import { api, ApiError } from "../../api/client";
import type { WorkflowRunSpec, WorkflowTemplate } from "../../api/types";
import { Code } from "../../components/Code";
import { Dialog } from "../../components/Dialog";
import { Field, FieldErrorsProvider, Select, TextInput, type FieldErrors } from "../../components/form";
import { ErrorBanner } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { navigate, paths } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { useToast } from "../../components/toast";
import { useI18n, type StringKey } from "../../i18n";
import { initialRunSpec, isValidDuration, runDocument } from "../../model/run";
import { toYaml } from "../../model/yaml";
import { missingParams, ParamsFields, SettingsFields, WorkspacesFields, workspacesComplete } from "./RunSpecFields";

type Step = "template" | "params" | "workspaces" | "settings";

export function CreateRunDialog({ template: fixed, onClose }: { template?: WorkflowTemplate; onClose(): void }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const toast = useToast();
  const templates = useApi((signal) => (fixed ? Promise.resolve(null) : api.templates.list(ns, {}, signal)), [ns, !!fixed]);
  const [picked, setPicked] = useState<WorkflowTemplate | undefined>(fixed);
  const [spec, setSpec] = useState<WorkflowRunSpec | undefined>(fixed ? initialRunSpec(fixed) : undefined);
  const [prefix, setPrefix] = useState(fixed?.metadata.name ?? "");
  const steps: Step[] = fixed ? ["params", "workspaces", "settings"] : ["template", "params", "workspaces", "settings"];
  const [index, setIndex] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const step = steps[index];

  const pick = (name: string) => {
    const tpl = templates.data?.items.find((x) => x.metadata.name === name);
    setPicked(tpl);
    setSpec(tpl ? initialRunSpec(tpl) : undefined);
    setPrefix(name);
  };

  const blocker = useMemo((): StringKey | null => {
    if (!picked || !spec) return "run.pickTemplateFirst";
    if (step === "params" && missingParams(picked, spec).length) return "run.fillRequired";
    if (step === "workspaces" && !workspacesComplete(picked, spec)) return "run.bindWorkspaces";
    if (step === "settings" && !isValidDuration(spec.timeout ?? "")) return "run.badTimeout";
    return null;
  }, [picked, spec, step]);

  const errors: FieldErrors = useMemo(() => {
    const m: FieldErrors = new Map();
    for (const c of error?.causes ?? []) if (c.field) m.set(c.field, [...(m.get(c.field) ?? []), c.message]);
    return m;
  }, [error]);

  const submit = async () => {
    if (!picked || !spec) return;
    setBusy(true);
    setError(null);
    try {
      const run = await api.runs.create(ns, runDocument(picked, spec, prefix));
      toast.success(t("runs.created", { name: run.metadata.name! }));
      onClose();
      navigate(paths.run(ns, run.metadata.name!));
    } catch (err) {
      setError(err as ApiError);
      toast.error(err);
    } finally {
      setBusy(false);
    }
  };

  const last = index === steps.length - 1;
  return (
    <Dialog
      title={t("runs.create")}
      onClose={onClose}
      wide
      testId="create-run-dialog"
      footer={
        <>
          {blocker && step !== "template" && <span className="footer-note">{t(blocker)}</span>}
          <button className="btn" onClick={index === 0 ? onClose : () => setIndex(index - 1)}>
            {index === 0 ? t("common.cancel") : t("common.back")}
          </button>
          {last ? (
            <button className="btn btn-primary" disabled={!!blocker || busy} onClick={submit} data-testid="submit-run">
              {t("runs.createSubmit")}
            </button>
          ) : (
            <button className="btn btn-primary" disabled={!!blocker} onClick={() => setIndex(index + 1)} data-testid="next-step">
              {t("common.next")}
            </button>
          )}
        </>
      }
    >
      <ol className="stepper">
        {steps.map((s, i) => (
          <li key={s} className={i === index ? "current" : i < index ? "done" : ""}>
            <span className="stepper-num">{i + 1}</span>
            {t(`run.step.${s}` as StringKey)}
          </li>
        ))}
      </ol>
      <FieldErrorsProvider value={errors}>
        {error && <ErrorBanner error={error} />}
        {picked && step !== "template" && (
          <p className="muted small">
            {t("runs.template")}: <code>{picked.metadata.name}</code>
          </p>
        )}
        {step === "template" && (
          <div className="form-grid">
            <Field label={t("runs.template")} required>
              <Select
                value={picked?.metadata.name ?? ""}
                options={[
                  { value: "", label: t("run.pickTemplate") },
                  ...(templates.data?.items ?? []).map((x) => ({ value: x.metadata.name!, label: x.metadata.name! })),
                ]}
                onChange={pick}
                testId="pick-template"
              />
            </Field>
            <Field label={t("run.namePrefix")} hint={t("run.namePrefixHint")}>
              <TextInput value={prefix} onChange={setPrefix} mono />
            </Field>
          </div>
        )}
        {step === "params" && picked && spec && <ParamsFields template={picked} spec={spec} onChange={setSpec} />}
        {step === "workspaces" && picked && spec && <WorkspacesFields template={picked} spec={spec} onChange={setSpec} />}
        {step === "settings" && picked && spec && (
          <>
            {fixed && (
              <Field label={t("run.namePrefix")} hint={t("run.namePrefixHint")}>
                <TextInput value={prefix} onChange={setPrefix} mono />
              </Field>
            )}
            <SettingsFields spec={spec} onChange={setSpec} />
            <details className="yaml-preview">
              <summary>{t("run.previewYaml")}</summary>
              <Code value={toYaml(runDocument(picked, spec, prefix))} readOnly maxHeight={260} />
            </details>
          </>
        )}
      </FieldErrorsProvider>
    </Dialog>
  );
}
