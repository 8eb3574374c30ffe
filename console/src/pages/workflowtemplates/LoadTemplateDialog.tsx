/** "Load an existing WorkflowTemplate": start the editor from a copy of one. */
import { useState } from "react";
import { api } from "../../api/client";
import type { WorkflowTemplate } from "../../api/types";
import { SearchBox } from "../../components/actions";
import { Dialog } from "../../components/Dialog";
import { Empty, Loaded } from "../../components/Page";
import { useApi } from "../../components/refresh";
import { useNamespace } from "../../components/Shell";
import { useI18n } from "../../i18n";
import { effectiveType } from "../../model/template";

export function LoadTemplateDialog({ onPick, onClose }: { onPick(t: WorkflowTemplate): void; onClose(): void }) {
  const { t } = useI18n();
  const ns = useNamespace();
  const state = useApi((signal) => api.templates.list(ns, {}, signal), [ns]);
  const [search, setSearch] = useState("");
  return (
    <Dialog title={t("templates.load")} onClose={onClose} testId="load-template-dialog">
      <SearchBox value={search} onChange={setSearch} placeholder={t("common.searchByName")} autoFocus />
      <Loaded state={state}>
        {(list) => {
          const items = list.items.filter((x) => x.metadata.name!.includes(search));
          if (!items.length) return <Empty>{t("templates.empty")}</Empty>;
          return (
            <ul className="pick-list">
              {items.map((tpl) => (
                <li key={tpl.metadata.name}>
                  <button onClick={() => onPick(tpl)}>
                    <strong>{tpl.metadata.name}</strong>
                    <span className="type-tag">{effectiveType(tpl.spec)}</span>
                    <span className="muted truncate">{tpl.spec.description}</span>
                  </button>
                </li>
              ))}
            </ul>
          );
        }}
      </Loaded>
    </Dialog>
  );
}
