/**
 * CSV for spreadsheets: RFC 4180 quoting, a UTF-8 byte order mark (so Excel reads accents), and
 * formula injection defused: a cell starting with = + - @ (or a tab or carriage return, which
 * Excel skips before looking) gets a leading ' so it is shown as text, never run.
 */
export type Cell = string | number | boolean | Date | undefined | null;

export function csvCell(value: Cell): string {
  let s = value instanceof Date ? value.toISOString() : value === undefined || value === null ? '' : String(value);
  // A number cannot be a formula: -3 stays a number.
  if (typeof value !== 'number' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return `\uFEFF${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
