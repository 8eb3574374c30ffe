/** Small controls the list pages share: the create button, the row delete button,
 * the name search box. */
import { Icon } from "./icons";

/** The primary "Create …" button: with a plus icon in a page header, without it
 * (`bare`) as the action of an empty state. */
export function CreateButton({ label, onClick, testId, bare }: { label: string; onClick(): void; testId?: string; bare?: boolean }) {
  return (
    <button className="btn btn-primary" onClick={onClick} data-testid={testId}>
      {!bare && <Icon name="plus" />}
      {label}
    </button>
  );
}

/** The trash icon button at the end of a table row. */
export function DeleteButton({ label, onClick }: { label: string; onClick(): void }) {
  return (
    <button className="icon-button" title={label} aria-label={label} onClick={onClick}>
      <Icon name="trash" size={14} />
    </button>
  );
}

export function SearchBox({
  value,
  onChange,
  placeholder,
  autoFocus,
  testId,
}: {
  value: string;
  onChange(value: string): void;
  placeholder: string;
  autoFocus?: boolean;
  testId?: string;
}) {
  return (
    <div className="search">
      <Icon name="search" />
      <input
        className="input"
        autoFocus={autoFocus}
        placeholder={placeholder}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        data-testid={testId}
      />
    </div>
  );
}
