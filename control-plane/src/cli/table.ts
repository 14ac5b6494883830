/** Aligned plain-text tables and key/value blocks: readable in a terminal, stable enough to grep. */

export type Cell = string | number | boolean | null | undefined;

function text(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-';
  return String(value);
}

export function table(headers: string[], rows: Cell[][]): string {
  const cells = rows.map((r) => r.map(text));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...cells.map(line)].join('\n');
}

export function keyValues(pairs: [string, Cell][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${`${k}:`.padEnd(width + 1)}  ${text(v)}`).join('\n');
}
