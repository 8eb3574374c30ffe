/** The one typed client of the Treadle HTTP API (docs/api.md). Every page talks to the
 * server through this module only. */
import { ApiError } from "./errors";
import type {
  CronWorkflowRun,
  FileEntry,
  KubeEvent,
  List,
  LogLine,
  LogSource,
  Resource,
  ServerInfo,
  Volume,
  WorkflowRun,
  WorkflowTemplate,
} from "./types";

const TOKEN_KEY = "treadle.token";
const WORKFLOW_GV = "/apis/batch.tensorstack.dev/v1beta1";

type Unauthorized = () => void;
let onUnauthorized: Unauthorized = () => {};
type Warned = (warnings: string[]) => void;
let onWarnings: Warned = () => {};

/** Warnings the server sent with a write (`Warning: 299 - "<text>"` headers, as
 * Kubernetes sends them): the object was stored, but its author should know. */
export const serverWarnings = {
  onWarnings(handler: Warned) {
    onWarnings = handler;
  },
};

/** One warning-value (code, agent, quoted text, optional date); a header may hold several. */
const WARNING_VALUE = /\s*(\d{3})\s+[^\s"]+\s+"((?:[^"\\]|\\.)*)"(?:\s+"[^"]*")?\s*(?:,|$)/y;

/** The texts of the 299 warnings of a response. Header values reach a page as
 * bytes in Latin-1; the server writes the text as UTF-8. */
export function parseWarnings(header: string | null): string[] {
  if (!header) return [];
  const bytes = Uint8Array.from(header, (c) => c.charCodeAt(0) & 0xff);
  const value = new TextDecoder().decode(bytes);
  const texts: string[] = [];
  const next = new RegExp(WARNING_VALUE.source, "y");
  while (next.lastIndex < value.length && value.slice(next.lastIndex).trim()) {
    const match = next.exec(value);
    if (!match) break;
    if (match[1] === "299") texts.push(match[2].replace(/\\(.)/g, "$1"));
  }
  return texts;
}

export const auth = {
  token(): string | null {
    return localStorage.getItem(TOKEN_KEY);
  },
  setToken(token: string | null) {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  },
  /** Called on every 401, so the shell can ask for a token. */
  onUnauthorized(handler: Unauthorized) {
    onUnauthorized = handler;
  },
  /** Adopt `?token=` from the address bar once, then drop it from the URL. */
  adoptTokenFromUrl() {
    const url = new URL(window.location.href);
    const token = url.searchParams.get("token");
    if (token) {
      auth.setToken(token);
      url.searchParams.delete("token");
      window.history.replaceState(null, "", url.toString());
    }
  },
};

function headers(extra?: HeadersInit): Headers {
  const h = new Headers(extra);
  const token = auth.token();
  if (token) h.set("Authorization", `Bearer ${token}`);
  return h;
}

async function raw(path: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers: headers(init.headers) });
  } catch (err) {
    if ((err as Error).name === "AbortError") throw err;
    throw new ApiError(0, `network error: ${(err as Error).message}`);
  }
  if (!response.ok) {
    if (response.status === 401) onUnauthorized();
    let body: unknown = null;
    try {
      body = await response.json();
    } catch {
      /* not JSON */
    }
    throw ApiError.fromStatus(response.status, body, `${response.status} ${response.statusText}`);
  }
  return response;
}

async function json<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await raw(path, init);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

async function send<T>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
  const response = await raw(path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? undefined : { "Content-Type": contentType },
  });
  const warnings = parseWarnings(response.headers.get("Warning"));
  if (warnings.length) onWarnings(warnings);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}

/** Read a stream of JSON lines, calling `onItem` per line, until it ends or `signal` aborts. */
async function readLines<T>(response: Response, onItem: (item: T) => void): Promise<void> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) onItem(JSON.parse(line) as T);
    }
  }
  if (buffer.trim()) onItem(JSON.parse(buffer) as T);
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  /** Treadle extension: "newest" lists by creation, newest first (continue tokens keep it). */
  order?: "newest";
  /** Treadle extension: only names containing this text. */
  nameContains?: string;
}

/** CRUD over one kind's REST collection. */
function collection<T extends Resource>(groupVersion: string, plural: string) {
  const base = (ns: string) => `${groupVersion}/namespaces/${encodeURIComponent(ns)}/${plural}`;
  const one = (ns: string, name: string) => `${base(ns)}/${encodeURIComponent(name)}`;
  return {
    list: (ns: string, opts: ListOptions = {}, signal?: AbortSignal) =>
      json<List<T>>(base(ns) + query({ ...opts }), { signal }),
    get: (ns: string, name: string, signal?: AbortSignal) => json<T>(one(ns, name), { signal }),
    create: (ns: string, obj: T) => send<T>("POST", base(ns), obj),
    replace: (ns: string, obj: T) => send<T>("PUT", one(ns, obj.metadata.name!), obj),
    patch: (ns: string, name: string, patch: unknown) =>
      send<T>("PATCH", one(ns, name), patch, "application/merge-patch+json"),
    delete: (ns: string, name: string) => send<unknown>("DELETE", one(ns, name)),
    path: one,
  };
}

