/** Where a field path sits in YAML text, so issues can be underlined where they are. */
import { isMap, isPair, isScalar, isSeq, type Document, type Node } from "yaml";
import type { Path } from "./validate";

export interface Span {
  from: number;
  to: number;
}

/** The span of the value at `path` (or of its key with `atKey`), falling back to the
 * deepest ancestor that exists. */
export function spanOf(doc: Document, path: Path, atKey = false): Span {
  let node: unknown = doc.contents;
  let span: Span = rangeOf(node) ?? { from: 0, to: 0 };
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const last = i === path.length - 1;
      if (last && atKey) {
        span = rangeOf(pair.key) ?? span;
        return span;
      }
      node = pair.value;
      span = rangeOf(node) ?? rangeOf(pair.key) ?? span;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg];
      if (!item) break;
      node = item;
      span = rangeOf(node) ?? span;
    } else break;
  }
  // Long blocks: underline the first line only.
  return span;
}

function rangeOf(node: unknown): Span | null {
  const range = (node as Node | null)?.range;
  if (!range) return null;
  return { from: range[0], to: Math.max(range[0] + 1, range[1]) };
}
