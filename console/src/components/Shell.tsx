/** The frame of every page: left navigation, top bar with project selector, refresh,
 * auto-refresh and language switch. */
import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import { api, auth } from "../api/client";
import { useI18n, type StringKey } from "../i18n";
import { Dialog } from "./Dialog";
import { Icon, type IconName } from "./icons";
import { TextInput, Toggle } from "./form";
import { useRefresh } from "./refresh";
import { Link, navigate, paths, useLocation } from "./router";
import { useToast } from "./toast";

const NamespaceCtx = createContext("default");
export const useNamespace = () => useContext(NamespaceCtx);
export const LAST_NS_KEY = "treadle.namespace";

const NAV: { section: string; label: StringKey; icon: IconName; to(ns: string): string }[] = [
  { section: "workflowtemplates", label: "nav.templates", icon: "template", to: paths.templates },
  { section: "workflowruns", label: "nav.runs", icon: "run", to: paths.runs },
  { section: "cronworkflowruns", label: "nav.crons", icon: "cron", to: paths.crons },
  { section: "volumes", label: "nav.volumes", icon: "volume", to: paths.volumes },
];

export function Shell({ ns, section, children }: { ns: string; section: string; children: ReactNode }) {
  const { t } = useI18n();
  useEffect(() => localStorage.setItem(LAST_NS_KEY, ns), [ns]);
  return (
    <NamespaceCtx.Provider value={ns}>
      <div className="shell">
        <aside className="sidebar">
          <Link to={paths.templates(ns)} className="brand">
            <img src="/favicon.svg" alt="" width={26} height={26} />
            <span>
              <strong>{t("app.title")}</strong>
              <small>Treadle</small>
            </span>
          </Link>
          <nav className="nav">
            {NAV.map((item) => (
              <Link
                key={item.section}
                to={item.to(ns)}
                className={`nav-item ${item.section === section ? "nav-active" : ""}`}
                data-testid={`nav-${item.section}`}
              >
                <Icon name={item.icon} />
                {t(item.label)}
              </Link>
            ))}
          </nav>
          <ServerInfoFooter />
        </aside>
        <div className="main">
          <TopBar ns={ns} section={section} />
          <main className="content">{children}</main>
        </div>
      </div>
      <TokenPrompt />
    </NamespaceCtx.Provider>
  );
}

function ServerInfoFooter() {
  const [version, setVersion] = useState<string>();
  useEffect(() => {
    api.info().then((i) => setVersion(i.version), () => undefined);
  }, []);
  return <div className="sidebar-footer">{version ? `treadle ${version}` : ""}</div>;
}

function TopBar({ ns, section }: { ns: string; section: string }) {
  const { t, lang, setLang } = useI18n();
  const { auto, setAuto, refresh } = useRefresh();
  return (
    <header className="topbar">
      <ProjectSelector ns={ns} section={section} />
      <div className="topbar-right">
        <Toggle checked={auto} onChange={setAuto} label={t("top.autoRefresh")} testId="auto-refresh" />
        <button className="btn btn-ghost" onClick={refresh} data-testid="refresh" title={t("top.refresh")}>
          <Icon name="refresh" />
          {t("top.refresh")}
        </button>
        <div className="lang-switch" role="group" aria-label={t("top.language")}>
          <button className={lang === "en" ? "active" : ""} onClick={() => setLang("en")} data-testid="lang-en">
            English
          </button>
          <button className={lang === "zh" ? "active" : ""} onClick={() => setLang("zh")} data-testid="lang-zh">
            中文
          </button>
        </div>
      </div>
    </header>
  );
}

function ProjectSelector({ ns, section }: { ns: string; section: string }) {
  const { t } = useI18n();
  const toast = useToast();
  const { tick } = useRefresh();
  const [names, setNames] = useState<string[]>([]);
  const [creating, setCreating] = useState(false);
  const [newName, setNewName] = useState("");
  useEffect(() => {
    api.namespaces().then(
      (list) => setNames(list.items.map((n) => n.metadata.name!).filter(Boolean)),
      () => undefined,
    );
  }, [tick]);
  const all = [...new Set([...names, ns, "default"])].sort();
  const go = (next: string) => navigate(`/ns/${encodeURIComponent(next)}/${section}`);
  const create = async () => {
    try {
      await api.createNamespace(newName);
      toast.success(t("project.created", { name: newName }));
      setCreating(false);
      go(newName);
    } catch (err) {
      toast.error(err);
    }
  };
  return (
    <div className="project-selector">
      <span className="project-label">{t("top.project")}</span>
      <select
        className="input select"
        value={ns}
        data-testid="project-select"
        aria-label={t("top.project")}
        onChange={(e) => (e.target.value === "\u0000new" ? setCreating(true) : go(e.target.value))}
      >
        {all.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
        <option value={"\u0000new"}>{t("project.new")}</option>
      </select>
      {creating && (
        <Dialog
          title={t("project.new")}
          onClose={() => setCreating(false)}
          footer={
            <>
              <button className="btn" onClick={() => setCreating(false)}>
                {t("common.cancel")}
              </button>
              <button className="btn btn-primary" disabled={!newName} onClick={create}>
                {t("common.create")}
              </button>
            </>
          }
        >
          <TextInput value={newName} onChange={setNewName} placeholder={t("project.namePlaceholder")} autoFocus />
        </Dialog>
      )}
    </div>
  );
}

/** Asks for an API token after a 401: the console was opened without the address the
 * server prints (which carries one), or with a token this server does not know. */
function TokenPrompt() {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [token, setToken] = useState("");
  useLocation();
  useEffect(() => auth.onUnauthorized(() => setOpen(true)), []);
  if (!open) return null;
  return (
    <Dialog
      title={t("auth.title")}
      onClose={() => setOpen(false)}
      footer={
        <button
          className="btn btn-primary"
          onClick={() => {
            auth.setToken(token);
            window.location.reload();
          }}
        >
          {t("auth.save")}
        </button>
      }
    >
      <p>{t("auth.explain")}</p>
      <TextInput value={token} onChange={setToken} placeholder={t("auth.placeholder")} mono type="password" />
    </Dialog>
  );
}
