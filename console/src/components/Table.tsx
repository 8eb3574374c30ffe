/** One table for every list in the console: a header row, one row an item, and an
 * empty state in place of the table when there are no items. */
import type { ReactNode } from "react";

export interface Column<T> {
  /** Heading (none in a `headless` table). */
  header?: ReactNode;
  /** Class of the body cells. */
  className?: string;
  cell(row: T): ReactNode;
}

/** The rows alone fix the row type; columns and keys are checked against it. */
interface DataTableProps<T> {
  rows: T[];
  /** `false` leaves a column out (a column shown only sometimes). */
  columns: (Column<NoInfer<T>> | false)[];
  rowKey(row: NoInfer<T>, index: number): string | number;
  /** The row buttons (delete, download, run …), in a last column without a heading. */
  actions?(row: NoInfer<T>): ReactNode;
  /** Shown instead of the table when there are no rows. */
  empty?: ReactNode;
  compact?: boolean;
  /** Name/value tables have no header row. */
  headless?: boolean;
  testId?: string;
  rowTestId?: string;
}

export function DataTable<T>({ rows, columns, rowKey, actions, empty, compact, headless, testId, rowTestId }: DataTableProps<T>) {
  if (!rows.length && empty !== undefined) return <>{empty}</>;
  const cols = columns.filter((c): c is Column<T> => !!c);
  return (
    <table className={compact ? "table table-compact" : "table"} data-testid={testId}>
      {!headless && (
        <thead>
          <tr>
            {cols.map((c, i) => (
              <th key={i}>{c.header}</th>
            ))}
            {actions && <th className="actions-col" />}
          </tr>
        </thead>
      )}
      <tbody>
        {rows.map((row, i) => (
          <tr key={rowKey(row, i)} data-testid={rowTestId}>
            {cols.map((c, j) => (
              <td key={j} className={c.className}>
                {c.cell(row)}
              </td>
            ))}
            {actions && <td className="actions-col">{actions(row)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A titled block of a read-only spec or status view. */
export function SpecBlock({ title, children }: { title: ReactNode; children: ReactNode }) {
  return (
    <section className="spec-block">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

/** A titled compact table in a spec or status view, left out when there are no rows. */
export function SpecTable<T>({
  title,
  rows,
  ...table
}: { title: ReactNode; rows: T[] | undefined } & Omit<DataTableProps<T>, "rows" | "compact" | "empty">) {
  if (!rows?.length) return null;
  return (
    <SpecBlock title={title}>
      <DataTable rows={rows} compact {...table} />
    </SpecBlock>
  );
}
