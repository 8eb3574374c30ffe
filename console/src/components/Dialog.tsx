import { useEffect, useState, type ReactNode } from "react";
import { useI18n } from "../i18n";
import { useToast } from "./toast";

export function Dialog({
  title,
  onClose,
  children,
  footer,
  wide,
  testId,
}: {
  title: ReactNode;
  onClose(): void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  testId?: string;
}) {
  const { t } = useI18n();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`dialog ${wide ? "dialog-wide" : ""}`} role="dialog" aria-modal="true" data-testid={testId}>
        <header className="dialog-header">
          <h2>{title}</h2>
          <button className="icon-button" aria-label={t("common.close")} onClick={onClose}>
            ×
          </button>
        </header>
        <div className="dialog-body">{children}</div>
        {footer && <footer className="dialog-footer">{footer}</footer>}
      </div>
    </div>
  );
}

/** "Delete X?" with a red confirm button; runs `action`, closes when it settles. */
export function ConfirmDialog({
  title,
  message,
  confirmLabel,
  danger = true,
  onConfirm,
  onClose,
}: {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm(): Promise<unknown> | void;
  onClose(): void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const go = async () => {
    setBusy(true);
    try {
      await onConfirm();
    } finally {
      setBusy(false);
      onClose();
    }
  };
  return (
    <Dialog
      title={title}
      onClose={onClose}
      testId="confirm-dialog"
      footer={
        <>
          <button className="btn" onClick={onClose}>
            {t("common.cancel")}
          </button>
          <button className={`btn ${danger ? "btn-danger" : "btn-primary"}`} disabled={busy} onClick={go}>
            {confirmLabel}
          </button>
        </>
      }
    >
      <p>{message}</p>
    </Dialog>
  );
}

/** "Delete X?": deletes through `remove`, says so in a toast, then `onDeleted`
 * (reload a list, leave a detail page); a failure is a toast too. */
export function DeleteDialog({
  title,
  name,
  message,
  remove,
  onDeleted,
  onClose,
}: {
  title: string;
  name: string;
  /** Defaults to "Delete {name}?". */
  message?: ReactNode;
  remove(): Promise<unknown>;
  onDeleted(): void;
  onClose(): void;
}) {
  const { t } = useI18n();
  const toast = useToast();
  return (
    <ConfirmDialog
      title={title}
      message={message ?? t("common.deleteConfirm", { name })}
      confirmLabel={t("common.delete")}
      onClose={onClose}
      onConfirm={async () => {
        try {
          await remove();
          toast.success(t("common.deleted", { name }));
          onDeleted();
        } catch (err) {
          toast.error(err);
        }
      }}
    />
  );
}
