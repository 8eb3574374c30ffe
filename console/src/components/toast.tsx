/** Success, warning and failure toasts, bottom right, gone after a few seconds.
 * Warnings the server sends with a save (client.ts) show here by themselves. */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { serverWarnings } from "../api/client";
import { useI18n } from "../i18n";
import { Icon } from "./icons";

interface Toast {
  id: number;
  kind: "success" | "warning" | "error";
  text: string;
}

interface Toasts {
  success(text: string): void;
  error(err: unknown): void;
}

const Ctx = createContext<Toasts>({ success() {}, error() {} });
let next = 1;

export function ToastProvider({ children }: { children: ReactNode }) {
  const { t: translate } = useI18n();
  const [items, setItems] = useState<Toast[]>([]);
  const push = useCallback((kind: Toast["kind"], text: string) => {
    const id = next++;
    setItems((all) => [...all.slice(-3), { id, kind, text }]);
    window.setTimeout(() => setItems((all) => all.filter((t) => t.id !== id)), kind === "success" ? 4000 : 8000);
  }, []);
  useEffect(() => {
    serverWarnings.onWarnings((texts) => push("warning", [translate("toast.savedWithWarnings"), ...texts].join("\n")));
    return () => serverWarnings.onWarnings(() => {});
  }, [push, translate]);
  const value = useMemo<Toasts>(
    () => ({
      success: (text) => push("success", text),
      error: (err) => push("error", err instanceof Error ? err.message : String(err)),
    }),
    [push],
  );
  return (
    <Ctx.Provider value={value}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {items.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`} data-testid={`toast-${t.kind}`}>
            <Icon name={t.kind === "success" ? "check" : "alert"} />
            <span>{t.text}</span>
            <button className="toast-close" aria-label={translate("common.close")} onClick={() => setItems((all) => all.filter((x) => x.id !== t.id))}>
              ×
            </button>
          </div>
        ))}
      </div>
    </Ctx.Provider>
  );
}

export function useToast(): Toasts {
  return useContext(Ctx);
}
