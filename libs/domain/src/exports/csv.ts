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
  return csvRecord(table.columns) + table.rows.map((row) => csvRow(table.columns, row)).join('');
}

/** One row of a table as a CSV record, its fields in the order of `columns`, ended by CRLF. */
export function csvRow(columns: readonly string[], row: ExportTable['rows'][number]): string {
  return csvRecord(columns.map((column) => row[column] ?? null));
}

/** One CSV record (a header, or a row's fields), ended by CRLF. */
export function csvRecord(fields: ReadonlyArray<string | number | null>): string {
  return fields.map(csvField).join(',') + '\r\n';
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
