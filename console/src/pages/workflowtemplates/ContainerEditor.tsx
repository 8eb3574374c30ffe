/** One Pod container or SeqPod step: image, "Command and Args" or "Script" (Python or
 * Shell), working directory, environment and resource limits. */
import type { Container, EnvVar } from "../../api/types";
import { Code } from "../../components/Code";
import { Field, LinesInput, ListEditor, Select, TextInput } from "../../components/form";
import { Icon } from "../../components/icons";
import { useI18n } from "../../i18n";
import { PY_SHEBANG, scriptLanguage, setScriptLanguage, type ScriptLanguage } from "../../model/template";

type Mode = "command" | "script";

export function ContainerEditor({
  value,
  onChange,
  base,
  index,
  isStep,
  onRemove,
  onMove,
  count,
}: {
  value: Container;
  onChange(c: Container): void;
  base: string;
  index: number;
  isStep: boolean;
  onRemove(): void;
  onMove(delta: number): void;
  count: number;
}) {
  const { t } = useI18n();
  const mode: Mode = isStep && typeof value.script === "string" ? "script" : "command";
  const id = `${isStep ? "step" : "container"}-${index}`;
  const setMode = (m: Mode) => {
    if (m === mode) return;
    const { command: _c, script: _s, ...rest } = value;
    onChange(m === "script" ? { ...rest, script: `${PY_SHEBANG}\nprint("hello")\n` } : { ...rest, command: [] });
  };
  const limits = value.resources?.limits ?? {};
  const setLimit = (key: string, v: string) => {
    const next = { ...limits, [key]: v };
    if (!v) delete next[key];
    const resources: NonNullable<Container["resources"]> = { ...(value.resources ?? {}), limits: next };
    if (!Object.keys(next).length) delete resources.limits;
    onChange({ ...value, resources: Object.keys(resources).length ? resources : undefined });
  };
  return (
    <div className="container-card card-inset" data-testid={id}>
      <header className="container-card-head">
        <span className="container-index">{isStep ? t("form.stepN", { n: index + 1 }) : t("form.containerN", { n: index + 1 })}</span>
        <span className="spacer" />
        <button type="button" className="icon-button" disabled={index === 0} onClick={() => onMove(-1)} title={t("form.moveUp")} aria-label={t("form.moveUp")}>
          ↑
        </button>
        <button type="button" className="icon-button" disabled={index === count - 1} onClick={() => onMove(1)} title={t("form.moveDown")} aria-label={t("form.moveDown")}>
          ↓
        </button>
        <button type="button" className="icon-button" onClick={onRemove} title={t("common.remove")} aria-label={t("common.remove")}>
          <Icon name="trash" size={14} />
        </button>
      </header>
      <div className="form-grid two">
        <Field label={t("common.name")} path={`${base}.name`} required>
          <TextInput value={value.name} onChange={(name) => onChange({ ...value, name })} mono testId={`${id}-name`} />
        </Field>
        <Field label={t("form.image")} path={`${base}.image`} required>
          <TextInput
            value={value.image}
            onChange={(image) => onChange({ ...value, image })}
            mono
            placeholder="registry.example.com/team/image:tag"
            testId={`${id}-image`}
          />
        </Field>
      </div>
      {isStep && (
        <div className="segmented" role="radiogroup">
          {(["command", "script"] as Mode[]).map((m) => (
            <button
              type="button"
              key={m}
              role="radio"
              aria-checked={mode === m}
              className={mode === m ? "active" : ""}
              onClick={() => setMode(m)}
              data-testid={`${id}-mode-${m}`}
            >
              {m === "command" ? t("form.commandAndArgs") : t("form.script")}
            </button>
          ))}
        </div>
      )}
      {mode === "command" ? (
        <div className="form-grid two">
          <Field label={t("form.command")} path={`${base}.command`} hint={t("form.onePerLine")}>
            <LinesInput value={value.command} onChange={(command) => onChange({ ...value, command })} placeholder="python" testId={`${id}-command`} />
          </Field>
          <Field label={t("form.args")} path={`${base}.args`} hint={t("form.onePerLine")}>
            <LinesInput value={value.args} onChange={(args) => onChange({ ...value, args })} placeholder="main.py" testId={`${id}-args`} />
          </Field>
        </div>
      ) : (
        <>
          <Field label={t("form.language")}>
            <Select<ScriptLanguage>
              value={scriptLanguage(value.script ?? "")}
              options={[
                { value: "python", label: "Python" },
                { value: "shell", label: "Shell" },
              ]}
              onChange={(lang) => onChange({ ...value, script: setScriptLanguage(value.script ?? "", lang) })}
              testId={`${id}-language`}
            />
          </Field>
          <Field label={t("form.script")} path={`${base}.script`}>
            <Code value={value.script ?? ""} onChange={(script) => onChange({ ...value, script })} language="text" minHeight={140} testId={`${id}-script`} />
          </Field>
          <Field label={t("form.args")} path={`${base}.args`} hint={t("form.scriptArgsHint")}>
            <LinesInput value={value.args} onChange={(args) => onChange({ ...value, args: args.length ? args : undefined })} />
          </Field>
        </>
      )}
      <details className="more">
        <summary>{t("form.more")}</summary>
        <div className="form-grid two">
          <Field label={t("form.workingDir")} path={`${base}.workingDir`}>
            <TextInput value={value.workingDir} onChange={(w) => onChange({ ...value, workingDir: w || undefined })} mono />
          </Field>
          <div className="form-grid two">
            <Field label={t("form.cpuLimit")}>
              <TextInput value={limits.cpu} onChange={(v) => setLimit("cpu", v)} mono placeholder="100m" />
            </Field>
            <Field label={t("form.memoryLimit")}>
              <TextInput value={limits.memory} onChange={(v) => setLimit("memory", v)} mono placeholder="200Mi" />
            </Field>
          </div>
        </div>
        <Field label={t("form.env")} path={`${base}.env`}>
          <ListEditor<EnvVar>
            items={value.env}
            onChange={(env) => onChange({ ...value, env: env.length ? env : undefined })}
            newItem={() => ({ name: "NAME", value: "" })}
            addLabel={t("form.addEnv")}
            render={(e, update) => (
              <>
                <TextInput value={e.name} onChange={(name) => update({ ...e, name })} mono placeholder={t("common.name")} />
                <TextInput value={e.value} onChange={(v) => update({ ...e, value: v })} mono placeholder={t("form.value")} />
              </>
            )}
          />
        </Field>
      </details>
    </div>
  );
}

export function ContainersEditor({
  items,
  onChange,
  base,
  isStep,
  newItem,
}: {
  items: Container[];
  onChange(items: Container[]): void;
  base: string;
  isStep: boolean;
  newItem(index: number): Container;
}) {
  const { t } = useI18n();
  return (
    <div className="stack">
      {items.map((c, i) => (
        <ContainerEditor
          key={i}
          value={c}
          index={i}
          count={items.length}
          base={`${base}[${i}]`}
          isStep={isStep}
          onChange={(next) => onChange(items.map((x, j) => (j === i ? next : x)))}
          onRemove={() => onChange(items.filter((_, j) => j !== i))}
          onMove={(d) => {
            const next = [...items];
            const [moved] = next.splice(i, 1);
            next.splice(i + d, 0, moved);
            onChange(next);
          }}
        />
      ))}
      <button type="button" className="btn btn-ghost" onClick={() => onChange([...items, newItem(items.length)])} data-testid={isStep ? "add-step" : "add-container"}>
        <Icon name="plus" />
        {isStep ? t("form.addStep") : t("form.addContainer")}
      </button>
    </div>
  );
}
