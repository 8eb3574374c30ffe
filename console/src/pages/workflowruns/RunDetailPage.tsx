/** One run: phase, message with node counts, duration; Rerun, Stop, Delete; tabs. */
import { lazy, Suspense, useState } from "react";
import { api } from "../../api/client";
import type { WorkflowRun } from "../../api/types";
import { Code } from "../../components/Code";
import { ConfirmDialog, DeleteDialog } from "../../components/Dialog";
import { Icon } from "../../components/icons";
import { Loaded, PageHeader, Spinner } from "../../components/Page";
import { PhaseBadge } from "../../components/PhaseBadge";
import { useApi } from "../../components/refresh";
import { Link, navigate, paths, setQuery, useLocation } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { Tabs } from "../../components/Tabs";
import { Age, durationBetween } from "../../components/time";
import { useToast } from "../../components/toast";
import { useI18n } from "../../i18n";
import { isFinished, nodeCounts } from "../../model/run";
import { effectiveType, RUN_LABEL } from "../../model/template";
import { toYaml } from "../../model/yaml";
import { EventsTab } from "./EventsTab";
import { GraphTab } from "./GraphTab";
import { LogsTab } from "./LogsTab";
import { runTemplateName } from "./RunTable";
import { SpecsTab, StatusTab } from "./StatusTabs";

const TerminalTab = lazy(() => import("./TerminalTab"));
const LIVE_POLL_MS = 1500;

export default function RunDetailPage({ params }: { params: Record<string, string> }) {
  const ns = useNamespace();
  const [live, setLive] = useState(true);
  const state = useApi(
    async (signal) => {
      const run = await api.runs.get(ns, params.name, signal);
      setLive(!isFinished(run));
      return run;
    },
    [ns, params.name],
    live ? LIVE_POLL_MS : undefined,
  );
  return (
    <div className="page">
      <Loaded state={state}>{(run) => <RunView run={run} reload={state.reload} />}</Loaded>
    </div>
  );
}

function RunView({ run, reload }: { run: WorkflowRun; reload(): void }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const toast = useToast();
  const { search } = useLocation();
  const [deleting, setDeleting] = useState(false);
  const [stopping, setStopping] = useState(false);
  const name = run.metadata.name!;
  const status = run.status ?? {};
  const spec = status.workflowTemplateSpec ?? run.spec.workflowTemplateSpec;
  const type = effectiveType(spec);
  const running = !isFinished(run);
  const podBased = type === "Pod" || type === "SeqPod";
  const tab = search.get("tab") ?? "graph";
  const templateName = runTemplateName(run);
  const parent = run.metadata.labels?.[RUN_LABEL];

  const rerun = async () => {
    try {
      const next = await api.runs.rerun(ns, name);
      toast.success(t("runs.created", { name: next.metadata.name! }));
      navigate(paths.run(ns, next.metadata.name!));
    } catch (err) {
      toast.error(err);
    }
  };

  const counts = type === "DAG" ? nodeCounts(status.nodes, spec?.dag?.templates) : null;
  return (
    <>
      <PageHeader
        crumbs={[
          { label: t("nav.runs"), to: paths.runs(ns) },
          ...(parent ? [{ label: parent, to: paths.run(ns, parent) }] : []),
        ]}
        title={
          <>
            {name} <PhaseBadge phase={status.phase ?? "Pending"} />
          </>
        }
        actions={
          <>
            <button className="btn" onClick={() => setDeleting(true)} data-testid="delete-run">
              <Icon name="trash" />
              {t("common.delete")}
            </button>
            <button className="btn" disabled={!running} onClick={() => setStopping(true)} data-testid="stop-run">
              <Icon name="stop" />
              {t("runs.stop")}
            </button>
            <button className="btn btn-primary" onClick={rerun} data-testid="rerun">
              <Icon name="rerun" />
              {t("runs.rerun")}
            </button>
          </>
        }
      >
        <div className="run-summary">
          <span>
            {t("runs.template")}:{" "}
            {templateName ? <Link to={paths.template(ns, templateName)}>{templateName}</Link> : t("runs.embedded")}
            {type && <span className="type-tag">{type}</span>}
          </span>
          <span>
            {t("runs.started")}: <Age value={status.startTime ?? run.metadata.creationTimestamp} />
          </span>
          <span>
            {t("runs.duration")}: <span className="tabular">{durationBetween(status.startTime, status.completionTime)}</span>
          </span>
        </div>
        {(status.message || counts) && (
          <div className={`run-message ${status.phase === "Failed" ? "run-message-failed" : ""}`} data-testid="run-message">
            {status.message}
            {counts && (
              <span className="node-counts">
                {(["Running", "Succeeded", "Failed", "Skipped", "Unscheduled"] as const).map((k) => (
                  <span key={k} className={`count count-${k.toLowerCase()}`}>
                    {t(`count.${k}`)}: {k === "Unscheduled" ? counts.Unscheduled + counts.Pending : counts[k]}
                  </span>
                ))}
              </span>
            )}
          </div>
        )}
      </PageHeader>
      <Tabs
        active={tab}
        onChange={(id) => setQuery("tab", id)}
        tabs={[
          { id: "graph", label: t("tabs.graph") },
          { id: "logs", label: t("tabs.logs") },
          { id: "status", label: t("tabs.status") },
          { id: "specs", label: t("tabs.specs") },
          { id: "yaml", label: t("tabs.yaml") },
          { id: "events", label: t("tabs.events") },
          { id: "terminal", label: t("tabs.terminal"), hidden: !podBased },
        ]}
      />
      <div className="card tab-body">
        {tab === "graph" && <GraphTab run={run} />}
        {tab === "logs" && <LogsTab run={run} />}
        {tab === "status" && <StatusTab run={run} />}
        {tab === "specs" && <SpecsTab run={run} />}
        {tab === "yaml" && <Code value={toYaml(run)} readOnly testId="run-yaml" />}
        {tab === "events" && <EventsTab run={run} />}
        {tab === "terminal" && (
          <Suspense fallback={<Spinner />}>
            <TerminalTab run={run} />
          </Suspense>
        )}
      </div>
      {stopping && (
        <ConfirmDialog
          title={t("runs.stopTitle")}
          message={t("runs.stopConfirm", { name })}
          confirmLabel={t("runs.stop")}
          onClose={() => setStopping(false)}
          onConfirm={async () => {
            try {
              await api.runs.stop(ns, name);
              toast.success(t("runs.stopped", { name }));
              reload();
            } catch (err) {
              toast.error(err);
            }
          }}
        />
      )}
      {deleting && (
        <DeleteDialog
          title={t("runs.deleteTitle")}
          name={name}
          remove={() => api.runs.delete(ns, name)}
          onDeleted={() => navigate(paths.runs(ns))}
          onClose={() => setDeleting(false)}
        />
      )}
    </>
  );
}
