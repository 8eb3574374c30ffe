/** Lazy front of CodeEditor, so list pages never load CodeMirror. */
import { lazy, Suspense } from "react";

export interface CodeEditorProps {
  value: string;
  onChange?(value: string): void;
  language?: "yaml" | "text";
  readOnly?: boolean;
  schema?: Record<string, unknown>;
  /** Server-side errors by field path, underlined in the YAML. */
  pathErrors?: { path: string; message: string }[];
  /** Errors and warnings the lint found. */
  onDiagnostics?(errors: number, warnings: number): void;
  minHeight?: number | string;
  maxHeight?: number | string;
  testId?: string;
}

const Editor = lazy(() => import("./CodeEditor"));

export function Code(props: CodeEditorProps) {
  return (
    <Suspense fallback={<pre className="code-fallback">{props.value}</pre>}>
      <Editor {...props} />
    </Suspense>
  );
}
