/** Every user-visible string goes through `t(key)`; the table is ./strings.ts. */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { strings, type StringKey } from "./strings";

export type Lang = "en" | "zh";
export type { StringKey };
export type Translate = (key: StringKey, vars?: Record<string, string | number>) => string;

const LANG_KEY = "treadle.lang";

interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t: Translate;
}

const Ctx = createContext<I18n | null>(null);

function initialLang(): Lang {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved === "en" || saved === "zh") return saved;
  return navigator.language.toLowerCase().startsWith("zh") ? "zh" : "en";
}

export function translate(lang: Lang, key: StringKey, vars?: Record<string, string | number>): string {
  const entry = strings[key];
  let text: string = entry ? entry[lang === "zh" ? 1 : 0] : key;
  if (vars) for (const [k, v] of Object.entries(vars)) text = text.split(`{${k}}`).join(String(v));
  return text;
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(LANG_KEY, next);
    document.documentElement.lang = next === "zh" ? "zh-CN" : "en";
    setLangState(next);
  }, []);
  const value = useMemo<I18n>(
    () => ({ lang, setLang, t: (key, vars) => translate(lang, key, vars) }),
    [lang, setLang],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error("useI18n outside I18nProvider");
  return ctx;
}
