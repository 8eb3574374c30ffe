import { Handle, Position, type Node, type NodeProps } from "@xyflow/react";
import type { DagNode, WorkflowTemplate } from "../../../api/types";
import { Icon } from "../../../components/icons";
import { useI18n } from "../../../i18n";
import { effectiveType } from "../../../model/template";

export type DesignerData = { node: DagNode; template?: WorkflowTemplate; loaded: boolean };

/** Problems a person can fix in the node panel. */
export function nodeProblems(node: DagNode, template?: WorkflowTemplate): string[] {
  if (!template) return ["template"];
  const out: string[] = [];
  for (const p of template.spec.params ?? [])
    if ((p.default === undefined || p.default === null) && !node.params?.some((v) => v.name === p.name)) out.push(`param:${p.name}`);
  for (const w of template.spec.workspaces ?? [])
    if (!w.optional && !node.workspaces?.some((m) => m.name === w.name && m.workspace)) out.push(`workspace:${w.name}`);
  return out;
}

export function DesignerNode({ data, selected }: NodeProps<Node<DesignerData>>) {
  const { t } = useI18n();
  const { node, template, loaded } = data;
  const problems = loaded ? nodeProblems(node, template) : [];
  return (
    <div className={`designer-node ${selected ? "designer-node-selected" : ""}`} data-testid={`dag-node-${node.name}`}>
      <Handle type="target" position={Position.Left} className="anchor" data-testid={`anchor-in-${node.name}`} />
      <div className="graph-node-title">
        <span className="truncate">{node.name}</span>
        {problems.length > 0 && (
          <span className="node-warn" title={t("dag.nodeProblems", { n: problems.length })}>
            <Icon name="alert" size={13} />
          </span>
        )}
      </div>
      <div className="graph-node-sub">
        <span className="truncate">{node.workflowTemplateRef}</span>
        {template && <span className="type-tag type-tag-small">{effectiveType(template.spec)}</span>}
      </div>
      <div className="designer-node-badges">
        {!!node.params?.length && <span>{t("dag.badgeParams", { n: node.params.length })}</span>}
        {!!node.when?.length && <span>when</span>}
        {!!node.retries && <span>↻{node.retries}</span>}
      </div>
      <Handle type="source" position={Position.Right} className="anchor" data-testid={`anchor-out-${node.name}`} />
    </div>
  );
}
