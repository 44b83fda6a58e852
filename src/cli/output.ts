/** What the producer commands print: JSON for scripts (--json), aligned text for people. */

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Left-aligned columns with a header row; an empty list prints `empty` instead. */
export function printTable(
  rows: ReadonlyArray<Record<string, string>>,
  columns: readonly string[],
  empty: string,
): void {
  if (rows.length === 0) {
    console.log(empty);
    return;
  }
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  console.log(line(columns.map((column) => column.toUpperCase())));
  for (const row of rows) console.log(line(columns.map((column) => row[column] ?? '')));
}

/** The cursor hint under a page that has more. */
export function printNextCursor(nextCursor: string | null | undefined, command: string): void {
  if (nextCursor) console.error(`more: ${command} --cursor ${nextCursor}`);
}

export interface RejectedRow {
  index: number;
  line?: number;
  number: string;
  code: string;
}

/** "28 accepted, 2 rejected" and the first rejected rows, one a line. */
export function printIntake(result: { accepted: number; rejectedCount: number; rejected: RejectedRow[] }): void {
  console.log(`${result.accepted} accepted, ${result.rejectedCount} rejected`);
  const shown = result.rejected.slice(0, 20);
  for (const row of shown) {
    const where = row.line === undefined ? `row ${row.index}` : `line ${row.line}`;
    console.log(`  rejected ${where}: ${JSON.stringify(row.number)} ${row.code}`);
  }
  if (result.rejectedCount > shown.length) console.log(`  … and ${result.rejectedCount - shown.length} more`);
}
