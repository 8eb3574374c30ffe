/** The DAG designer: templates on the left, the canvas in the middle (drag templates in,
 * connect anchors to add dependencies, automatic layout), details on the right. */
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from "react";
import {
  Background,
  Controls,
  MarkerType,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge as FlowEdge,
  type FinalConnectionState,
  type Node,
  type NodeChange,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { api } from "../../../api/client";
import type { DagNode, DagSpec, WorkflowTemplate } from "../../../api/types";
import { SearchBox } from "../../../components/actions";
import { layoutGraph, NODE_HEIGHT, NODE_WIDTH } from "../../../components/graph/layout";
import { Icon } from "../../../components/icons";
import { useApi } from "../../../components/refresh";
import { useNamespace } from "../../../components/Shell";
import { useToast } from "../../../components/toast";
import { useI18n } from "../../../i18n";
import { effectiveType } from "../../../model/template";
import { DagPanel } from "./DagPanel";
import { DesignerNode, type DesignerData } from "./DesignerNode";
import { cycleIfAdded, edgesOf, removeNode, uniqueName } from "../../../model/dag";
import { NodePanel } from "./NodePanel";

const MIME = "application/x-treadle-template";
const nodeTypes = { template: DesignerNode };

export default function DagDesigner(props: { doc: WorkflowTemplate; onChange(doc: WorkflowTemplate): void }) {
  return (
    <ReactFlowProvider>
      <Designer {...props} />
    </ReactFlowProvider>
  );
}

function Designer({ doc, onChange }: { doc: WorkflowTemplate; onChange(doc: WorkflowTemplate): void }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const toast = useToast();
  const flow = useReactFlow();
  const templatesState = useApi((signal) => api.templates.list(ns, {}, signal), [ns]);
  const templates = useMemo(
    () => new Map((templatesState.data?.items ?? []).map((x) => [x.metadata.name!, x])),
    [templatesState.data],
  );
  const dag: DagSpec = (doc.spec.dag as DagSpec | undefined) ?? { templates: [] };
  const nodes = dag.templates ?? [];
  const edges = useMemo(() => edgesOf(nodes), [nodes]);
  const [selected, setSelected] = useState<string | null>(null);
  const [search, setSearch] = useState("");
  const [positions, setPositions] = useState<Map<string, { x: number; y: number }>>(new Map());

  const setNodes = useCallback(
    (next: DagNode[]) => onChange({ ...doc, spec: { ...doc.spec, dag: { ...dag, templates: next } } }),
    [doc, dag, onChange],
  );

  // Automatic layout whenever the structure (nodes or edges) changes.
  const structure = JSON.stringify([nodes.map((n) => n.name), edges.map((e) => [e.from, e.to])]);
  const relayout = useCallback(() => {
    setPositions(layoutGraph(nodes.map((n) => n.name), edges, { width: NODE_WIDTH, height: NODE_HEIGHT + 8 }));
    window.setTimeout(() => flow.fitView({ padding: 0.25, maxZoom: 1.1, duration: 200 }), 60);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [structure, flow]);
  useEffect(relayout, [relayout]);

  const addNode = (templateName: string) => {
    const tpl = templates.get(templateName);
    const name = uniqueName(templateName, nodes.map((n) => n.name));
    const dagWorkspaces = (doc.spec.workspaces ?? []).map((w) => w.name);
    const node: DagNode = { name, workflowTemplateRef: templateName, dependencies: [] };
    const required = (tpl?.spec.params ?? []).filter((p) => p.default === undefined || p.default === null);
    if (required.length) node.params = required.map((p) => ({ name: p.name, value: "" }));
    const ws = (tpl?.spec.workspaces ?? []).filter((w) => !w.optional && dagWorkspaces.includes(w.name));
    if (ws.length) node.workspaces = ws.map((w) => ({ name: w.name, workspace: w.name }));
    setNodes([...nodes, node]);
    setSelected(name);
  };

  const connect = (c: Connection) => {
    if (!c.source || !c.target) return;
    const cycle = cycleIfAdded(nodes, c.source, c.target);
    if (cycle) {
      toast.error(t("dag.cycleRefused", { cycle: cycle.join(" → ") }));
      return;
    }
    setNodes(
      nodes.map((n) =>
        n.name === c.target && !(n.dependencies ?? []).includes(c.source!)
          ? { ...n, dependencies: [...(n.dependencies ?? []), c.source!] }
          : n,
      ),
    );
  };

  const onConnectEnd = (_: unknown, state: FinalConnectionState) => {
    // A drop on a node that isValidConnection refused: say why.
    if (state.isValid === false && state.fromNode && state.toNode && state.fromNode.id !== state.toNode.id) {
      const [from, to] = state.fromHandle?.type === "target" ? [state.toNode.id, state.fromNode.id] : [state.fromNode.id, state.toNode.id];
      const cycle = cycleIfAdded(nodes, from, to);
      if (cycle) toast.error(t("dag.cycleRefused", { cycle: cycle.join(" → ") }));
    }
  };

  // React Flow measures nodes through onNodesChange, so the flow nodes live in state;
  // they follow the document, keeping sizes and dragged positions until a relayout.
  const [flowNodes, setFlowNodes] = useState<Node<DesignerData>[]>([]);
  const appliedLayout = useRef(positions);
  useEffect(() => {
    const relaid = appliedLayout.current !== positions;
    appliedLayout.current = positions;
    setFlowNodes((prev) =>
      nodes.map((n) => {
        const old = prev.find((p) => p.id === n.name);
        const position = (relaid ? positions.get(n.name) : old?.position) ?? positions.get(n.name) ?? old?.position ?? { x: 0, y: 0 };
        return {
          ...(old ?? {}),
          id: n.name,
          type: "template",
          position,
          selected: n.name === selected,
          data: { node: n, template: templates.get(n.workflowTemplateRef), loaded: !!templatesState.data },
        };
      }),
    );
  }, [nodes, positions, selected, templates, templatesState.data]);
  const flowEdges: FlowEdge[] = edges.map((e) => ({
    id: `${e.from}->${e.to}`,
    source: e.from,
    target: e.to,
    deletable: !e.implicit,
    className: e.implicit ? "edge-implicit" : "graph-edge",
    markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
  }));

  const onNodesChange = (changes: NodeChange<Node<DesignerData>>[]) =>
    setFlowNodes((ns) => applyNodeChanges(changes.filter((c) => c.type === "position" || c.type === "dimensions"), ns));

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    const name = e.dataTransfer.getData(MIME);
    if (name) addNode(name);
  };

  const palette = (templatesState.data?.items ?? []).filter(
    (x) => x.metadata.name !== doc.metadata?.name && x.metadata.name!.includes(search.trim()),
  );
  const selectedNode = nodes.find((n) => n.name === selected);

  return (
    <div className="designer" data-testid="dag-designer">
      <aside className="designer-palette card">
        <h3>{t("dag.templates")}</h3>
        <SearchBox value={search} onChange={setSearch} placeholder={t("common.searchByName")} />
        <p className="muted small">{t("dag.dragHint")}</p>
        <ul className="palette-list">
          {palette.map((tpl) => (
            <li
              key={tpl.metadata.name}
              className="palette-item"
              draggable
              data-testid={`palette-${tpl.metadata.name}`}
              onDragStart={(e) => {
                e.dataTransfer.setData(MIME, tpl.metadata.name!);
                e.dataTransfer.effectAllowed = "copy";
              }}
            >
              <Icon name="grip" size={14} className="muted" />
              <span className="palette-text">
                <span className="palette-name">{tpl.metadata.name}</span>
                <span className="palette-type">{effectiveType(tpl.spec)}</span>
              </span>
              <button
                type="button"
                className="icon-button"
                title={t("dag.addNode")}
                aria-label={t("dag.addNode")}
                onClick={() => addNode(tpl.metadata.name!)}
                data-testid={`palette-add-${tpl.metadata.name}`}
              >
                <Icon name="plus" size={14} />
              </button>
            </li>
          ))}
          {templatesState.data && !palette.length && <li className="muted small">{t("templates.empty")}</li>}
        </ul>
      </aside>
      <div
        className="designer-canvas card"
        data-testid="dag-canvas"
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = "copy";
        }}
        onDrop={onDrop}
      >
        {!nodes.length && <div className="canvas-hint">{t("dag.emptyCanvas")}</div>}
        <ReactFlow
          nodes={flowNodes}
          edges={flowEdges}
          nodeTypes={nodeTypes}
          onNodesChange={onNodesChange}
          onConnect={connect}
          onConnectEnd={onConnectEnd}
          isValidConnection={(c) => !!c.source && !!c.target && !cycleIfAdded(nodes, c.source, c.target)}
          onNodeClick={(_, n) => setSelected(n.id)}
          onPaneClick={() => setSelected(null)}
          onNodesDelete={(del) => {
            let next = nodes;
            for (const n of del) next = removeNode(next, n.id);
            setNodes(next);
            setSelected(null);
          }}
          onEdgesDelete={(del) =>
            setNodes(
              nodes.map((n) => {
                const gone = del.filter((e) => e.target === n.name).map((e) => e.source);
                return gone.length ? { ...n, dependencies: (n.dependencies ?? []).filter((d) => !gone.includes(d)) } : n;
              }),
            )
          }
          deleteKeyCode={["Delete", "Backspace"]}
          fitView
          minZoom={0.2}
          maxZoom={1.5}
          proOptions={{ hideAttribution: true }}
        >
          <Background gap={18} size={1} />
          <Controls showInteractive={false} />
        </ReactFlow>
        <button type="button" className="btn btn-small canvas-layout" onClick={relayout} data-testid="auto-layout">
          <Icon name="layout" size={14} />
          {t("dag.autoLayout")}
        </button>
      </div>
      <aside className="designer-panel card">
        {selectedNode ? (
          <NodePanel
            key={selectedNode.name}
            node={selectedNode}
            nodes={nodes}
            doc={doc}
            template={templates.get(selectedNode.workflowTemplateRef)}
            templates={templates}
            onChange={(next, rename) => {
              setNodes(next);
              if (rename) setSelected(rename);
            }}
            onClose={() => setSelected(null)}
          />
        ) : (
          <DagPanel doc={doc} onChange={onChange} templates={templates} />
        )}
      </aside>
    </div>
  );
}
