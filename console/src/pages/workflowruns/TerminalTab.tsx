/** A shell in a running step: xterm.js over the exec WebSocket (binary frames both ways,
 * `{"resize": [cols, rows]}` text frames). Loaded only when the tab opens. */
import { useEffect, useRef, useState } from "react";
import { Terminal } from "@xterm/xterm";
import { FitAddon } from "@xterm/addon-fit";
import "@xterm/xterm/css/xterm.css";
import { api } from "../../api/client";
import type { WorkflowRun } from "../../api/types";
import { Select } from "../../components/form";
import { Empty } from "../../components/Page";
import { useNamespace } from "../../components/Shell";
import { useI18n } from "../../i18n";

export default function TerminalTab({ run }: { run: WorkflowRun }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const runningSteps = (run.status?.steps ?? []).filter((s) => s.phase === "Running").map((s) => s.name);
  const [step, setStep] = useState(runningSteps[0] ?? "");
  const [connected, setConnected] = useState(false);
  const [state, setState] = useState<"idle" | "open" | "closed">("idle");
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!connected || !step || !host.current) return;
    const term = new Terminal({
      fontFamily: '"JetBrains Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 13,
      cursorBlink: true,
      theme: { background: "#0f172a", foreground: "#e2e8f0" },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current);
    fit.fit();
    const ws = new WebSocket(api.runs.execUrl(ns, run.metadata.name!, step));
    ws.binaryType = "arraybuffer";
    const encoder = new TextEncoder();
    const sendSize = () => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ resize: [term.cols, term.rows] }));
    ws.onopen = () => {
      setState("open");
      sendSize();
      term.focus();
    };
    ws.onmessage = (e) => term.write(typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer));
    ws.onclose = () => {
      setState("closed");
      term.write(`\r\n\x1b[90m[${t("terminal.closed")}]\x1b[0m\r\n`);
    };
    const input = term.onData((d) => ws.readyState === WebSocket.OPEN && ws.send(encoder.encode(d)));
    const observer = new ResizeObserver(() => {
      fit.fit();
      sendSize();
    });
    observer.observe(host.current);
    return () => {
      observer.disconnect();
      input.dispose();
      ws.close();
      term.dispose();
      setState("idle");
    };
  }, [connected, step, ns, run.metadata.name, t]);

  if (!runningSteps.length && !connected) return <Empty>{t("terminal.noRunningStep")}</Empty>;
  return (
    <div className="terminal-tab">
      <div className="logs-toolbar">
        <Select
          value={step}
          options={runningSteps.map((s) => ({ value: s, label: s }))}
          onChange={(s) => {
            setConnected(false);
            setStep(s);
          }}
          ariaLabel={t("terminal.step")}
        />
        {connected ? (
          <button className="btn btn-small" onClick={() => setConnected(false)}>
            {t("terminal.disconnect")}
          </button>
        ) : (
          <button className="btn btn-primary btn-small" onClick={() => setConnected(true)} disabled={!step} data-testid="connect-terminal">
            {t("terminal.connect")}
          </button>
        )}
        <span className="muted small">{state === "open" ? t("terminal.connected") : ""}</span>
      </div>
      <div className="terminal-host" ref={host} />
    </div>
  );
}
