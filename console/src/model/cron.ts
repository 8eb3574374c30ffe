/** 5-field cron schedules: a readable sentence (cronstrue) and the next fire times. */
import cronstrue from "cronstrue";
import "cronstrue/locales/zh_CN";

/** `concurrencyPolicy` as it may be written: the platform's API reference spells Allow
 * "AllowConcurrent", so both are accepted and a cron keeps the spelling it was given. */
export type ConcurrencyPolicy = "Allow" | "AllowConcurrent" | "Forbid" | "Replace";

export const CONCURRENCY_POLICIES: ConcurrencyPolicy[] = ["Allow", "AllowConcurrent", "Forbid", "Replace"];

/** What a policy does: AllowConcurrent is Allow, and so is no policy at all. */
export function policyMeaning(policy?: ConcurrencyPolicy): "Allow" | "Forbid" | "Replace" {
  return policy === undefined || policy === "AllowConcurrent" ? "Allow" : policy;
}

export const SCHEDULE_PRESETS = ["*/5 * * * *", "0 * * * *", "0 0 * * *", "0 9 * * 1-5", "0 0 * * 0", "0 0 1 * *"];

export function describeSchedule(expr: string, lang: "en" | "zh"): { text?: string; error?: string } {
  if (expr.trim().split(/\s+/).length !== 5) return { error: "a schedule has 5 fields: minute hour day-of-month month day-of-week" };
  try {
    return {
      text: cronstrue.toString(expr, { locale: lang === "zh" ? "zh_CN" : "en", use24HourTimeFormat: true, verbose: false }),
    };
  } catch (err) {
    return { error: String(err).replace(/^Error:\s*/, "") };
  }
}

const RANGES: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

function parseField(text: string, [lo, hi]: [number, number]): Set<number> | null {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText ? Number(stepText) : 1;
    if (!Number.isInteger(step) || step < 1) return null;
    let a = lo;
    let b = hi;
    if (range !== "*") {
      const m = range.match(/^(\d+)(?:-(\d+))?$/);
      if (!m) return null;
      a = Number(m[1]);
      b = m[2] !== undefined ? Number(m[2]) : stepText ? hi : a;
    }
    if (a < lo || b > hi || a > b) return null;
    for (let v = a; v <= b; v += step) out.add(v);
  }
  return out;
}

/** The next `count` times the schedule fires after `from` (local time), or null if unparsable. */
export function nextRuns(expr: string, count = 3, from = new Date()): Date[] | null {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const sets = fields.map((f, i) => parseField(f, RANGES[i]));
  if (sets.some((s) => s === null)) return null;
  const [min, hour, dom, mon, dow] = sets as Set<number>[];
  if (dow.has(7)) dow.add(0);
  const domAny = fields[2] === "*";
  const dowAny = fields[4] === "*";
  const out: Date[] = [];
  const t = new Date(from);
  t.setSeconds(0, 0);
  t.setMinutes(t.getMinutes() + 1);
  for (let i = 0; i < 527040 && out.length < count; i++) {
    const dayOk =
      domAny && dowAny
        ? true
        : domAny
          ? dow.has(t.getDay())
          : dowAny
            ? dom.has(t.getDate())
            : dom.has(t.getDate()) || dow.has(t.getDay());
    if (mon.has(t.getMonth() + 1) && dayOk && hour.has(t.getHours()) && min.has(t.getMinutes())) out.push(new Date(t));
    t.setMinutes(t.getMinutes() + 1);
  }
  return out;
}
