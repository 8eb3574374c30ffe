/** The pieces of a WorkflowRun spec a person fills in: params, workspace bindings and
 * settings. Used by the create-run dialog and the CronWorkflowRun editor. */
import { useEffect, useState } from "react";
import { api } from "../../api/client";
import type { Volume, WorkflowRunSpec, WorkflowTemplate, WorkspaceBinding } from "../../api/types";
import { Field, Select, TextInput } from "../../components/form";
import { useNamespace } from "../../components/Shell";
import { useToast } from "../../components/toast";
import { useI18n } from "../../i18n";
import { bindingKind, isValidDuration, withBindingKind, type BindingKind } from "../../model/run";

type Props = { template: WorkflowTemplate; spec: WorkflowRunSpec; onChange(spec: WorkflowRunSpec): void; base?: string };

export function missingParams(template: WorkflowTemplate, spec: WorkflowRunSpec): string[] {
  return (template.spec.params ?? [])
    .filter((p) => p.default === undefined || p.default === null)
    .filter((p) => !(spec.params ?? []).find((v) => v.name === p.name && v.value !== ""))
    .map((p) => p.name);
}

export function ParamsFields({ template, spec, onChange, base = "spec" }: Props) {
  const { t } = useI18n();
  const declared = template.spec.params ?? [];
  if (!declared.length) return <p className="muted">{t("run.noParams")}</p>;
  const valueOf = (name: string) => spec.params?.find((p) => p.name === name)?.value ?? "";
  const set = (name: string, value: string) => {
    const others = (spec.params ?? []).filter((p) => p.name !== name);
    const ordered = declared
      .map((d) => (d.name === name ? { name, value } : others.find((o) => o.name === d.name)))
      .filter((p): p is { name: string; value: string } => !!p);
    onChange({ ...spec, params: ordered });
  };
  return (
    <div className="form-grid">
      {declared.map((p, i) => (
        <Field
          key={p.name}
          label={<code>{p.name}</code>}
          required={p.default === undefined || p.default === null}
          hint={p.description}
          path={`${base}.params[${i}].value`}
        >
          <TextInput value={valueOf(p.name)} onChange={(v) => set(p.name, v)} testId={`param-${p.name}`} mono />
        </Field>
      ))}
    </div>
  );
}

