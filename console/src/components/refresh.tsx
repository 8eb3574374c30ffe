/** The refresh button and auto-refresh toggle of the top bar, and `useApi`, which
 * loads data and reloads it on every refresh tick. */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

const AUTO_KEY = "treadle.autoRefresh";
export const AUTO_REFRESH_MS = 5000;

interface Refresh {
  tick: number;
  auto: boolean;
  setAuto(on: boolean): void;
  refresh(): void;
}

const Ctx = createContext<Refresh>({ tick: 0, auto: false, setAuto() {}, refresh() {} });

export function RefreshProvider({ children }: { children: ReactNode }) {
  const [tick, setTick] = useState(0);
  const [auto, setAutoState] = useState(() => localStorage.getItem(AUTO_KEY) !== "off");
  const refresh = useCallback(() => setTick((n) => n + 1), []);
  const setAuto = useCallback((on: boolean) => {
    localStorage.setItem(AUTO_KEY, on ? "on" : "off");
    setAutoState(on);
  }, []);
  useEffect(() => {
    if (!auto) return;
    const id = window.setInterval(() => {
      if (document.visibilityState === "visible") setTick((n) => n + 1);
    }, AUTO_REFRESH_MS);
    return () => window.clearInterval(id);
  }, [auto]);
  const value = useMemo(() => ({ tick, auto, setAuto, refresh }), [tick, auto, setAuto, refresh]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useRefresh(): Refresh {
  return useContext(Ctx);
}

export interface ApiState<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  reload(): void;
}

/** Load `fn()`; reload when `deps` change (showing loading) and on every refresh tick
 * (silently, keeping the old data on screen). `pollMs` adds a faster private poll. */
export function useApi<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[], pollMs?: number): ApiState<T> {
  const { tick } = useRefresh();
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [own, setOwn] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const depsKey = JSON.stringify(deps);
  const lastKey = useRef<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    const fresh = lastKey.current !== depsKey;
    lastKey.current = depsKey;
    if (fresh) setState({ loading: true });
    fnRef
      .current(controller.signal)
      .then((data) => !controller.signal.aborted && setState({ data, loading: false }))
      .catch((error: Error) => {
        if (controller.signal.aborted || error.name === "AbortError") return;
        setState((s) => ({ data: fresh ? undefined : s.data, error, loading: false }));
      });
    return () => controller.abort();
  }, [depsKey, tick, own]);

  useEffect(() => {
    if (!pollMs) return;
    const id = window.setInterval(() => setOwn((n) => n + 1), pollMs);
    return () => window.clearInterval(id);
  }, [pollMs]);

  const reload = useCallback(() => setOwn((n) => n + 1), []);
  return { ...state, reload };
}
