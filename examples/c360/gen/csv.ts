/** RFC 4180 CSV text: ',' separated, '"' quoted when needed, '\n' line ends, a header row. */
export type Cell = string | number | null | undefined;

export function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\n\r]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: readonly Cell[]) => cells.map(csvCell).join(',');

/**
 * `rows` are cell arrays in `header` order, or a raw string: a deliberately malformed line
 * written exactly as given.
 */
export function csvText(header: readonly string[], rows: readonly (readonly Cell[] | string)[]): string {
  return `${[header.join(','), ...rows.map((r) => (typeof r === 'string' ? r : csvLine(r)))].join('\n')}\n`;
}