export function WorkspacesFields({ template, spec, onChange }: Props) {
  const { t } = useI18n();
  const ns = useNamespace();
  const toast = useToast();
  const declared = template.spec.workspaces ?? [];
  const [volumes, setVolumes] = useState<Volume[]>([]);
  const [newVolume, setNewVolume] = useState<Record<string, string>>({});
  useEffect(() => {
    api.volumes.list(ns).then((l) => setVolumes(l.items), () => setVolumes([]));
  }, [ns]);
  if (!declared.length) return <p className="muted">{t("run.noWorkspaces")}</p>;
  const bindingOf = (name: string) => spec.workspaces?.find((w) => w.name === name);
  const set = (name: string, binding: WorkspaceBinding | undefined) => {
    const rest = (spec.workspaces ?? []).filter((w) => w.name !== name);
    onChange({ ...spec, workspaces: binding ? [...rest, binding] : rest });
  };
  const kinds: { value: BindingKind; label: string }[] = [
    { value: "pvc", label: t("run.bind.pvc") },
    { value: "emptyDir", label: t("run.bind.emptyDir") },
    { value: "configMap", label: t("run.bind.configMap") },
    { value: "secret", label: t("run.bind.secret") },
  ];
  const createVolume = async (workspace: string, b: WorkspaceBinding) => {
    const name = newVolume[workspace];
    try {
      await api.volumes.create(ns, name);
      setVolumes((v) => [...v, { name, files: 0, bytes: 0 }]);
      set(workspace, { ...b, persistentVolumeClaim: { claimName: name } });
      setNewVolume((s) => ({ ...s, [workspace]: "" }));
      toast.success(t("volumes.created", { name }));
    } catch (err) {
      toast.error(err);
    }
  };
  return (
    <div className="stack">
      {declared.map((w) => {
        const b = bindingOf(w.name);
        const kind = bindingKind(b);
        return (
          <div key={w.name} className="binding card-inset" data-testid={`workspace-${w.name}`}>
            <div className="binding-head">
              <code>{w.name}</code>
              {!w.optional && <span className="required">*</span>}
              <span className="muted small">{w.description}</span>
            </div>
            <div className="form-grid">
              <Field label={t("run.bindTo")}>
                <Select<BindingKind>
                  value={kind}
                  options={w.optional ? [{ value: "none", label: t("run.bind.none") }, ...kinds] : kinds}
                  onChange={(k) => set(w.name, withBindingKind(w.name, k, b?.subPath))}
                  testId={`binding-kind-${w.name}`}
                />
              </Field>
              {kind === "pvc" && b && (
                <Field label={t("run.volume")}>
                  <div className="row">
                    <Select
                      value={b.persistentVolumeClaim?.claimName ?? ""}
                      options={[
                        { value: "", label: t("run.pickVolume") },
                        ...volumes.map((v) => ({ value: v.name, label: v.name })),
                        ...(b.persistentVolumeClaim?.claimName && !volumes.find((v) => v.name === b.persistentVolumeClaim?.claimName)
                          ? [{ value: b.persistentVolumeClaim.claimName, label: b.persistentVolumeClaim.claimName }]
                          : []),
                      ]}
                      onChange={(claimName) => set(w.name, { ...b, persistentVolumeClaim: { claimName } })}
                      testId={`volume-${w.name}`}
                    />
                  </div>
                  <div className="row small-gap">
                    <TextInput
                      value={newVolume[w.name] ?? ""}
                      onChange={(v) => setNewVolume((s) => ({ ...s, [w.name]: v }))}
                      placeholder={t("run.newVolumeName")}
                      mono
                    />
                    <button className="btn btn-small" disabled={!newVolume[w.name]} onClick={() => createVolume(w.name, b)}>
                      {t("run.createVolume")}
                    </button>
                  </div>
                </Field>
              )}
              {kind === "configMap" && b && (
                <Field label={t("run.configMapName")}>
                  <TextInput value={b.configMap?.name} onChange={(name) => set(w.name, { ...b, configMap: { name } })} mono />
                </Field>
              )}
              {kind === "secret" && b && (
                <Field label={t("run.secretName")}>
                  <TextInput value={b.secret?.secretName} onChange={(secretName) => set(w.name, { ...b, secret: { secretName } })} mono />
                </Field>
              )}
              {b && (
                <Field label={t("run.subPath")}>
                  <TextInput
                    value={b.subPath}
                    onChange={(subPath) => set(w.name, { ...b, subPath: subPath || undefined })}
                    placeholder={t("common.optional")}
                    mono
                  />
                </Field>
              )}
            </div>
          </div>
        );
      })}
    </div>
  );
}

export function SettingsFields({ spec, onChange }: Omit<Props, "template">) {
  const { t } = useI18n();
  const timeoutOk = isValidDuration(spec.timeout ?? "");
  return (
    <div className="form-grid">
      <Field label={t("run.serviceAccount")} hint={t("run.serviceAccountHint")}>
        <TextInput
          value={spec.serviceAccountName}
          onChange={(v) => onChange({ ...spec, serviceAccountName: v || undefined })}
          mono
          testId="service-account"
        />
      </Field>
      <Field label={t("run.timeout")} hint={timeoutOk ? t("run.timeoutHint") : undefined}>
        <TextInput value={spec.timeout} onChange={(v) => onChange({ ...spec, timeout: v || undefined })} placeholder="1h30m" mono testId="timeout" />
        {!timeoutOk && <div className="field-error">{t("run.badTimeout")}</div>}
      </Field>
      <Field label={t("run.queue")}>
        <TextInput
          value={spec.scheduler?.t9kScheduler?.queue}
          onChange={(queue) => onChange({ ...spec, scheduler: queue ? { t9kScheduler: { queue } } : undefined })}
          placeholder={t("common.optional")}
          mono
        />
      </Field>
    </div>
  );
}

export function workspacesComplete(template: WorkflowTemplate, spec: WorkflowRunSpec): boolean {
  return (template.spec.workspaces ?? []).every((w) => {
    const b = spec.workspaces?.find((x) => x.name === w.name);
    if (!b) return !!w.optional;
    if (b.persistentVolumeClaim) return !!b.persistentVolumeClaim.claimName;
    if (b.configMap) return !!b.configMap.name;
    if (b.secret) return !!b.secret.secretName;
    return true;
  });
}
