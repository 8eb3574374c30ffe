/** A small JSON Schema checker for the schemas the server publishes (pydantic output:
 * $ref/$defs, anyOf, enum, type, properties, required, additionalProperties, items,
 * minimum/maximum). Enough to lint YAML as the user types; the server has the last word. */

export type Path = (string | number)[];
export interface SchemaIssue {
  path: Path;
  message: string;
  /** Point at the key rather than the value (unknown or missing fields). */
  atKey?: boolean;
  /** An unknown field: accepted as the server accepts it, but worth a look. */
  warning?: boolean;
}

/** The schema keyword the server sets on objects whose unknown fields it reports
 * as warnings (SPEC §13): anything there that the schema does not name is one. */
export const UNKNOWN_FIELDS_KEYWORD = "x-treadle-unknown-fields";

type Schema = {
  $ref?: string;
  $defs?: Record<string, Schema>;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  [UNKNOWN_FIELDS_KEYWORD]?: "warn";
  items?: Schema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  minLength?: number;
  pattern?: string;
};

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(want: string, value: unknown): boolean {
  const got = typeOf(value);
  // The server coerces scalars into text fields (`default: 5`), so lint does too.
  if (want === "string" && (got === "integer" || got === "number" || got === "boolean")) return true;
  return want === got || (want === "number" && got === "integer");
}

export function validate(root: Record<string, unknown>, value: unknown): SchemaIssue[] {
  const defs = (root.$defs ?? {}) as Record<string, Schema>;
  const resolve = (s: Schema): Schema => {
    let cur = s;
    for (let i = 0; cur.$ref && i < 20; i++) {
      const name = cur.$ref.replace(/^#\/\$defs\//, "");
      cur = { ...defs[name], ...cur, $ref: undefined };
    }
    return cur;
  };

  const check = (schemaIn: Schema, v: unknown, path: Path, out: SchemaIssue[]) => {
    const s = resolve(schemaIn);
    const alternatives = s.anyOf ?? s.oneOf;
    if (alternatives) {
      let best: SchemaIssue[] | null = null;
      for (const alt of alternatives) {
        const errs: SchemaIssue[] = [];
        check(alt, v, path, errs);
        if (errs.length === 0) return;
        const r = resolve(alt);
        const sameType = !r.type || (Array.isArray(r.type) ? r.type : [r.type]).some((t) => typeMatches(t, v));
        if (sameType && (best === null || errs.length < best.length)) best = errs;
      }
      if (best) out.push(...best);
      else {
        const types = alternatives
          .map((a) => resolve(a).type)
          .flat()
          .filter((t): t is string => !!t && t !== "null");
        out.push({ path, message: `expected ${[...new Set(types)].join(" or ") || "another value"}, got ${typeOf(v)}` });
      }
      return;
    }
    if (s.allOf) for (const sub of s.allOf) check(sub, v, path, out);
    if (s.type) {
      const types = Array.isArray(s.type) ? s.type : [s.type];
      if (!types.some((t) => typeMatches(t, v))) {
        out.push({ path, message: `expected ${types.join(" or ")}, got ${typeOf(v)}` });
        return;
      }
    }
    if (s.enum && !s.enum.some((e) => e === v)) {
      out.push({ path, message: `must be one of: ${s.enum.join(", ")}` });
      return;
    }
    if (s.const !== undefined && s.const !== v) {
      out.push({ path, message: `must be ${JSON.stringify(s.const)}` });
      return;
    }
    if (typeof v === "number") {
      if (s.minimum !== undefined && v < s.minimum) out.push({ path, message: `must be ≥ ${s.minimum}` });
      if (s.maximum !== undefined && v > s.maximum) out.push({ path, message: `must be ≤ ${s.maximum}` });
    }
    if (typeof v === "string") {
      if (s.minLength !== undefined && v.length < s.minLength) out.push({ path, message: `must not be empty` });
      if (s.pattern && !new RegExp(s.pattern).test(v)) out.push({ path, message: `must match ${s.pattern}` });
    }
    if (Array.isArray(v)) {
      if (s.minItems !== undefined && v.length < s.minItems)
        out.push({ path, message: `needs at least ${s.minItems} item(s)` });
      if (s.items) v.forEach((item, i) => check(s.items!, item, [...path, i], out));
    }
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const obj = v as Record<string, unknown>;
      for (const req of s.required ?? [])
        if (!(req in obj)) out.push({ path, message: `missing required field "${req}"`, atKey: true });
      for (const [key, val] of Object.entries(obj)) {
        const prop = s.properties?.[key];
        if (prop) check(prop, val, [...path, key], out);
        else if (s.additionalProperties === false)
          out.push({ path: [...path, key], message: `unknown field "${key}"`, atKey: true });
        else if (s[UNKNOWN_FIELDS_KEYWORD] === "warn")
          out.push({
            path: [...path, key],
            message: `unknown field "${key}" (kept as written; not part of the API)`,
            atKey: true,
            warning: true,
          });
        else if (s.additionalProperties && typeof s.additionalProperties === "object")
          check(s.additionalProperties, val, [...path, key], out);
      }
    }
  };

  const out: SchemaIssue[] = [];
  check(root as Schema, value, [], out);
  return out;
}

/** `spec.dag.templates[1].dependencies[0]` → ["spec","dag","templates",1,"dependencies",0]. */
export function parsePath(path: string): Path {
  const out: Path = [];
  for (const part of path.split(".")) {
    const m = part.match(/^([^[\]]*)((?:\[\d+\])*)$/);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

export function formatPath(path: Path): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p),
    "",
  );
}
