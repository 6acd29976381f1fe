// Output helpers of the CLI: plain aligned tables for people, JSON for scripts.

export type Cell = string | number | boolean | undefined | null;

/** Renders rows as left-aligned columns under an upper-case header; numbers align right. */
export function table(headers: string[], rows: Cell[][]): string {
  const text = rows.map((row) =>
    row.map((cell) => (cell === undefined || cell === null || cell === '' ? '-' : String(cell))),
  );
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...text.map((row) => row[i]?.length ?? 0)),
  );
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number'));
  const line = (cells: string[], header: boolean) =>
    cells
      .map((cell, i) => (!header && numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [
    line(
      headers.map((h) => h.toUpperCase()),
      true,
    ),
    ...text.map((row) => line(row, false)),
  ].join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text: string): void {
  process.stdout.write(`${text}\n`);
}
