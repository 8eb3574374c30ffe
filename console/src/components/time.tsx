/** Times and durations as people read them. */
import { useI18n, type Translate } from "../i18n";

export function parseTime(value?: string | null): number | null {
  if (!value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

export function formatDuration(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 10000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function durationBetween(start?: string | null, end?: string | null, now = Date.now()): string {
  const a = parseTime(start);
  if (a === null) return "—";
  const b = parseTime(end) ?? now;
  return formatDuration(b - a);
}

export function formatAge(t: Translate, value?: string | null, now = Date.now()): string {
  const ts = parseTime(value);
  if (ts === null) return "—";
  const s = Math.max(0, Math.floor((now - ts) / 1000));
  if (s < 45) return t("time.justNow");
  if (s < 3600) return t("time.minutesAgo", { n: Math.max(1, Math.round(s / 60)) });
  if (s < 86400) return t("time.hoursAgo", { n: Math.round(s / 3600) });
  return t("time.daysAgo", { n: Math.round(s / 86400) });
}

export function formatTimestamp(value?: string | null): string {
  const ts = parseTime(value);
  if (ts === null) return "—";
  const d = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** "3 minutes ago", with the exact time on hover. */
export function Age({ value }: { value?: string | null }) {
  const { t } = useI18n();
  return <time title={formatTimestamp(value)}>{formatAge(t, value)}</time>;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