const runs = collection<WorkflowRun>(WORKFLOW_GV, "workflowruns");

/** The REST path of an object of a kind whose plural is its lower-case name plus "s"
 * (every kind a Resource run creates here: Pod, Job, the T9k jobs, SimpleMLService). */
export function objectPath(ns: string, apiVersion: string, kind: string, name: string): string {
  const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return `${base}/namespaces/${encodeURIComponent(ns)}/${kind.toLowerCase()}s/${encodeURIComponent(name)}`;
}

export interface LogStream {
  done: Promise<void>;
  abort(): void;
}

export const api = {
  info: () => json<ServerInfo>("/treadle/v1/info"),
  schema: (kind: string) => json<Record<string, unknown>>(`/treadle/v1/schemas/${kind}`),
  namespaces: () => json<List<Resource>>("/api/v1/namespaces"),
  createNamespace: (name: string) =>
    send<Resource>("POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name } }),

  templates: collection<WorkflowTemplate>(WORKFLOW_GV, "workflowtemplates"),
  crons: collection<CronWorkflowRun>(WORKFLOW_GV, "cronworkflowruns"),
  runs: {
    ...runs,
    stop: (ns: string, name: string) => send<WorkflowRun>("POST", `${runs.path(ns, name)}/stop`),
    rerun: (ns: string, name: string) => send<WorkflowRun>("POST", `${runs.path(ns, name)}/rerun`),
    events: (ns: string, name: string) => json<{ items: KubeEvent[] }>(`${runs.path(ns, name)}/events`),
    logSources: (ns: string, name: string) =>
      json<{ items: LogSource[] }>(`${runs.path(ns, name)}/logsources`),
    /** Stream log lines; with `follow`, until the run ends. */
    logs(
      ns: string,
      name: string,
      opts: { step?: string; follow?: boolean; tailLines?: number },
      onLine: (line: LogLine) => void,
    ): LogStream {
      const controller = new AbortController();
      const url = `${runs.path(ns, name)}/logs${query({ step: opts.step, follow: opts.follow, tailLines: opts.tailLines })}`;
      const done = raw(url, { signal: controller.signal })
        .then((response) => readLines<LogLine>(response, onLine))
        .catch((err) => {
          if ((err as Error).name !== "AbortError") throw err;
        });
      return { done, abort: () => controller.abort() };
    },
    /** The WebSocket URL of a terminal in a running step. */
    execUrl(ns: string, name: string, step: string): string {
      const url = new URL(`${runs.path(ns, name)}/exec`, window.location.href);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      url.searchParams.set("step", step);
      const token = auth.token();
      if (token) url.searchParams.set("token", token);
      return url.toString();
    },
  },
  /** Any object by its apiVersion and kind (what a Resource run created). */
  object: (ns: string, apiVersion: string, kind: string, name: string, signal?: AbortSignal) =>
    json<Resource<unknown, unknown>>(objectPath(ns, apiVersion, kind, name), { signal }),
  pods: (ns: string, opts: ListOptions = {}, signal?: AbortSignal) =>
    json<List<Resource<unknown, { phase?: string }>>>(`/api/v1/namespaces/${encodeURIComponent(ns)}/pods${query({ ...opts })}`, { signal }),
  events: (ns: string, opts: ListOptions = {}) =>
    json<List<KubeEvent>>(`/api/v1/namespaces/${encodeURIComponent(ns)}/events${query({ ...opts })}`),

  volumes: {
    list: (ns: string) => json<{ items: Volume[] }>(`/treadle/v1/namespaces/${encodeURIComponent(ns)}/volumes`),
    create: (ns: string, name: string) =>
      send<Volume>("POST", `/treadle/v1/namespaces/${encodeURIComponent(ns)}/volumes`, { name }),
    delete: (ns: string, name: string) =>
      send<unknown>("DELETE", `/treadle/v1/namespaces/${encodeURIComponent(ns)}/volumes/${encodeURIComponent(name)}`),
    filePath(ns: string, volume: string, path: string): string {
      const clean = path.split("/").filter(Boolean).map(encodeURIComponent).join("/");
      return `/treadle/v1/namespaces/${encodeURIComponent(ns)}/volumes/${encodeURIComponent(volume)}/files/${clean}`;
    },
    listDir: (ns: string, volume: string, path: string) =>
      json<{ items: FileEntry[] }>(api.volumes.filePath(ns, volume, path)),
    upload: (ns: string, volume: string, path: string, body: Blob) =>
      raw(api.volumes.filePath(ns, volume, path), {
        method: "PUT",
        body,
        headers: { "Content-Type": "application/octet-stream" },
      }).then(() => undefined),
    deleteFile: (ns: string, volume: string, path: string) =>
      send<unknown>("DELETE", api.volumes.filePath(ns, volume, path)),
    /** A file's URL for a link (opens in the browser); `download` asks for an attachment. */
    fileUrl(ns: string, volume: string, path: string, download = false): string {
      return api.volumes.filePath(ns, volume, path) + query({ download: download || undefined, token: auth.token() });
    },
  },
};

export { ApiError };
