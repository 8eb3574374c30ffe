/** Create or edit a WorkflowTemplate: form on the left and YAML on the right, in sync
 * both ways; for DAGs, the designer. Server causes are shown next to their fields. */
import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { api, ApiError } from "../../api/client";
import { TEMPLATE_TYPES, type TemplateType, type WorkflowTemplate } from "../../api/types";
import { Code } from "../../components/Code";
import { Field, FieldErrorsProvider, Select, TextInput, type FieldErrors } from "../../components/form";
import { Icon } from "../../components/icons";
import { ErrorBanner, PageHeader, Spinner } from "../../components/Page";
import { navigate, paths, useLocation } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { useToast } from "../../components/toast";
import { useI18n } from "../../i18n";
import { useSchema } from "../../schema/useSchema";
import { changeType, editable, effectiveType, newTemplate } from "../../model/template";
import { fromYaml, toYaml } from "../../model/yaml";
import { LoadTemplateDialog } from "./LoadTemplateDialog";
import { TemplateForm } from "./TemplateForm";

const DagDesigner = lazy(() => import("./dag/DagDesigner"));

export default function TemplateEditorPage({ params }: { params: Record<string, string> }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const toast = useToast();
  const { search } = useLocation();
  const editing = params.name;
  const from = search.get("from");
  const schema = useSchema("WorkflowTemplate");

  const [doc, setDoc] = useState<WorkflowTemplate | null>(editing || from ? null : newTemplate());
  const [yamlText, setYamlText] = useState(() => (doc ? toYaml(doc) : ""));
  const [yamlError, setYamlError] = useState<string>();
  const [lint, setLint] = useState({ errors: 0, warnings: 0 });
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [saving, setSaving] = useState(false);
  const [loading, setLoading] = useState(false);
  const [dagView, setDagView] = useState<"design" | "yaml">("design");

  const fromForm = (next: WorkflowTemplate) => {
    setDoc(next);
    setYamlText(toYaml(next));
    setYamlError(undefined);
  };
  const fromText = (text: string) => {
    setYamlText(text);
    const parsed = fromYaml<WorkflowTemplate>(text);
    setYamlError(parsed.error);
    if (parsed.value) setDoc({ ...parsed.value, metadata: parsed.value.metadata ?? {}, spec: parsed.value.spec ?? {} });
  };

  useEffect(() => {
    const source = editing ?? from;
    if (!source) return;
    api.templates.get(ns, source).then(
      (tpl) => {
        const base = editable(tpl, !!editing);
        fromForm(editing ? base : { ...base, metadata: { ...base.metadata, name: `${source}-copy` } });
      },
      (err) => setError(err),
    );
  }, [ns, editing, from]);

  const errors: FieldErrors = useMemo(() => {
    const m: FieldErrors = new Map();
    if (error instanceof ApiError) for (const c of error.causes) if (c.field) m.set(c.field, [...(m.get(c.field) ?? []), c.message]);
    return m;
  }, [error]);
  const pathErrors = useMemo(
    () => (error instanceof ApiError ? error.causes.filter((c) => c.field).map((c) => ({ path: c.field!, message: c.message })) : []),
    [error],
  );

  if (!doc) return error ? <ErrorBanner error={error} /> : <Spinner />;
  const type = effectiveType(doc.spec);
  const name = doc.metadata?.name ?? "";

  const save = async () => {
    setSaving(true);
    setError(null);
    try {
      const body = { ...doc, metadata: { ...doc.metadata, namespace: undefined } };
      const saved = editing ? await api.templates.replace(ns, body) : await api.templates.create(ns, body);
      toast.success(t(editing ? "templates.saved" : "templates.created", { name: saved.metadata.name! }));
      navigate(paths.template(ns, saved.metadata.name!));
    } catch (err) {
      setError(err as Error);
      toast.error(err);
    } finally {
      setSaving(false);
    }
  };

  const yamlPanel = (
    <div className="yaml-panel">
      <div className="yaml-panel-head">
        <span>YAML</span>
        {yamlError ? (
          <span className="yaml-status yaml-bad">{yamlError}</span>
        ) : lint.errors ? (
          <span className="yaml-status yaml-bad">{t("editor.problems", { n: lint.errors })}</span>
        ) : lint.warnings ? (
          <span className="yaml-status yaml-warn">{t("editor.warnings", { n: lint.warnings })}</span>
        ) : (
          <span className="yaml-status yaml-ok">
            <Icon name="check" size={12} /> {t("editor.valid")}
          </span>
        )}
      </div>
      <Code
        value={yamlText}
        onChange={fromText}
        schema={schema}
        pathErrors={pathErrors}
        onDiagnostics={(errors, warnings) => setLint({ errors, warnings })}
        minHeight="100%"
        testId="yaml-editor"
      />
    </div>
  );

  return (
    <div className="page page-editor">
      <PageHeader
        crumbs={[{ label: t("nav.templates"), to: paths.templates(ns) }]}
        title={editing ? t("templates.editTitle", { name: editing }) : t("templates.create")}
        actions={
          <>
            <button className="btn" onClick={() => setLoading(true)} data-testid="load-existing">
              <Icon name="copy" />
              {t("templates.load")}
            </button>
            <button className="btn" onClick={() => navigate(editing ? paths.template(ns, editing) : paths.templates(ns))}>
              {t("common.cancel")}
            </button>
            <button className="btn btn-primary" onClick={save} disabled={saving || !!yamlError} data-testid="save-template">
              <Icon name="check" />
              {editing ? t("common.save") : t("templates.createSubmit")}
            </button>
          </>
        }
      />
      <FieldErrorsProvider value={errors}>
        {error && (
          <ErrorBanner>
            <strong>{error.message.split("\n")[0]}</strong>
            {error instanceof ApiError && error.causes.length > 1 && (
              <ul className="cause-list">
                {error.causes.map((c, i) => (
                  <li key={i}>
                    {c.field && <code>{c.field}</code>} {c.message}
                  </li>
                ))}
              </ul>
            )}
          </ErrorBanner>
        )}
        <div className="meta-bar card">
          <Field label={t("common.name")} path="metadata.name" required inline>
            <TextInput
              value={name}
              disabled={!!editing}
              onChange={(n) => fromForm({ ...doc, metadata: { ...doc.metadata, name: n } })}
              mono
              placeholder="my-template"
              testId="template-name"
            />
          </Field>
          <Field label={t("common.type")} path="spec.type" inline>
            <Select<TemplateType>
              value={type ?? "SeqPod"}
              options={TEMPLATE_TYPES.map((x) => ({ value: x, label: x }))}
              onChange={(next) => fromForm(changeType(doc, next))}
              testId="template-type"
            />
          </Field>
          {type === "DAG" && (
            <div className="segmented">
              <button className={dagView === "design" ? "active" : ""} onClick={() => setDagView("design")} data-testid="dag-view-design">
                {t("dag.design")}
              </button>
              <button className={dagView === "yaml" ? "active" : ""} onClick={() => setDagView("yaml")} data-testid="dag-view-yaml">
                YAML
              </button>
            </div>
          )}
        </div>
        {type === "DAG" ? (
          dagView === "design" ? (
            <Suspense fallback={<Spinner />}>
              <DagDesigner doc={doc} onChange={fromForm} />
            </Suspense>
          ) : (
            <div className="editor-single">{yamlPanel}</div>
          )
        ) : (
          <div className="editor-split">
            <div className="editor-form">
              <TemplateForm doc={doc} onChange={fromForm} />
            </div>
            <div className="editor-yaml">{yamlPanel}</div>
          </div>
        )}
      </FieldErrorsProvider>
      {loading && (
        <LoadTemplateDialog
          onClose={() => setLoading(false)}
          onPick={(tpl) => {
            const base = editable(tpl);
            fromForm({ ...base, metadata: { ...base.metadata, name: editing ?? name ?? "" } });
            setLoading(false);
            toast.success(t("templates.loaded", { name: tpl.metadata.name! }));
          }}
        />
      )}
    </div>
  );
}
