/** STATUS and SPECS tabs of a run. */
import type { WorkflowRun } from "../../api/types";
import { InfoGrid } from "../../components/Page";
import { PhaseBadge } from "../../components/PhaseBadge";
import { Link, paths } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { Age, durationBetween, formatTimestamp } from "../../components/time";
import { useI18n } from "../../i18n";
import { TemplateSpecView } from "../workflowtemplates/TemplateSpecView";

export function StatusTab({ run }: { run: WorkflowRun }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const s = run.status ?? {};
  return (
    <div className="stack">
      <InfoGrid
        rows={[
          [t("runs.phase"), <PhaseBadge phase={s.phase ?? "Pending"} />],
          [t("graph.reason"), s.reason],
          [t("runs.message"), s.message],
          [t("runs.started"), formatTimestamp(s.startTime)],
          [t("runs.completed"), formatTimestamp(s.completionTime)],
          [t("runs.duration"), durationBetween(s.startTime, s.completionTime)],
          [t("status.pod"), s.podName ? <code>{s.podName}</code> : null],
        ]}
      />
      {!!s.conditions?.length && (
        <section className="spec-block">
          <h3>{t("status.conditions")}</h3>
          <table className="table table-compact">
            <thead>
              <tr>
                <th>{t("common.type")}</th>
                <th>{t("status.status")}</th>
                <th>{t("graph.reason")}</th>
                <th>{t("runs.message")}</th>
                <th>{t("status.lastTransition")}</th>
              </tr>
            </thead>
            <tbody>
              {s.conditions.map((c) => (
                <tr key={c.type}>
                  <td>{c.type}</td>
                  <td className="mono">{c.status}</td>
                  <td className="mono">{c.reason ?? "—"}</td>
                  <td>{c.message ?? "—"}</td>
                  <td className="muted">
                    <Age value={c.lastTransitionTime} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {!!s.steps?.length && (
        <section className="spec-block">
          <h3>{t("form.steps")}</h3>
          <table className="table table-compact" data-testid="steps-table">
            <thead>
              <tr>
                <th>{t("common.name")}</th>
                <th>{t("runs.phase")}</th>
                <th>{t("graph.exitCode")}</th>
                <th>{t("runs.started")}</th>
                <th>{t("runs.duration")}</th>
              </tr>
            </thead>
            <tbody>
              {s.steps.map((st) => (
                <tr key={st.name}>
                  <td>{st.name}</td>
                  <td>
                    <PhaseBadge phase={st.phase} />
                  </td>
                  <td className="mono">{st.exitCode ?? "—"}</td>
                  <td className="muted">{formatTimestamp(st.startTime)}</td>
                  <td className="muted tabular">{durationBetween(st.startTime, st.completionTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {!!s.nodes && Object.keys(s.nodes).length > 0 && (
        <section className="spec-block">
          <h3>{t("status.nodes")}</h3>
          <table className="table table-compact">
            <thead>
              <tr>
                <th>{t("common.name")}</th>
                <th>{t("runs.phase")}</th>
                <th>{t("graph.childRun")}</th>
                <th>{t("runs.duration")}</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(s.nodes).map(([name, n]) => (
                <tr key={name}>
                  <td>{name}</td>
                  <td>
                    <PhaseBadge phase={n.phase} />
                  </td>
                  <td>{n.workflowRunName ? <Link to={paths.run(ns, n.workflowRunName)}>{n.workflowRunName}</Link> : "—"}</td>
                  <td className="muted tabular">{durationBetween(n.startTime, n.completionTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {!!s.results?.length && (
        <section className="spec-block">
          <h3>{t("form.results")}</h3>
          <table className="table table-compact" data-testid="results-table">
            <tbody>
              {s.results.map((r) => (
                <tr key={r.name}>
                  <td>
                    <code>{r.name}</code>
                  </td>
                  <td className="mono pre">{r.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {!!s.retriedStatus?.length && (
        <p className="muted small">{t("status.retried", { n: s.retriedStatus.length })}</p>
      )}
    </div>
  );
}

export function SpecsTab({ run }: { run: WorkflowRun }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const spec = run.spec;
  const resolved = run.status?.workflowTemplateSpec ?? spec.workflowTemplateSpec;
  return (
    <div className="stack">
      <InfoGrid
        rows={[
          [
            t("runs.template"),
            spec.workflowTemplateRef ? (
              <Link to={paths.template(ns, spec.workflowTemplateRef)}>{spec.workflowTemplateRef}</Link>
            ) : (
              t("runs.embedded")
            ),
          ],
          [t("run.serviceAccount"), spec.serviceAccountName],
          [t("run.timeout"), spec.timeout],
          [t("run.queue"), spec.scheduler?.t9kScheduler?.queue],
        ]}
      />
      {!!spec.params?.length && (
        <section className="spec-block">
          <h3>{t("form.params")}</h3>
          <table className="table table-compact" data-testid="run-params">
            <tbody>
              {spec.params.map((p) => (
                <tr key={p.name}>
                  <td>
                    <code>{p.name}</code>
                  </td>
                  <td className="mono pre">{p.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {!!spec.workspaces?.length && (
        <section className="spec-block">
          <h3>{t("form.workspaces")}</h3>
          <table className="table table-compact">
            <tbody>
              {spec.workspaces.map((w) => (
                <tr key={w.name}>
                  <td>
                    <code>{w.name}</code>
                  </td>
                  <td className="mono">
                    {w.persistentVolumeClaim
                      ? `PVC ${w.persistentVolumeClaim.claimName}`
                      : w.configMap
                        ? `ConfigMap ${w.configMap.name}`
                        : w.secret
                          ? `Secret ${w.secret.secretName}`
                          : "emptyDir"}
                    {w.subPath ? ` · ${w.subPath}` : ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {resolved && (
        <section className="spec-block">
          <h3>{t("specs.resolvedTemplate")}</h3>
          <TemplateSpecView spec={resolved} />
        </section>
      )}
    </div>
  );
}
