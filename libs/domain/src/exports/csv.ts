/** A table of the SDTM export: its columns in order, and rows keyed by column. */
export interface ExportTable {
  columns: string[];
  rows: Array<Record<string, string | number | null>>;
}

/**
 * The table as RFC 4180 CSV: a header row of the columns, then one record per row, CRLF between
 * records. A field with a comma, a double quote, CR or LF is quoted, its quotes doubled; null is an
 * empty field.
 */
export function toCsv(table: ExportTable): string {
  const records = [table.columns, ...table.rows.map((row) => table.columns.map((column) => row[column] ?? null))];
  return records.map((fields) => fields.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
