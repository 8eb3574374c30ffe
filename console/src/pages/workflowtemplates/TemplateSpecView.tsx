/** A read-only, human view of a template spec (template SPECS tab, run SPECS tab). */
import type { ReactNode } from "react";
import type { Container, Rules, WorkflowTemplateSpec } from "../../api/types";
import { Code } from "../../components/Code";
import { FlowGraph } from "../../components/graph/FlowGraph";
import { InfoGrid } from "../../components/Page";
import { SpecBlock, SpecTable } from "../../components/Table";
import { useI18n } from "../../i18n";
import { edgesOf } from "../../model/dag";
import { effectiveType, isJobType, jobField, scriptLanguage } from "../../model/template";
import { toYaml } from "../../model/yaml";

function Mono({ children }: { children: ReactNode }) {
  return <code className="mono-inline">{children}</code>;
}

export function TemplateSpecView({ spec }: { spec: WorkflowTemplateSpec }) {
  const { t } = useI18n();
  const type = effectiveType(spec);
  const initContainers = (type === "SeqPod" ? spec.seqPod : type === "Pod" ? spec.pod : undefined)?.initContainers ?? [];
  return (
    <div className="spec-view">
      <InfoGrid
        rows={[
          [t("common.type"), <span className="type-tag">{type ?? "—"}</span>],
          [t("common.description"), spec.description || "—"],
        ]}
      />
      <SpecTable
        title={t("form.params")}
        rows={spec.params}
        rowKey={(p) => p.name}
        columns={[
          {
            header: t("common.name"),
            cell: (p) => (
              <>
                <Mono>{p.name}</Mono>
                {p.default === undefined || p.default === null ? <span className="required-tag">{t("form.required")}</span> : null}
              </>
            ),
          },
          { header: t("form.default"), className: "mono", cell: (p) => p.default ?? "—" },
          { header: t("common.description"), className: "muted", cell: (p) => p.description || "—" },
        ]}
      />
      <SpecTable
        title={t("form.workspaces")}
        rows={spec.workspaces}
        rowKey={(w) => w.name}
        columns={[
          {
            header: t("common.name"),
            cell: (w) => (
              <>
                <Mono>{w.name}</Mono>
                {w.optional && <span className="muted"> ({t("form.optional")})</span>}
                {w.readOnly && <span className="muted"> ({t("form.readOnly")})</span>}
              </>
            ),
          },
          { header: t("form.mountPath"), className: "mono", cell: (w) => w.mountPath || `/t9k/workspaces/${w.name}` },
          { header: t("common.description"), className: "muted", cell: (w) => w.description || "—" },
        ]}
      />
      <SpecTable
        title={t("form.results")}
        rows={spec.results}
        rowKey={(r) => r.name}
        columns={[
          { header: t("common.name"), cell: (r) => <Mono>{r.name}</Mono> },
          { header: t("common.description"), className: "muted", cell: (r) => r.description || "—" },
          { header: t("form.value"), className: "mono", cell: (r) => r.value || "—" },
        ]}
      />
      {!!initContainers.length && (
        <SpecBlock title={t("form.initContainers")}>
          {initContainers.map((c) => (
            <ContainerView key={c.name} c={c} />
          ))}
        </SpecBlock>
      )}
      {(type === "SeqPod" || type === "Pod") && (
        <SpecBlock title={type === "SeqPod" ? t("form.steps") : t("form.containers")}>
          {((type === "SeqPod" ? spec.seqPod?.steps : spec.pod?.containers) ?? []).map((c) => (
            <ContainerView key={c.name} c={c} />
          ))}
        </SpecBlock>
      )}
      {type === "Resource" && spec.resource && (
        <SpecBlock title={t("form.resource")}>
          <InfoGrid
            rows={[
              [t("form.successRules"), <RulesView rules={spec.resource.successRules} />],
              [t("form.failureRules"), <RulesView rules={spec.resource.failureRules} />],
            ]}
          />
          <Code value={spec.resource.manifest ?? ""} readOnly maxHeight={360} />
        </SpecBlock>
      )}
      {type === "DAG" && spec.dag && (
        <SpecBlock title={t("form.dag")}>
          <FlowGraph
            height={320}
            nodes={spec.dag.templates.map((n) => ({ id: n.name, label: n.name, sublabel: n.workflowTemplateRef }))}
            edges={edgesOf(spec.dag.templates)}
          />
          <p className="muted small">
            {t("form.failureStrategy")}: <Mono>{spec.dag.failureStrategy ?? "StopAllWorkflowTemplates"}</Mono>
          </p>
        </SpecBlock>
      )}
      {isJobType(type) && (
        <SpecBlock title={type}>
          <Code value={toYaml(spec[jobField(type!)!] ?? {})} readOnly maxHeight={420} />
        </SpecBlock>
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
