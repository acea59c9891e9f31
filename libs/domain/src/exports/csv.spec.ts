import { toCsv } from './csv';

const table = (rows: Array<Record<string, string | number | null>>, columns = ['A', 'B']) => ({ columns, rows });

describe('toCsv (RFC 4180)', () => {
  it('writes a header row of the columns, then the rows in column order, CRLF-terminated', () => {
    expect(toCsv(table([{ B: 2, A: 'x' }]))).toBe('A,B\r\nx,2\r\n');
  });

  it('writes null and a missing column as an empty field', () => {
    expect(toCsv(table([{ A: null }], ['A', 'B']))).toBe('A,B\r\n,\r\n');
  });

  it('quotes a field with a comma', () => {
    expect(toCsv(table([{ A: 'Fever, grade 1', B: 1 }]))).toBe('A,B\r\n"Fever, grade 1",1\r\n');
  });

  it('quotes a field with a double quote and doubles the quote', () => {
    expect(toCsv(table([{ A: 'the "worst" domain', B: '"' }]))).toBe('A,B\r\n"the ""worst"" domain",""""\r\n');
  });

  it('quotes a field with a line break (LF, CR or CRLF) and keeps the break', () => {
    expect(toCsv(table([{ A: 'line 1\nline 2', B: 'a\r\nb' }]))).toBe('A,B\r\n"line 1\nline 2","a\r\nb"\r\n');
    expect(toCsv(table([{ A: 'cr\r', B: 'ok' }]))).toBe('A,B\r\n"cr\r",ok\r\n');
  });

  it('leaves other punctuation, spaces and non-ASCII text unquoted', () => {
    expect(toCsv(table([{ A: ' 5–10 ×10⁶/kg; µg ', B: 0.004 }]))).toBe('A,B\r\n 5–10 ×10⁶/kg; µg ,0.004\r\n');
  });

  it('writes only the header for an empty table', () => {
    expect(toCsv(table([]))).toBe('A,B\r\n');
  });
});
