/** A read-only graph of nodes with phases (run graphs, template previews). */
import { useMemo, useState } from "react";
import {
  Background,
  Controls,
  Handle,
  MarkerType,
  Position,
  ReactFlow,
  ReactFlowProvider,
  type Edge,
  type Node,
  type NodeChange,
  type NodeProps,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useI18n, type StringKey } from "../../i18n";
import { phaseClass } from "../PhaseBadge";
import { layoutGraph } from "./layout";

export interface GraphNode {
  id: string;
  label: string;
  sublabel?: string;
  /** A short tag beside the label, such as "init" for an init container. */
  tag?: string;
  phase?: string;
  detail?: string;
}

type StatusData = { node: GraphNode; selected: boolean };

function StatusNode({ data }: NodeProps<Node<StatusData>>) {
  const { t } = useI18n();
  const { node, selected } = data;
  return (
    <div
      className={`graph-node ${node.phase ? phaseClass(node.phase) : ""} ${selected ? "graph-node-selected" : ""}`}
      data-testid={`graph-node-${node.id}`}
      data-phase={node.phase}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="graph-node-title">
        {node.phase && <span className="badge-dot" />}
        <span className="truncate">{node.label}</span>
        {node.tag && <span className="type-tag type-tag-small">{node.tag}</span>}
      </div>
      <div className="graph-node-sub">
        {node.phase ? t(`phase.${node.phase}` as StringKey) : node.sublabel}
        {node.detail && <span className="graph-node-detail">{node.detail}</span>}
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

const nodeTypes = { status: StatusNode };

export function FlowGraph({
  nodes,
  edges,
  selected,
  onSelect,
  height = 420,
}: {
  nodes: GraphNode[];
  edges: { from: string; to: string; implicit?: boolean }[];
  selected?: string | null;
  onSelect?(id: string | null): void;
  height?: number | string;
}) {
  const structure = JSON.stringify([nodes.map((n) => n.id), edges]);
  const positions = useMemo(
    () => layoutGraph(nodes.map((n) => n.id), edges),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [structure],
  );
  // React Flow shows a node only once it knows its size, and takes the size from the
  // node objects it is given: fresh objects on every refresh would hide every node
  // until it is measured again, which never happens while its size stays the same.
  const [sizes, setSizes] = useState<Record<string, { width: number; height: number }>>({});
  const onNodesChange = (changes: NodeChange<Node<StatusData>>[]) => {
    const measured = changes.flatMap((c) => (c.type === "dimensions" && c.dimensions ? [[c.id, c.dimensions] as const] : []));
    if (measured.length) setSizes((old) => ({ ...old, ...Object.fromEntries(measured) }));
  };
  const flowNodes: Node<StatusData>[] = nodes.map((n) => ({
    id: n.id,
    type: "status",
    position: positions.get(n.id) ?? { x: 0, y: 0 },
    measured: sizes[n.id],
    data: { node: n, selected: n.id === selected },
    draggable: false,
    connectable: false,
  }));
  const flowEdges: Edge[] = edges.map((e) => {
    const target = nodes.find((n) => n.id === e.to);
    return {
      id: `${e.from}->${e.to}`,
      source: e.from,
      target: e.to,
      animated: target?.phase === "Running",
      className: e.implicit ? "edge-implicit" : "graph-edge",
      markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
    };
  });
  return (
    <div className="graph" style={{ height }}>
      <ReactFlowProvider>
        <ReactFlow
          key={structure}
          nodes={flowNodes}
          onNodesChange={onNodesChange}
          edges={flowEdges}
          nodeTypes={nodeTypes}
          fitView
          fitViewOptions={{ padding: 0.2, maxZoom: 1.1 }}
          minZoom={0.2}
          nodesDraggable={false}
          nodesConnectable={false}
          proOptions={{ hideAttribution: true }}
          onNodeClick={(_, n) => onSelect?.(n.id)}
          onPaneClick={() => onSelect?.(null)}
        >
          <Background gap={18} size={1} />
          <Controls showInteractive={false} />
        </ReactFlow>
      </ReactFlowProvider>
    </div>
  );
}
