/** The small "init" label that sets a pod's own init containers apart from its steps. */
import type { StepKind } from "../../api/types";
import { useI18n } from "../../i18n";
import { isInitContainer } from "../../model/run";

export function InitTag({ kind }: { kind?: StepKind }) {
  const { t } = useI18n();
  if (!isInitContainer(kind)) return null;
  return (
    <span className="type-tag type-tag-small init-tag" title={t("steps.initHint")} data-testid="init-tag">
      {t("steps.init")}
    </span>
  );
}
