/** What a Resource run (or a T9k job run) created: its kind, name and phase, its
 * replicas with phase, restarts and a link to their logs; for a SimpleMLService, the
 * address it answers at and whether it is ready. */
import type { ReactNode } from "react";
import { api, ApiError } from "../../api/client";
import type { Resource, WorkflowRun } from "../../api/types";
import { InfoGrid } from "../../components/Page";
import { PhaseBadge } from "../../components/PhaseBadge";
import { useApi } from "../../components/refresh";
import { Link, useLocation } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { SpecTable } from "../../components/Table";
import { useI18n } from "../../i18n";
import { isFinished } from "../../model/run";
import { isService, isT9kJob, jobReplicas, ownedPods, podReplicas, serviceState, type ReplicaRow } from "../../model/t9k";

const POLL_MS = 2000;

interface Created {
  obj: Resource<unknown, { phase?: string; conditions?: { type: string; status: string }[] }>;
  replicas: ReplicaRow[];
}

export function CreatedObject({ run }: { run: WorkflowRun }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const { pathname } = useLocation();
  const ref = run.status?.resource as { apiVersion?: string; kind?: string; name?: string } | undefined;
  const wanted = ref?.apiVersion && ref.kind && ref.name ? ref : undefined;
  const state = useApi<Created | null>(
    async (signal) => {
      if (!wanted) return null;
      let obj: Created["obj"];
      try {
        obj = (await api.object(ns, wanted.apiVersion!, wanted.kind!, wanted.name!, signal)) as Created["obj"];
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return null; // deleted since
        throw err;
      }
      let replicas: ReplicaRow[] = [];
      if (isT9kJob(obj)) replicas = jobReplicas(obj);
      else if (isService(obj)) replicas = podReplicas(ownedPods(obj, (await api.pods(ns, {}, signal)).items));
      return { obj, replicas };
    },
    [ns, wanted?.apiVersion, wanted?.kind, wanted?.name],
    isFinished(run) ? undefined : POLL_MS,
  );
  if (!wanted) return null;
  const created = state.data;
  const service = created && isService(created.obj) ? serviceState(created.obj) : undefined;
  const logsOf = (pod: string) => `${pathname}?tab=logs&step=${encodeURIComponent(pod)}`;
  const rows: [ReactNode, ReactNode][] = [
    [t("common.type"), <code>{wanted.kind}</code>],
    [t("common.name"), <code data-testid="created-name">{wanted.name}</code>],
  ];
  if (created === null) rows.push([t("runs.phase"), t("created.gone")]);
  else if (created && !service)
    rows.push([
      t("runs.phase"),
      <span data-testid="created-phase" data-phase={created.obj.status?.phase ?? "Pending"}>
        <PhaseBadge phase={created.obj.status?.phase ?? "Pending"} />
      </span>,
    ]);
  if (service) {
    rows.push([
      t("created.address"),
      service.url ? (
        <a href={service.url} target="_blank" rel="noreferrer" data-testid="service-url">
          {service.url}
        </a>
      ) : null,
    ]);
    rows.push([
      t("created.ready"),
      <span data-testid="service-ready" data-ready={service.ready}>
        {service.ready}
        {service.reason ? ` · ${service.reason}` : ""}
        {service.message ? ` · ${service.message}` : ""}
      </span>,
    ]);
  }
  return (
    <section className="stack" data-testid="created-object">
      <h3 className="section-title">{t("created.title")}</h3>
      <InfoGrid rows={rows} />
      {created && (
        <SpecTable
          title={t("created.replicas")}
          rows={created.replicas}
          rowKey={(r) => r.pod}
          testId="replicas-table"
          columns={[
            { header: t("common.type"), cell: (r) => r.type },
            { header: t("status.pod"), className: "mono", cell: (r) => r.pod },
            { header: t("runs.phase"), cell: (r) => <span data-testid="replica-phase" data-phase={r.phase}>{r.phase === "Creating" || r.phase === "Deleted" ? r.phase : <PhaseBadge phase={r.phase} />}</span> },
            { header: t("created.restarts"), className: "tabular", cell: (r) => String(r.restarts) },
            { header: t("graph.exitCode"), className: "mono", cell: (r) => (r.exitCode === undefined ? "—" : String(r.exitCode)) },
            {
              header: t("tabs.logs"),
              cell: (r) => (
                <Link to={logsOf(r.pod)} data-testid={`replica-logs-${r.pod}`}>
                  {t("created.viewLogs")}
                </Link>
              ),
            },
          ]}
        />
      )}
    </section>
  );
}
