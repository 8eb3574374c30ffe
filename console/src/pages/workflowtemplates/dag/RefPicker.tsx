/** A small menu that inserts a reference: `$(params.x)`, `$(templates.node.results.r)`. */
import { useEffect, useRef, useState } from "react";
import { useI18n } from "../../../i18n";

export interface RefGroup {
  label: string;
  refs: string[];
}

export function RefPicker({ groups, onPick, testId }: { groups: RefGroup[]; onPick(ref: string): void; testId?: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => !box.current?.contains(e.target as Node) && setOpen(false);
    window.addEventListener("mousedown", close);
    return () => window.removeEventListener("mousedown", close);
  }, [open]);
  const any = groups.some((g) => g.refs.length);
  return (
    <div className="ref-picker" ref={box}>
      <button type="button" className="btn btn-small btn-ghost mono" onClick={() => setOpen(!open)} title={t("dag.insertRef")} data-testid={testId}>
        $( )
      </button>
      {open && (
        <div className="ref-menu">
          {!any && <div className="muted small pad">{t("dag.noRefs")}</div>}
          {groups
            .filter((g) => g.refs.length)
            .map((g) => (
              <div key={g.label}>
                <div className="ref-group">{g.label}</div>
                {g.refs.map((r) => (
                  <button
                    type="button"
                    key={r}
                    className="ref-item mono"
                    onClick={() => {
                      onPick(r);
                      setOpen(false);
                    }}
                  >
                    {r}
                  </button>
                ))}
              </div>
            ))}
        </div>
      )}
    </div>
  );
}
