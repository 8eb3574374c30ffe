/** Runs of a project, newest first: phase filter, template filter, name search
 * (substring, on the server), server-side paging (limit/continue), so 10,000 runs
 * cost one page. */
import { useState } from "react";
import { api } from "../../api/client";
import type { Phase } from "../../api/types";
import { CreateButton, SearchBox } from "../../components/actions";
import { useDebounced } from "../../components/debounce";
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
  // Names are lower case (DNS-1123), so the search is in effect case-insensitive.
  const nameContains = useDebounced(name.trim().toLowerCase());
  const [creating, setCreating] = useState(false);

  const fieldSelector = phase ? `status.phase=${phase}` : "";
  const labelSelector = [template && `${TEMPLATE_LABEL}=${template}`, !children && `!${RUN_LABEL}`].filter(Boolean).join(",");
  const filterKey = JSON.stringify([ns, fieldSelector, labelSelector, nameContains, limit]);
  // Continue tokens of the pages before the current one: [undefined, tok1, tok2 …],
  // for one set of filters; any other filter starts again at the first page.
  const [paging, setPaging] = useState<{ key: string; tokens: (string | undefined)[] }>({
    key: filterKey,
    tokens: [undefined],
  });
  const tokens = paging.key === filterKey ? paging.tokens : [undefined];
  const setTokens = (next: (string | undefined)[]) => setPaging({ key: filterKey, tokens: next });
  const token = tokens[tokens.length - 1];
  const state = useApi(
    (signal) =>
      api.runs.list(
        ns,
        { fieldSelector, labelSelector, nameContains, order: "newest", limit: Number(limit), continue: token },
        signal,
      ),
    [filterKey, token],
  );
  const templates = useApi((signal) => api.templates.list(ns, {}, signal), [ns]);

  return (
    <div className="page">
      <PageHeader
        title={t("nav.runs")}
        actions={<CreateButton label={t("runs.create")} onClick={() => setCreating(true)} testId="create-run" />}
      />
      <div className="toolbar">
        <div className="chips" role="group" aria-label={t("runs.phase")}>
          {["", ...PHASES].map((p) => (
            <button
              key={p || "all"}
              className={`chip ${phase === p ? "chip-active" : ""}`}
              onClick={() => setQuery("phase", p)}
              data-testid={`phase-filter-${p || "all"}`}
            >
              {p ? t(`phase.${p}` as StringKey) : t("common.all")}
            </button>
          ))}
        </div>
        <SearchBox value={name} onChange={setName} placeholder={t("runs.search")} testId="search" />
        <Select
          value={template}
          ariaLabel={t("runs.template")}
          options={[
            { value: "", label: t("runs.allTemplates") },
            ...(templates.data?.items ?? []).map((x) => ({ value: x.metadata.name!, label: x.metadata.name! })),
          ]}
          onChange={(v) => setQuery("template", v)}
        />
        <Toggle checked={children} onChange={(v) => setQuery("children", v ? "1" : "")} label={t("runs.showChildren")} />
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
              onChange={setLimit}
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
