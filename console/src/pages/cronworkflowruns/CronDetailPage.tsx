import { useState } from "react";
import { api } from "../../api/client";
import { Code } from "../../components/Code";
import { DeleteDialog } from "../../components/Dialog";
import { Toggle } from "../../components/form";
import { Icon } from "../../components/icons";
import { InfoGrid, Loaded, PageHeader } from "../../components/Page";
import { PhaseBadge } from "../../components/PhaseBadge";
import { useApi } from "../../components/refresh";
import { Link, navigate, paths, setQuery, useLocation } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { SpecBlock } from "../../components/Table";
import { Tabs } from "../../components/Tabs";
import { Age, formatTimestamp } from "../../components/time";
import { useI18n } from "../../i18n";
import { CRON_LABEL } from "../../model/template";
import { toYaml } from "../../model/yaml";
import { RunTable } from "../workflowruns/RunTable";
import { useSuspendToggle } from "./CronListPage";
import { SchedulePreview } from "./SchedulePreview";

export default function CronDetailPage({ params }: { params: Record<string, string> }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const { search } = useLocation();
  const tab = search.get("tab") ?? "overview";
  const state = useApi((signal) => api.crons.get(ns, params.name, signal), [ns, params.name]);
  const runs = useApi(
    (signal) => api.runs.list(ns, { labelSelector: `${CRON_LABEL}=${params.name}`, order: "newest" }, signal),
    [ns, params.name],
  );
  const toggle = useSuspendToggle(state.reload);
  const [deleting, setDeleting] = useState(false);

  return (
    <div className="page">
      <Loaded state={state}>
        {(cron) => {
          const active = new Set((cron.status?.active ?? []).map((a) => a.name));
          const all = runs.data?.items ?? [];
          const conds = cron.status?.conditions ?? [];
          return (
            <>
              <PageHeader
                crumbs={[{ label: t("nav.crons"), to: paths.crons(ns) }]}
                title={
                  <>
                    {cron.metadata.name} {cron.spec.suspend && <PhaseBadge phase="Suspended" />}
                  </>
                }
                actions={
                  <>
                    <Toggle checked={!!cron.spec.suspend} onChange={(v) => toggle(cron, v)} label={t("cron.suspend")} testId="suspend-toggle" />
                    <button className="btn" onClick={() => setDeleting(true)}>
                      <Icon name="trash" />
                      {t("common.delete")}
                    </button>
                    <button className="btn" onClick={() => navigate(`${paths.cron(ns, cron.metadata.name!)}/edit`)}>
                      <Icon name="edit" />
                      {t("common.edit")}
                    </button>
                  </>
                }
              />
              <Tabs
                active={tab}
                onChange={(id) => setQuery("tab", id)}
                tabs={[
                  { id: "overview", label: t("tabs.overview") },
                  { id: "yaml", label: t("tabs.yaml") },
                ]}
              />
              <div className="card tab-body">
                {tab === "yaml" ? (
                  <Code value={toYaml(cron)} readOnly />
                ) : (
                  <div className="stack">
                    <InfoGrid
                      rows={[
                        [
                          t("cron.schedule"),
                          <>
                            <code>{cron.spec.schedule}</code>
                            <SchedulePreview schedule={cron.spec.schedule} showNext={!cron.spec.suspend} />
                          </>,
                        ],
                        [
                          t("runs.template"),
                          cron.spec.workflowRun?.spec?.workflowTemplateRef ? (
                            <Link to={paths.template(ns, cron.spec.workflowRun.spec.workflowTemplateRef)}>
                              {cron.spec.workflowRun.spec.workflowTemplateRef}
                            </Link>
                          ) : (
                            t("runs.embedded")
                          ),
                        ],
                        [t("cron.concurrency"), cron.spec.concurrencyPolicy ?? "Allow"],
                        [t("cron.lastSchedule"), formatTimestamp(cron.status?.lastScheduleTime)],
                        [t("cron.deadline"), cron.spec.startingDeadlineSeconds !== undefined ? `${cron.spec.startingDeadlineSeconds}s` : "—"],
                        [
                          t("cron.history"),
                          t("cron.historyValue", {
                            ok: cron.spec.successfulRunsHistoryLimit ?? 3,
                            failed: cron.spec.failedRunsHistoryLimit ?? 1,
                          }),
                        ],
                        [t("common.created"), <Age value={cron.metadata.creationTimestamp} />],
                        [
                          t("status.conditions"),
                          conds.length ? (
                            <span className="chips">
                              {conds.map((c) => (
                                <span key={c.type} className={`chip chip-static ${c.status === "True" ? "chip-on" : ""}`} title={c.message ?? ""}>
                                  {c.type}
                                </span>
                              ))}
                            </span>
                          ) : null,
                        ],
                      ]}
                    />
                    <SpecBlock title={t("cron.activeRuns")}>
                      <RunTable runs={all.filter((r) => active.has(r.metadata.name!))} ns={ns} showTemplate={false} />
                    </SpecBlock>
                    <SpecBlock title={t("cron.pastRuns")}>
                      <RunTable runs={all.filter((r) => !active.has(r.metadata.name!))} ns={ns} showTemplate={false} />
                    </SpecBlock>
                  </div>
                )}
              </div>
              {deleting && (
                <DeleteDialog
                  title={t("cron.deleteTitle")}
                  name={cron.metadata.name!}
                  remove={() => api.crons.delete(ns, cron.metadata.name!)}
                  onDeleted={() => navigate(paths.crons(ns))}
                  onClose={() => setDeleting(false)}
                />
              )}
            </>
          );
        }}
      </Loaded>
    </div>
  );
}
