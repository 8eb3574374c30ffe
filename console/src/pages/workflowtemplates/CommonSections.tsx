/** Labels, params, workspaces and results of a template: the same rows for every type. */
import type { ParamSpec, ResultDeclaration, WorkflowTemplate, WorkspaceDeclaration } from "../../api/types";
import { Checkbox, KeyValueEditor, ListEditor, TextInput, useFieldErrors } from "../../components/form";
import { useI18n } from "../../i18n";
import type { ReactNode } from "react";

function Cell({ path, children, grow }: { path: string; children: ReactNode; grow?: number }) {
  const errors = useFieldErrors(path);
  return (
    <div className={`cell ${errors.length ? "field-invalid" : ""}`} style={grow ? { flex: grow } : undefined} data-path={path}>
      {children}
      {errors.map((e, i) => (
        <div key={i} className="field-error" data-testid="field-error">
          {e}
        </div>
      ))}
    </div>
  );
}

/** The template's own labels (metadata.labels), as key/value rows. */
export function LabelsEditor({ doc, onChange }: { doc: WorkflowTemplate; onChange(doc: WorkflowTemplate): void }) {
  const { t } = useI18n();
  return (
    <KeyValueEditor
      value={doc.metadata?.labels}
      onChange={(labels) => onChange({ ...doc, metadata: { ...doc.metadata, labels } })}
      addLabel={t("form.addLabel")}
      keyPlaceholder={t("form.key")}
      valuePlaceholder={t("form.value")}
    />
  );
}

export function ParamsEditor({
  params,
  onChange,
  base = "spec.params",
}: {
  params: ParamSpec[] | undefined;
  onChange(p: ParamSpec[]): void;
  base?: string;
}) {
  const { t } = useI18n();
  return (
    <ListEditor<ParamSpec>
      testId="params-editor"
      items={params}
      onChange={onChange}
      newItem={() => ({ name: `param${(params?.length ?? 0) + 1}`, default: "" })}
      addLabel={t("form.addParam")}
      empty={t("form.noParams")}
      columns={[t("common.name"), t("form.default"), t("common.description"), ""]}
      render={(p, update, i) => {
        const required = p.default === undefined || p.default === null;
        return (
          <>
            <Cell path={`${base}[${i}].name`}>
              <TextInput value={p.name} onChange={(name) => update({ ...p, name })} mono placeholder={t("common.name")} testId={`param-name-${i}`} />
            </Cell>
            <Cell path={`${base}[${i}].default`}>
              <TextInput
                value={required ? "" : String(p.default)}
                disabled={required}
                onChange={(d) => update({ ...p, default: d })}
                mono
                placeholder={required ? t("form.requiredNoDefault") : t("form.default")}
                testId={`param-default-${i}`}
              />
            </Cell>
            <Cell path={`${base}[${i}].description`}>
              <TextInput
                value={p.description}
                onChange={(description) => update({ ...p, description: description || undefined })}
                placeholder={t("common.description")}
              />
            </Cell>
            <div className="cell cell-narrow">
              <Checkbox
                checked={required}
                label={t("form.required")}
                onChange={(req) => {
                  const { default: _d, ...rest } = p;
                  update(req ? rest : { ...rest, default: "" });
                }}
              />
            </div>
          </>
        );
      }}
    />
  );
}

export function WorkspacesEditor({
  workspaces,
  onChange,
  base = "spec.workspaces",
}: {
  workspaces: WorkspaceDeclaration[] | undefined;
  onChange(w: WorkspaceDeclaration[]): void;
  base?: string;
}) {
  const { t } = useI18n();
  return (
    <ListEditor<WorkspaceDeclaration>
      testId="workspaces-editor"
      items={workspaces}
      onChange={onChange}
      newItem={() => ({ name: `workspace${(workspaces?.length ?? 0) + 1}` })}
      addLabel={t("form.addWorkspace")}
      empty={t("form.noWorkspaces")}
      columns={[t("common.name"), t("common.description"), t("form.mountPath"), ""]}
      render={(w, update, i) => (
        <>
          <Cell path={`${base}[${i}].name`}>
            <TextInput value={w.name} onChange={(name) => update({ ...w, name })} mono placeholder={t("common.name")} />
          </Cell>
          <Cell path={`${base}[${i}].description`}>
            <TextInput value={w.description} onChange={(d) => update({ ...w, description: d || undefined })} placeholder={t("common.description")} />
          </Cell>
          <Cell path={`${base}[${i}].mountPath`}>
            <TextInput
              value={w.mountPath}
              onChange={(m) => update({ ...w, mountPath: m || undefined })}
              mono
              placeholder={`/t9k/workspaces/${w.name}`}
            />
          </Cell>
          <div className="cell cell-narrow stack-tight">
            <Checkbox checked={!!w.readOnly} label={t("form.readOnly")} onChange={(v) => update({ ...w, readOnly: v || undefined })} />
            <Checkbox checked={!!w.optional} label={t("form.optional")} onChange={(v) => update({ ...w, optional: v || undefined })} />
          </div>
        </>
      )}
    />
  );
}

export function ResultsEditor({
  results,
  onChange,
  withValue,
  valueAddon,
  base = "spec.results",
}: {
  results: ResultDeclaration[] | undefined;
  onChange(r: ResultDeclaration[]): void;
  withValue?: boolean;
  valueAddon?(insert: (text: string) => void): ReactNode;
  base?: string;
}) {
  const { t } = useI18n();
  return (
    <ListEditor<ResultDeclaration>
      testId="results-editor"
      items={results}
      onChange={onChange}
      newItem={() => ({ name: `result${(results?.length ?? 0) + 1}`, ...(withValue ? { value: "" } : {}) })}
      addLabel={t("form.addResult")}
      empty={t("form.noResults")}
      columns={[t("common.name"), t("common.description"), ...(withValue ? [t("form.value")] : [])]}
      render={(r, update, i) => (
        <>
          <Cell path={`${base}[${i}].name`}>
            <TextInput value={r.name} onChange={(name) => update({ ...r, name })} mono placeholder={t("common.name")} />
          </Cell>
          <Cell path={`${base}[${i}].description`}>
            <TextInput value={r.description} onChange={(d) => update({ ...r, description: d || undefined })} placeholder={t("common.description")} />
          </Cell>
          {withValue && (
            <Cell path={`${base}[${i}].value`}>
              <div className="row small-gap">
                <TextInput value={r.value} onChange={(value) => update({ ...r, value })} mono placeholder="$(templates.node.results.name)" />
                {valueAddon?.((text) => update({ ...r, value: text }))}
              </div>
            </Cell>
          )}
        </>
      )}
    />
  );
}
