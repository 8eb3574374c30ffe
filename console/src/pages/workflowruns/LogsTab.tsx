/** Logs per step, streamed live (`logs?follow=true`, JSON lines), ANSI colours kept. */
import { useEffect, useMemo, useRef, useState } from "react";
import { AnsiUp } from "ansi_up";
import { api } from "../../api/client";
import type { LogLine, WorkflowRun } from "../../api/types";
import { Icon } from "../../components/icons";
import { Toggle } from "../../components/form";
import { ErrorBanner } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { setQuery, useLocation } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { useI18n } from "../../i18n";
import { isFinished, isInitContainer } from "../../model/run";
import { InitTag } from "./InitTag";

const MAX_LINES = 20000;
const ALL = "";

export function LogsTab({ run }: { run: WorkflowRun }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const name = run.metadata.name!;
  const running = !isFinished(run);
  const { search } = useLocation();
  const step = search.get("step") ?? ALL;
  const sources = useApi(() => api.runs.logSources(ns, name), [ns, name], running ? 3000 : undefined);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const [streaming, setStreaming] = useState(false);
  const [follow, setFollow] = useState(true);
  const [wrap, setWrap] = useState(true);
  const box = useRef<HTMLDivElement>(null);
  // Restart the stream when the step changes, or when the run leaves Pending/Running
  // (a finished run is read once, whole).
  const epoch = running ? "live" : "done";

  useEffect(() => {
    setLines([]);
    setError(null);
    setStreaming(true);
    let buffer: LogLine[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const chunk = buffer;
      buffer = [];
      setLines((all) => {
        const next = all.concat(chunk);
        return next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next;
      });
    };
    const stream = api.runs.logs(ns, name, { step: step || undefined, follow: epoch === "live" }, (line) => {
      buffer.push(line);
      if (!frame) frame = requestAnimationFrame(flush);
    });
    stream.done
      .catch((err: Error) => setError(err))
      .finally(() => {
        if (frame) cancelAnimationFrame(frame);
        flush();
        setStreaming(false);
      });
    return () => {
      stream.abort();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [ns, name, step, epoch]);

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow]);

  const ansi = useMemo(() => {
    const a = new AnsiUp();
    a.use_classes = false;
    return a;
  }, []);
  const showSource = step === ALL || (sources.data?.items ?? []).some((s) => s.source.startsWith(step + "/"));
  // As `treadle logs` prints them: an init container's lines say so.
  const label = (l: LogLine) => (isInitContainer(l.kind) ? `${l.source} (init)` : l.source);

  const download = () => {
    const text = lines.map((l) => (showSource ? `[${label(l)}] ${l.text}` : l.text)).join("\n") + "\n";
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `${name}${step ? "-" + step.replace(/\//g, "_") : ""}.log`;
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <div className="logs-layout">
      <nav className="logs-sources" data-testid="log-sources">
        <button className={`log-src ${step === ALL ? "log-src-active" : ""}`} onClick={() => setQuery("step", null)}>
          {t("logs.all")}
        </button>
        {(sources.data?.items ?? []).map((s) => (
          <button
            key={s.source}
            className={`log-src ${step === s.source ? "log-src-active" : ""}`}
            onClick={() => setQuery("step", s.source)}
            title={isInitContainer(s.kind) ? `${s.source} · ${t("steps.initHint")}` : s.source}
            data-kind={s.kind}
          >
            {s.source}
            <InitTag kind={s.kind} />
          </button>
        ))}
        {sources.data && !sources.data.items.length && <p className="muted small">{t("logs.noSources")}</p>}
      </nav>
      <div className="logs-main">
        <div className="logs-toolbar">
          <span className="muted small">
            {streaming && running ? (
              <span className="live-dot">{t("logs.live")}</span>
            ) : (
              t(lines.length === 1 ? "logs.line" : "logs.lines", { n: lines.length })
            )}
          </span>
          <Toggle checked={follow} onChange={setFollow} label={t("logs.follow")} />
          <Toggle checked={wrap} onChange={setWrap} label={t("logs.wrap")} />
          <button className="btn btn-small" onClick={download} disabled={!lines.length} data-testid="download-logs">
            <Icon name="download" size={14} />
            {t("common.download")}
          </button>
        </div>
        {error && <ErrorBanner error={error} />}
        <div className={`log-view ${wrap ? "log-wrap" : ""}`} ref={box} data-testid="log-view">
          {lines.length === 0 && !streaming && <div className="log-empty">{t("logs.empty")}</div>}
          {lines.map((l, i) => (
            <div className="log-line" key={i}>
              {showSource && (
                <span className="log-source">
                  {l.source}
                  {isInitContainer(l.kind) && <span className="log-init">{t("steps.init")}</span>}
                </span>
              )}
              <span dangerouslySetInnerHTML={{ __html: ansi.ansi_to_html(l.text) }} />
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
