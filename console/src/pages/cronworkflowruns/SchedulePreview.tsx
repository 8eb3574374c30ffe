import { useI18n } from "../../i18n";
import { describeSchedule, nextRuns } from "../../model/cron";
import { formatTimestamp } from "../../components/time";

export function SchedulePreview({ schedule, showNext = true }: { schedule: string; showNext?: boolean }) {
  const { t, lang } = useI18n();
  const d = describeSchedule(schedule, lang);
  if (d.error) return <div className="field-error">{d.error}</div>;
  const next = showNext ? nextRuns(schedule, 3) : null;
  return (
    <div className="schedule-preview" data-testid="schedule-preview">
      <div className="schedule-text">{d.text}</div>
      {next && next.length > 0 && (
        <div className="muted small">
          {t("cron.nextRuns")}: {next.map((n) => formatTimestamp(n.toISOString())).join(" · ")}
        </div>
      )}
    </div>
  );
}
