/** Runs of a project: phase filter, template filter, name search, server-side paging
 * (limit/continue), so 10,000 runs cost one page. */
import { useState } from "react";
import { api } from "../../api/client";
import type { Phase } from "../../api/types";
import { Icon } from "../../components/icons";
import { Select, Toggle } from "../../components/form";
import { Loaded, PageHeader } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { setQuery, useLocation } from "../../components/router";
import { useNamespace } from "../../components/Shell";
import { useI18n, type StringKey } from "../../i18n";
import { RUN_LABEL, TEMPLATE_LABEL } from "../../model/template";
import { CreateRunDialog } from "./CreateRunDialog";
import { RunTable } from "./RunTable";

const PHASES: Phase[] = ["Pending", "Running", "Succeeded", "Failed"];
const PAGE_SIZES = ["20", "50", "100"];

export default function RunListPage() {
  const { t } = useI18n();
  const ns = useNamespace();
  const { search } = useLocation();
  const phase = search.get("phase") ?? "";
  const template = search.get("template") ?? "";
  const children = search.get("children") === "1";
  const [limit, setLimit] = useState("50");
  const [name, setName] = useState(search.get("name") ?? "");
  // Continue tokens of the pages before the current one: [undefined, tok1, tok2 …].
  const [tokens, setTokens] = useState<(string | undefined)[]>([undefined]);
  const [creating, setCreating] = useState(false);
  const token = tokens[tokens.length - 1];

  const fieldSelector = [phase && `status.phase=${phase}`, name.trim() && `metadata.name=${name.trim()}`]
    .filter(Boolean)
    .join(",");
  const labelSelector = [template && `${TEMPLATE_LABEL}=${template}`, !children && `!${RUN_LABEL}`].filter(Boolean).join(",");
  const filterKey = [ns, fieldSelector, labelSelector, limit];
  const state = useApi(
    (signal) => api.runs.list(ns, { fieldSelector, labelSelector, limit: Number(limit), continue: token }, signal),
    [...filterKey, token],
  );
  const templates = useApi((signal) => api.templates.list(ns, {}, signal), [ns]);

  const resetPaging = () => setTokens([undefined]);
  const filter = (key: string, value: string) => {
    resetPaging();
    setQuery(key, value);
  };

  return (
    <div className="page">
      <PageHeader
        title={t("nav.runs")}
        actions={
          <button className="btn btn-primary" onClick={() => setCreating(true)} data-testid="create-run">
            <Icon name="plus" />
            {t("runs.create")}
          </button>
        }
      />
      <div className="toolbar">
        <div className="chips" role="group" aria-label={t("runs.phase")}>
          {["", ...PHASES].map((p) => (
            <button
              key={p || "all"}
              className={`chip ${phase === p ? "chip-active" : ""}`}
              onClick={() => filter("phase", p)}
              data-testid={`phase-filter-${p || "all"}`}
            >
              {p ? t(`phase.${p}` as StringKey) : t("common.all")}
            </button>
          ))}
        </div>
        <div className="search">
          <Icon name="search" />
          <input
            className="input"
            placeholder={t("runs.searchExact")}
            value={name}
            onChange={(e) => {
              resetPaging();
              setName(e.target.value);
            }}
            data-testid="search"
          />
        </div>
        <Select
          value={template}
          ariaLabel={t("runs.template")}
          options={[
            { value: "", label: t("runs.allTemplates") },
            ...(templates.data?.items ?? []).map((x) => ({ value: x.metadata.name!, label: x.metadata.name! })),
          ]}
          onChange={(v) => filter("template", v)}
        />
        <Toggle checked={children} onChange={(v) => filter("children", v ? "1" : "")} label={t("runs.showChildren")} />
      </div>
      <div className="card">
        <Loaded state={state}>{(list) => <RunTable runs={list.items} ns={ns} />}</Loaded>
        <div className="pager">
          <span className="muted small">
            {t("runs.page", { n: tokens.length })}
            {state.data?.items.length ? ` · ${t("runs.shown", { n: state.data.items.length })}` : ""}
          </span>
          <label className="pager-size">
            {t("runs.perPage")}
            <Select
              value={limit}
              options={PAGE_SIZES.map((s) => ({ value: s, label: s }))}
              onChange={(v) => {
                resetPaging();
                setLimit(v);
              }}
            />
          </label>
          <button className="btn btn-small" disabled={tokens.length === 1} onClick={() => setTokens(tokens.slice(0, -1))} data-testid="prev-page">
            <Icon name="left" size={14} />
            {t("common.previous")}
          </button>
          <button
            className="btn btn-small"
            disabled={!state.data?.metadata.continue}
            onClick={() => setTokens([...tokens, state.data!.metadata.continue!])}
            data-testid="next-page"
          >
            {t("common.nextPage")}
            <Icon name="right" size={14} />
          </button>
        </div>
      </div>
      {creating && <CreateRunDialog onClose={() => setCreating(false)} />}
    </div>
  );
}
