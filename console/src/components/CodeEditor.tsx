/** CodeMirror 6: YAML with schema lint, or plain text (scripts). Loaded lazily via Code.tsx. */
import { useEffect, useRef } from "react";
import { basicSetup } from "codemirror";
import { Annotation, Compartment, EditorState } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { forceLinting, linter, lintGutter, type Diagnostic } from "@codemirror/lint";
import { parseDocument } from "yaml";
import { validate, parsePath } from "../schema/validate";
import { spanOf } from "../schema/positions";
import type { CodeEditorProps } from "./Code";

function lintYaml(text: string, schema: Record<string, unknown> | undefined, extra: { path: string; message: string }[]): Diagnostic[] {
  if (!text.trim()) return [];
  const doc = parseDocument(text, { prettyErrors: false });
  const out: Diagnostic[] = [];
  for (const err of doc.errors) {
    const [from, to] = err.pos;
    out.push({ from, to: Math.max(to, from + 1), severity: "error", message: err.message.split("\n")[0] });
  }
  if (out.length) return out;
  const clamp = (from: number, to: number) => {
    const nl = text.indexOf("\n", from);
    return { from, to: Math.min(to, nl === -1 ? text.length : nl, text.length) || from + 1 };
  };
  if (schema) {
    for (const issue of validate(schema, doc.toJS()).slice(0, 50)) {
      const span = spanOf(doc, issue.path, issue.atKey);
      const severity = issue.warning ? "warning" : "error";
      out.push({ ...clamp(span.from, span.to), severity, message: issue.message, source: "schema" });
    }
  }
  for (const e of extra) {
    const span = spanOf(doc, parsePath(e.path));
    out.push({ ...clamp(span.from, span.to), severity: "error", message: e.message, source: "server" });
  }
  return out;
}

/** Marks edits that came from `value`, so they are not echoed back through onChange. */
const External = Annotation.define<boolean>();

const theme = EditorView.theme({
  "&": { fontSize: "12.5px", height: "100%" },
  ".cm-scroller": { fontFamily: "var(--font-mono)", lineHeight: "1.55" },
  ".cm-gutters": { background: "var(--code-gutter)", border: "none", color: "var(--text-faint)" },
  "&.cm-focused": { outline: "none" },
});

export default function CodeEditor({
  value,
  onChange,
  language = "yaml",
  readOnly,
  schema,
  pathErrors,
  onDiagnostics,
  minHeight = 120,
  maxHeight,
  testId,
}: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef({ onChange, schema, pathErrors: pathErrors ?? [], onDiagnostics });
  latest.current = { onChange, schema, pathErrors: pathErrors ?? [], onDiagnostics };
  const readOnlyComp = useRef(new Compartment());

  useEffect(() => {
    const extensions = [
      basicSetup,
      keymap.of([indentWithTab]),
      theme,
      EditorView.lineWrapping,
      readOnlyComp.current.of([EditorState.readOnly.of(!!readOnly), EditorView.editable.of(!readOnly)]),
      EditorView.updateListener.of((u) => {
        if (u.docChanged && !u.transactions.some((tr) => tr.annotation(External))) latest.current.onChange?.(u.state.doc.toString());
      }),
    ];
    if (language === "yaml") {
      extensions.push(
        yaml(),
        lintGutter(),
        linter(
          (v) => {
            const d = lintYaml(v.state.doc.toString(), latest.current.schema, latest.current.pathErrors);
            latest.current.onDiagnostics?.(d.filter((x) => x.severity === "error").length, d.filter((x) => x.severity === "warning").length);
            return d;
          },
          { delay: 300 },
        ),
      );
    }
    view.current = new EditorView({ parent: host.current!, state: EditorState.create({ doc: value, extensions }) });
    return () => view.current?.destroy();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [language]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const current = v.state.doc.toString();
    if (current !== value) {
      v.dispatch({ changes: { from: 0, to: current.length, insert: value }, annotations: External.of(true) });
    }
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({
      effects: readOnlyComp.current.reconfigure([EditorState.readOnly.of(!!readOnly), EditorView.editable.of(!readOnly)]),
    });
  }, [readOnly]);

  useEffect(() => {
    if (view.current && language === "yaml") forceLinting(view.current);
  }, [schema, pathErrors, language]);

  return (
    <div
      className={`code-editor ${readOnly ? "code-readonly" : ""}`}
      ref={host}
      data-testid={testId}
      style={{ minHeight, maxHeight }}
    />
  );
}
