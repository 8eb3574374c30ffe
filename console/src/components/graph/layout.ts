/** Automatic left-to-right layout of a DAG with dagre. */
import dagre from "@dagrejs/dagre";

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 64;

export function layoutGraph(
  ids: string[],
  edges: { from: string; to: string }[],
  size: { width: number; height: number } = { width: NODE_WIDTH, height: NODE_HEIGHT },
): Map<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: "LR", nodesep: 28, ranksep: 70, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const id of ids) g.setNode(id, { width: size.width, height: size.height });
  for (const e of edges) if (ids.includes(e.from) && ids.includes(e.to)) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const out = new Map<string, { x: number; y: number }>();
  for (const id of ids) {
    const n = g.node(id);
    out.set(id, { x: n.x - size.width / 2, y: n.y - size.height / 2 });
  }
  return out;
}
