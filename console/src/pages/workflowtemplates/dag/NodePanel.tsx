/** The selected node: name, template, params (with result pickers), workspace mappings,
 * `when`, retries, dependencies. */
import { useState } from "react";
import type { DagNode, ParamValue, WhenExpression, WorkflowTemplate, WorkspaceMapping } from "../../../api/types";
import { Field, ListEditor, Select, TextInput, useFieldErrors } from "../../../components/form";
import { Icon } from "../../../components/icons";
import { Link, paths } from "../../../components/router";
import { useNamespace } from "../../../components/Shell";
import { useI18n } from "../../../i18n";
import { removeNode, renameNode, upstreamCandidates } from "../../../model/dag";
import { RefPicker, type RefGroup } from "./RefPicker";

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function NodePanel({
  node,
  nodes,
  doc,
  template,
  templates,
  onChange,
  onClose,
}: {
  node: DagNode;
  nodes: DagNode[];
  doc: WorkflowTemplate;
  template?: WorkflowTemplate;
  templates: Map<string, WorkflowTemplate>;
  onChange(nodes: DagNode[], renamedTo?: string): void;
  onClose(): void;
}) {
  const { t } = useI18n();
  const ns = useNamespace();
  const index = nodes.findIndex((n) => n.name === node.name);
  const base = `spec.dag.templates[${index}]`;
  const [name, setName] = useState(node.name);
  const update = (patch: Partial<DagNode>) => onChange(nodes.map((n) => (n.name === node.name ? { ...n, ...patch } : n)));
  const nameTaken = name !== node.name && nodes.some((n) => n.name === name);
  const nameOk = NAME.test(name) && !nameTaken;

  const refGroups: RefGroup[] = [
    { label: t("dag.dagParams"), refs: (doc.spec.params ?? []).map((p) => `$(params.${p.name})`) },
    ...upstreamCandidates(nodes, node.name).map((up) => {
      const ref = nodes.find((n) => n.name === up)!.workflowTemplateRef;
      return {
        label: t("dag.resultsOf", { node: up }),
        refs: (templates.get(ref)?.spec.results ?? []).map((r) => `$(templates.${up}.results.${r.name})`),
      };
    }),
  ];

  const declaredParams = template?.spec.params ?? [];
  const paramValue = (p: string) => node.params?.find((v) => v.name === p);
  const setParam = (p: string, value: string | null) => {
    const rest = (node.params ?? []).filter((v) => v.name !== p);
    const next: ParamValue[] = value === null ? rest : [...rest, { name: p, value }];
    const order = declaredParams.map((d) => d.name);
    next.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    update({ params: next.length ? next : undefined });
  };
  const undeclared = (node.params ?? []).filter((v) => !declaredParams.some((d) => d.name === v.name));

  const dagWorkspaces = doc.spec.workspaces ?? [];
  const setWorkspace = (w: string, mapping: WorkspaceMapping | null) => {
    const rest = (node.workspaces ?? []).filter((m) => m.name !== w);
    const next = mapping ? [...rest, mapping] : rest;
    update({ workspaces: next.length ? next : undefined });
  };

  return (
    <div className="panel" data-testid="node-panel">
      <header className="panel-head">
        <h3>{t("dag.node")}</h3>
        <button className="icon-button" onClick={onClose} aria-label={t("common.close")}>
          ×
        </button>
      </header>
      <Field label={t("common.name")} path={`${base}.name`}>
        <TextInput
          value={name}
          mono
          testId="node-name"
          onChange={(v) => {
            setName(v);
            if (NAME.test(v) && !nodes.some((n) => n.name === v)) onChange(renameNode(nodes, node.name, v), v);
          }}
        />
        {!nameOk && <div className="field-error">{nameTaken ? t("dag.nameTaken") : t("dag.badName")}</div>}
      </Field>
      <Field label={t("runs.template")} path={`${base}.workflowTemplateRef`}>
        <div className="row small-gap">
          <Link to={paths.template(ns, node.workflowTemplateRef)} target="_blank">
            {node.workflowTemplateRef}
          </Link>
          {!template && <span className="field-error">{t("dag.templateMissing")}</span>}
        </div>
      </Field>

      <h4>{t("form.params")}</h4>
      {!declaredParams.length && !undeclared.length && <p className="muted small">{t("run.noParams")}</p>}
      {declaredParams.map((p, i) => {
        const v = paramValue(p.name);
        const required = p.default === undefined || p.default === null;
        return (
          <Field
            key={p.name}
            label={<code>{p.name}</code>}
            required={required}
            hint={v ? p.description : t("dag.usesDefault", { value: p.default ?? "" })}
            path={`${base}.params[${(node.params ?? []).findIndex((x) => x.name === p.name)}].value`}
          >
            <div className="row small-gap">
              <TextInput
                value={v?.value ?? ""}
                onChange={(value) => setParam(p.name, value === "" && !required && !v ? null : value)}
                placeholder={required ? t("form.required") : (p.default ?? "")}
                mono
                testId={`node-param-${p.name}`}
              />
              <RefPicker groups={refGroups} onPick={(r) => setParam(p.name, r)} testId={`node-param-pick-${i}`} />
              {v && !required && (
                <button type="button" className="icon-button" title={t("dag.useDefault")} onClick={() => setParam(p.name, null)}>
                  ×
                </button>
              )}
            </div>
          </Field>
        );
      })}
      {undeclared.map((v) => (
        <div key={v.name} className="banner banner-warn small">
          <Icon name="alert" size={14} /> {t("dag.undeclaredParam", { name: v.name })}
          <button className="btn btn-small" onClick={() => setParam(v.name, null)}>
            {t("common.remove")}
          </button>
        </div>
      ))}

      <h4>{t("form.workspaces")}</h4>
      {!(template?.spec.workspaces ?? []).length && <p className="muted small">{t("run.noWorkspaces")}</p>}
      {(template?.spec.workspaces ?? []).map((w) => {
        const m = node.workspaces?.find((x) => x.name === w.name);
        return (
          <Field key={w.name} label={<code>{w.name}</code>} required={!w.optional}>
            <div className="row small-gap">
              <Select
                value={m?.workspace ?? ""}
                options={[
                  { value: "", label: dagWorkspaces.length ? t("dag.pickWorkspace") : t("dag.noDagWorkspaces") },
                  ...dagWorkspaces.map((d) => ({ value: d.name, label: d.name })),
                ]}
                onChange={(workspace) => setWorkspace(w.name, workspace ? { ...(m ?? {}), name: w.name, workspace } : null)}
              />
              {m && (
                <TextInput
                  value={m.subPath}
                  placeholder={t("run.subPath")}
                  mono
                  onChange={(subPath) => setWorkspace(w.name, { ...m, subPath: subPath || undefined })}
                />
              )}
            </div>
          </Field>
        );
      })}

      <h4>when</h4>
      <ListEditor<WhenExpression>
        items={node.when}
        onChange={(when) => update({ when: when.length ? when : undefined })}
        newItem={() => ({ input: "", operator: "in", values: [""] })}
        addLabel={t("dag.addWhen")}
        render={(w, upd, i) => (
          <div className="stack-tight grow">
            <div className="row small-gap">
              <TextInput value={w.input} onChange={(input) => upd({ ...w, input })} mono placeholder={t("dag.whenInput")} />
              <RefPicker groups={refGroups} onPick={(r) => upd({ ...w, input: r })} />
            </div>
            <div className="row small-gap">
              <Select<WhenExpression["operator"]>
                value={w.operator}
                options={[
                  { value: "in", label: "in" },
                  { value: "notin", label: "notin" },
                ]}
                onChange={(operator) => upd({ ...w, operator })}
              />
              <TextInput
                value={(w.values ?? []).join(", ")}
                onChange={(v) => upd({ ...w, values: v.split(",").map((s) => s.trim()) })}
                mono
                placeholder={t("dag.whenValues")}
              />
            </div>
            <FieldErrorLine path={`${base}.when[${i}]`} />
          </div>
        )}
      />

      <h4>{t("dag.retries")}</h4>
      <Field label={t("dag.retriesLabel")} path={`${base}.retries`}>
        <TextInput
          type="number"
          value={String(node.retries ?? 0)}
          onChange={(v) => update({ retries: Math.max(0, Number(v) || 0) || undefined })}
          testId="node-retries"
        />
      </Field>

      <h4>{t("dag.dependencies")}</h4>
      <div className="chips">
        {(node.dependencies ?? []).map((d) => (
          <span key={d} className="chip chip-static">
            {d}
            <button
              type="button"
              aria-label={t("common.remove")}
              onClick={() => update({ dependencies: (node.dependencies ?? []).filter((x) => x !== d) })}
            >
              ×
            </button>
          </span>
        ))}
        {!node.dependencies?.length && <span className="muted small">{t("dag.noDependencies")}</span>}
      </div>

      <div className="panel-foot">
        <button className="btn btn-danger btn-small" onClick={() => onChange(removeNode(nodes, node.name))} data-testid="delete-node">
          <Icon name="trash" size={14} />
          {t("dag.deleteNode")}
        </button>
      </div>
    </div>
  );
}

function FieldErrorLine({ path }: { path: string }) {
  const errs = [...useFieldErrors(path), ...useFieldErrors(`${path}.values`), ...useFieldErrors(`${path}.operator`)];
  return (
    <>
      {errs.map((e, i) => (
        <div key={i} className="field-error">
          {e}
        </div>
      ))}
    </>
  );
}
