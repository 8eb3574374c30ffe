/** Page furniture: header with title and actions, empty and error states, a spinner. */
import type { ReactNode } from "react";
import { useI18n } from "../i18n";
import { Icon } from "./icons";
import { Link } from "./router";

export function PageHeader({
  title,
  crumbs,
  actions,
  children,
}: {
  title: ReactNode;
  crumbs?: { label: string; to: string }[];
  actions?: ReactNode;
  children?: ReactNode;
}) {
  return (
    <header className="page-header">
      <div className="page-title-block">
        {crumbs && crumbs.length > 0 && (
          <nav className="crumbs">
            {crumbs.map((c) => (
              <span key={c.to}>
                <Link to={c.to}>{c.label}</Link>
                <Icon name="right" size={12} />
              </span>
            ))}
          </nav>
        )}
        <h1 className="page-title">{title}</h1>
        {children}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

export function Spinner({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <div className="spinner-row">
      <span className="spinner" />
      {label ?? t("common.loading")}
    </div>
  );
}

export function Empty({ children, action }: { children: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty">
      <p>{children}</p>
      {action}
    </div>
  );
}

export function ErrorBanner({ error, children }: { error?: Error | string | null; children?: ReactNode }) {
  if (!error && !children) return null;
  return (
    <div className="banner banner-error" role="alert">
      <Icon name="alert" />
      <div>{children ?? (typeof error === "string" ? error : error?.message)}</div>
    </div>
  );
}

/** The standard body of a loaded resource: spinner, then error, then content. */
export function Loaded<T>({
  state,
  children,
}: {
  state: { data?: T; error?: Error; loading: boolean };
  children(data: T): ReactNode;
}) {
  if (state.data !== undefined) return <>{children(state.data)}</>;
  if (state.error) return <ErrorBanner error={state.error} />;
  return <Spinner />;
}

/** Label/value pairs in two columns. */
export function InfoGrid({ rows }: { rows: [ReactNode, ReactNode][] }) {
  return (
    <dl className="info-grid">
      {rows.map(([k, v], i) => (
        <div key={i} className="info-row">
          <dt>{k}</dt>
          <dd>{v ?? "—"}</dd>
        </div>
      ))}
    </dl>
  );
}
