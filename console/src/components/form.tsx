/** Form controls, and the field errors of a rejected save shown next to their fields. */
import { createContext, useContext, useId, type ReactNode } from "react";
import { useI18n } from "../i18n";
import { Icon } from "./icons";

/** Server causes keyed by field path (`spec.seqPod.steps[0].image`). */
export type FieldErrors = Map<string, string[]>;
const ErrorsCtx = createContext<FieldErrors>(new Map());
export const FieldErrorsProvider = ErrorsCtx.Provider;

export function useFieldErrors(path?: string): string[] {
  const errors = useContext(ErrorsCtx);
  return path ? (errors.get(path) ?? []) : [];
}

export function Field({
  label,
  path,
  hint,
  required,
  children,
  inline,
}: {
  label: ReactNode;
  path?: string;
  hint?: ReactNode;
  required?: boolean;
  children: ReactNode;
  inline?: boolean;
}) {
  const errors = useFieldErrors(path);
  return (
    <div className={`field ${inline ? "field-inline" : ""} ${errors.length ? "field-invalid" : ""}`} data-path={path}>
      <label className="field-label">
        {label}
        {required && <span className="required">*</span>}
      </label>
      <div className="field-control">
        {children}
        {hint && !errors.length && <div className="field-hint">{hint}</div>}
        {errors.map((e, i) => (
          <div key={i} className="field-error" data-testid="field-error">
            {e}
          </div>
        ))}
      </div>
    </div>
  );
}

type InputProps = {
  value: string | undefined;
  onChange(value: string): void;
  placeholder?: string;
  mono?: boolean;
  testId?: string;
  disabled?: boolean;
  type?: string;
  ariaLabel?: string;
  autoFocus?: boolean;
};

export function TextInput({ value, onChange, placeholder, mono, testId, disabled, type, ariaLabel, autoFocus }: InputProps) {
  return (
    <input
      className={`input ${mono ? "mono" : ""}`}
      value={value ?? ""}
      placeholder={placeholder}
      data-testid={testId}
      disabled={disabled}
      type={type ?? "text"}
      aria-label={ariaLabel ?? placeholder}
      autoFocus={autoFocus}
      spellCheck={false}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

export function TextArea({ value, onChange, placeholder, mono, testId, rows = 3 }: InputProps & { rows?: number }) {
  return (
    <textarea
      className={`input textarea ${mono ? "mono" : ""}`}
      value={value ?? ""}
      rows={rows}
      placeholder={placeholder}
      data-testid={testId}
      spellCheck={false}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/** A string list edited one item per line (command, args, values). */
export function LinesInput({
  value,
  onChange,
  placeholder,
  testId,
}: {
  value: string[] | undefined;
  onChange(value: string[]): void;
  placeholder?: string;
  testId?: string;
}) {
  const text = (value ?? []).join("\n");
  return (
    <textarea
      className="input textarea mono"
      rows={Math.min(6, Math.max(2, (value?.length ?? 0) + 1))}
      value={text}
      placeholder={placeholder}
      data-testid={testId}
      spellCheck={false}
      onChange={(e) => onChange(e.target.value === "" ? [] : e.target.value.split("\n"))}
    />
  );
}

export function Select<T extends string>({
  value,
  options,
  onChange,
  testId,
  ariaLabel,
}: {
  value: T;
  options: { value: T; label: string }[];
  onChange(value: T): void;
  testId?: string;
  ariaLabel?: string;
}) {
  return (
    <select
      className="input select"
      value={value}
      data-testid={testId}
      aria-label={ariaLabel}
      onChange={(e) => onChange(e.target.value as T)}
    >
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}

export function Toggle({
  checked,
  onChange,
  label,
  testId,
}: {
  checked: boolean;
  onChange(v: boolean): void;
  label?: ReactNode;
  testId?: string;
}) {
  const id = useId();
  return (
    <label className="toggle" htmlFor={id} data-testid={testId} data-checked={checked}>
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span className="toggle-track">
        <span className="toggle-thumb" />
      </span>
      {label && <span className="toggle-label">{label}</span>}
    </label>
  );
}

export function Checkbox({ checked, onChange, label }: { checked: boolean; onChange(v: boolean): void; label: ReactNode }) {
  return (
    <label className="checkbox">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      {label}
    </label>
  );
}

/** Rows of items with a remove button each and an "Add" button below. */
export function ListEditor<T>({
  items,
  onChange,
  newItem,
  addLabel,
  render,
  empty,
  testId,
  columns,
}: {
  items: T[] | undefined;
  onChange(items: T[]): void;
  newItem(): T;
  addLabel: string;
  render(item: T, update: (item: T) => void, index: number): ReactNode;
  empty?: ReactNode;
  testId?: string;
  columns?: string[];
}) {
  const { t } = useI18n();
  const list = items ?? [];
  return (
    <div className="list-editor" data-testid={testId}>
      {columns && list.length > 0 && (
        <div className="list-row list-head">
          <div className="list-cells">
            {columns.map((c) => (
              <span key={c}>{c}</span>
            ))}
          </div>
          <span className="list-remove-space" />
        </div>
      )}
      {list.length === 0 && empty && <div className="list-empty">{empty}</div>}
      {list.map((item, i) => (
        <div className="list-row" key={i}>
          <div className="list-cells">{render(item, (v) => onChange(list.map((x, j) => (j === i ? v : x))), i)}</div>
          <button
            type="button"
            className="icon-button"
            title={t("common.remove")}
            aria-label={t("common.remove")}
            onClick={() => onChange(list.filter((_, j) => j !== i))}
          >
            <Icon name="trash" size={14} />
          </button>
        </div>
      ))}
      <button type="button" className="btn btn-ghost btn-small" onClick={() => onChange([...list, newItem()])}>
        <Icon name="plus" size={14} />
        {addLabel}
      </button>
    </div>
  );
}

/** `labels`, `env` and similar maps as key/value rows. */
export function KeyValueEditor({
  value,
  onChange,
  addLabel,
  keyPlaceholder,
  valuePlaceholder,
}: {
  value: Record<string, string> | undefined;
  onChange(value: Record<string, string>): void;
  addLabel: string;
  keyPlaceholder: string;
  valuePlaceholder: string;
}) {
  const rows = Object.entries(value ?? {});
  const set = (next: [string, string][]) => onChange(Object.fromEntries(next));
  return (
    <ListEditor<[string, string]>
      items={rows}
      onChange={set}
      newItem={() => [`key${rows.length + 1}`, ""]}
      addLabel={addLabel}
      render={([k, v], update) => (
        <>
          <TextInput value={k} mono placeholder={keyPlaceholder} onChange={(nk) => update([nk, v])} />
          <TextInput value={v} mono placeholder={valuePlaceholder} onChange={(nv) => update([k, nv])} />
        </>
      )}
    />
  );
}

export function Section({ title, children, actions, testId }: { title: ReactNode; children: ReactNode; actions?: ReactNode; testId?: string }) {
  return (
    <section className="card section" data-testid={testId}>
      <header className="section-header">
        <h3>{title}</h3>
        {actions}
      </header>
      <div className="section-body">{children}</div>
    </section>
  );
}
