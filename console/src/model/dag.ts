/** The DAG as the designer sees it: explicit dependencies, dependencies implied by
 * `$(templates.X.results.Y)` references, cycle checks, renames. Pure functions. */
import type { DagNode } from "../api/types";

export interface Edge {
  from: string;
  to: string;
  implicit: boolean;
}

const RESULT_REF = /\$\(templates\.([A-Za-z0-9_.-]+?)\.results\.([A-Za-z0-9_-]+)\)/g;

export function referencedNodes(text: string | undefined): string[] {
  if (!text) return [];
  return [...text.matchAll(RESULT_REF)].map((m) => m[1]);
}

function nodeTexts(n: DagNode): string[] {
  return [
    ...(n.params ?? []).map((p) => p.value),
    ...(n.when ?? []).flatMap((w) => [w.input, ...(w.values ?? [])]),
  ];
}

export function edgesOf(nodes: DagNode[]): Edge[] {
  const names = new Set(nodes.map((n) => n.name));
  const out: Edge[] = [];
  for (const n of nodes) {
    const explicit = new Set(n.dependencies ?? []);
    for (const d of explicit) if (names.has(d)) out.push({ from: d, to: n.name, implicit: false });
    const implicit = new Set(nodeTexts(n).flatMap(referencedNodes));
    for (const d of implicit) if (names.has(d) && !explicit.has(d) && d !== n.name) out.push({ from: d, to: n.name, implicit: true });
  }
  return out;
}

/** Does `to` already reach `from`? Then adding from → to closes a cycle; returns it. */
export function cycleIfAdded(nodes: DagNode[], from: string, to: string): string[] | null {
  if (from === to) return [from, to];
  const next = new Map<string, string[]>();
  for (const e of edgesOf(nodes)) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const stack: [string, string[]][] = [[to, [to]]];
  const seen = new Set<string>();
  while (stack.length) {
    const [cur, path] = stack.pop()!;
    if (cur === from) return [from, ...path];
    if (seen.has(cur)) continue;
    seen.add(cur);
    for (const n of next.get(cur) ?? []) stack.push([n, [...path, n]]);
  }
  return null;
}

/** Nodes a node may read results from without closing a cycle. */
export function upstreamCandidates(nodes: DagNode[], node: string): string[] {
  return nodes.map((n) => n.name).filter((n) => n !== node && !cycleIfAdded(nodes, n, node));
}

export function uniqueName(base: string, taken: string[]): string {
  const clean =
    base
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 50) || "node";
  if (!taken.includes(clean)) return clean;
  for (let i = 2; ; i++) if (!taken.includes(`${clean}-${i}`)) return `${clean}-${i}`;
}

/** Rename a node and every dependency and result reference to it. */
export function renameNode(nodes: DagNode[], from: string, to: string): DagNode[] {
  const swap = (text: string) => text.split(`$(templates.${from}.results.`).join(`$(templates.${to}.results.`);
  return nodes.map((n) => ({
    ...n,
    name: n.name === from ? to : n.name,
    dependencies: n.dependencies?.map((d) => (d === from ? to : d)),
    params: n.params?.map((p) => ({ ...p, value: swap(p.value ?? "") })),
    when: n.when?.map((w) => ({ ...w, input: swap(w.input ?? ""), values: (w.values ?? []).map(swap) })),
  }));
}

export function removeNode(nodes: DagNode[], name: string): DagNode[] {
  return nodes
    .filter((n) => n.name !== name)
    .map((n) => (n.dependencies?.includes(name) ? { ...n, dependencies: n.dependencies.filter((d) => d !== name) } : n));
}
