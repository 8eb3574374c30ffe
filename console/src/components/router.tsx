/** A small history router: enough for a dozen routes, no dependency. */
import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from "react";

const EVENT = "treadle:navigate";

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  if (opts.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  window.dispatchEvent(new Event(EVENT));
}

export interface Location {
  pathname: string;
  search: URLSearchParams;
}

function current(): Location {
  return { pathname: window.location.pathname, search: new URLSearchParams(window.location.search) };
}

export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    window.addEventListener("popstate", update);
    window.addEventListener(EVENT, update);
    return () => {
      window.removeEventListener("popstate", update);
      window.removeEventListener(EVENT, update);
    };
  }, []);
  return loc;
}

/** Set one query parameter of the current URL (replacing history). */
export function setQuery(key: string, value: string | null) {
  const url = new URL(window.location.href);
  if (value === null || value === "") url.searchParams.delete(key);
  else url.searchParams.set(key, value);
  navigate(url.pathname + url.search, { replace: true });
}

/** Match `/ns/:ns/workflowruns/:name` (a trailing `*rest` takes the remainder). */
export function matchPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = pathname.split("/").filter(Boolean);
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i];
    if (part.startsWith("*")) {
      params[part.slice(1)] = have.slice(i).map(decodeURIComponent).join("/");
      return params;
    }
    if (i >= have.length) return null;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(have[i]);
    else if (part !== have[i]) return null;
  }
  return want.length === have.length ? params : null;
}

export function Link({ to, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} {...rest} />;
}

/** Paths of every page, built in one place. */
export const paths = {
  templates: (ns: string) => `/ns/${ns}/workflowtemplates`,
  template: (ns: string, name: string) => `/ns/${ns}/workflowtemplates/${encodeURIComponent(name)}`,
  newTemplate: (ns: string, from?: string) =>
    `/ns/${ns}/workflowtemplates/-/new${from ? `?from=${encodeURIComponent(from)}` : ""}`,
  editTemplate: (ns: string, name: string) => `/ns/${ns}/workflowtemplates/${encodeURIComponent(name)}/edit`,
  runs: (ns: string) => `/ns/${ns}/workflowruns`,
  run: (ns: string, name: string, tab?: string) =>
    `/ns/${ns}/workflowruns/${encodeURIComponent(name)}${tab ? `?tab=${tab}` : ""}`,
  crons: (ns: string) => `/ns/${ns}/cronworkflowruns`,
  cron: (ns: string, name: string) => `/ns/${ns}/cronworkflowruns/${encodeURIComponent(name)}`,
  newCron: (ns: string) => `/ns/${ns}/cronworkflowruns/-/new`,
  volumes: (ns: string) => `/ns/${ns}/volumes`,
  volume: (ns: string, name: string, path = "") =>
    `/ns/${ns}/volumes/${encodeURIComponent(name)}${path ? "/" + path.split("/").filter(Boolean).map(encodeURIComponent).join("/") : ""}`,
};
