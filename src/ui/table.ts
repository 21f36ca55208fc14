/** Rows as columns aligned on the widest cell, two spaces apart; the last column is not padded. */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const columns = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) =>
    widths
      .map((width, i) => (i === columns - 1 ? (row[i] ?? '') : (row[i] ?? '').padEnd(width)))
      .join('  ')
      .trimEnd(),
  );
}

/** A table: the headers, then the rows, aligned as alignColumns does. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return alignColumns([headers, ...rows]);
}
