/** A read-only, human view of a template spec (template SPECS tab, run SPECS tab). */
import type { ReactNode } from "react";
import type { Container, Rules, WorkflowTemplateSpec } from "../../api/types";
import { Code } from "../../components/Code";
import { FlowGraph } from "../../components/graph/FlowGraph";
import { InfoGrid } from "../../components/Page";
import { useI18n } from "../../i18n";
import { edgesOf } from "../../model/dag";
import { effectiveType, isJobType, jobField, scriptLanguage } from "../../model/template";
import { toYaml } from "../../model/yaml";

function Block({ title, children }: { title: ReactNode; children: ReactNode }) {
  return (
    <section className="spec-block">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

function Mono({ children }: { children: ReactNode }) {
  return <code className="mono-inline">{children}</code>;
}

export function TemplateSpecView({ spec }: { spec: WorkflowTemplateSpec }) {
  const { t } = useI18n();
  const type = effectiveType(spec);
  return (
    <div className="spec-view">
      <InfoGrid
        rows={[
          [t("common.type"), <span className="type-tag">{type ?? "—"}</span>],
          [t("common.description"), spec.description || "—"],
        ]}
      />
      {!!spec.params?.length && (
        <Block title={t("form.params")}>
          <table className="table table-compact">
            <thead>
              <tr>
                <th>{t("common.name")}</th>
                <th>{t("form.default")}</th>
                <th>{t("common.description")}</th>
              </tr>
            </thead>
            <tbody>
              {spec.params.map((p) => (
                <tr key={p.name}>
                  <td>
                    <Mono>{p.name}</Mono>
                    {p.default === undefined || p.default === null ? <span className="required-tag">{t("form.required")}</span> : null}
                  </td>
                  <td className="mono">{p.default ?? "—"}</td>
                  <td className="muted">{p.description || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Block>
      )}
      {!!spec.workspaces?.length && (
        <Block title={t("form.workspaces")}>
          <table className="table table-compact">
            <thead>
              <tr>
                <th>{t("common.name")}</th>
                <th>{t("form.mountPath")}</th>
                <th>{t("common.description")}</th>
              </tr>
            </thead>
            <tbody>
              {spec.workspaces.map((w) => (
                <tr key={w.name}>
                  <td>
                    <Mono>{w.name}</Mono>
                    {w.optional && <span className="muted"> ({t("form.optional")})</span>}
                    {w.readOnly && <span className="muted"> ({t("form.readOnly")})</span>}
                  </td>
                  <td className="mono">{w.mountPath || `/t9k/workspaces/${w.name}`}</td>
                  <td className="muted">{w.description || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Block>
      )}
      {!!spec.results?.length && (
        <Block title={t("form.results")}>
          <table className="table table-compact">
            <thead>
              <tr>
                <th>{t("common.name")}</th>
                <th>{t("common.description")}</th>
                <th>{t("form.value")}</th>
              </tr>
            </thead>
            <tbody>
              {spec.results.map((r) => (
                <tr key={r.name}>
                  <td>
                    <Mono>{r.name}</Mono>
                  </td>
                  <td className="muted">{r.description || "—"}</td>
                  <td className="mono">{r.value || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Block>
      )}
      {(type === "SeqPod" || type === "Pod") && (
        <Block title={type === "SeqPod" ? t("form.steps") : t("form.containers")}>
          {((type === "SeqPod" ? spec.seqPod?.steps : spec.pod?.containers) ?? []).map((c) => (
            <ContainerView key={c.name} c={c} />
          ))}
        </Block>
      )}
      {type === "Resource" && spec.resource && (
        <Block title={t("form.resource")}>
          <InfoGrid
            rows={[
              [t("form.successRules"), <RulesView rules={spec.resource.successRules} />],
              [t("form.failureRules"), <RulesView rules={spec.resource.failureRules} />],
            ]}
          />
          <Code value={spec.resource.manifest ?? ""} readOnly maxHeight={360} />
        </Block>
      )}
      {type === "DAG" && spec.dag && (
        <Block title={t("form.dag")}>
          <FlowGraph
            height={320}
            nodes={spec.dag.templates.map((n) => ({ id: n.name, label: n.name, sublabel: n.workflowTemplateRef }))}
            edges={edgesOf(spec.dag.templates)}
          />
          <p className="muted small">
            {t("form.failureStrategy")}: <Mono>{spec.dag.failureStrategy ?? "StopAllWorkflowTemplates"}</Mono>
          </p>
        </Block>
      )}
      {isJobType(type) && (
        <Block title={type}>
          <Code value={toYaml(spec[jobField(type!)!] ?? {})} readOnly maxHeight={420} />
        </Block>
      )}
    </div>
  );
}

function RulesView({ rules }: { rules?: Rules }) {
  if (!rules || (!rules.fieldSelector && !rules.conditionSelector)) return <>—</>;
  return (
    <>
      {rules.fieldSelector && <Mono>{rules.fieldSelector}</Mono>}
      {rules.conditionSelector && (
        <Mono>
          {rules.conditionSelector.type}={rules.conditionSelector.status}
        </Mono>
      )}
    </>
  );
}

function ContainerView({ c }: { c: Container }) {
  const { t } = useI18n();
  return (
    <div className="container-view">
      <div className="container-view-head">
        <strong>{c.name}</strong>
        <span className="mono muted">{c.image}</span>
      </div>
      {c.script ? (
        <>
          <div className="muted small">
            {t("form.script")} · {scriptLanguage(c.script) === "python" ? "Python" : "Shell"}
          </div>
          <pre className="code-block">{c.script}</pre>
        </>
      ) : (
        <pre className="code-block">{[...(c.command ?? []), ...(c.args ?? [])].join(" ") || "—"}</pre>
      )}
    </div>
  );
}
