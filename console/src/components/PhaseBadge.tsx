/** Status colours used everywhere: green succeeded, red failed, blue running, grey
 * skipped or unscheduled. */
import { useI18n, type StringKey } from "../i18n";

const KNOWN = ["Pending", "Running", "Succeeded", "Failed", "Skipped", "Waiting", "Suspended", "Unscheduled", "Unknown"];

export function phaseClass(phase?: string | null): string {
  return `phase-${(phase && KNOWN.includes(phase) ? phase : "Unknown").toLowerCase()}`;
}

export function PhaseBadge({ phase }: { phase?: string | null }) {
  const { t } = useI18n();
  const p = phase && KNOWN.includes(phase) ? phase : "Unknown";
  return (
    <span className={`badge ${phaseClass(p)}`} data-phase={p}>
      <span className="badge-dot" />
      {t(`phase.${p}` as StringKey)}
    </span>
  );
}
