import Database from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { SqliteDialect } from './sqlite';

describe('SqliteDialect', () => {
  const dialect = new SqliteDialect({} as DataSource);

  it('measures text in UTF-8 bytes, as Buffer.byteLength does, not in characters', () => {
    const db = new Database(':memory:');
    try {
      for (const text of ['', 'CR', 'copies/µg gDNA', '10⁹/L, grade ≥ 3 🧬']) {
        expect(db.prepare(`SELECT ${dialect.byteLength('?')} AS n`).get(text)).toEqual({ n: Buffer.byteLength(text) });
      }
    } finally {
      db.close();
    }
    // OCTET_LENGTH needs SQLite 3.43 (2023): the expression runs on the older libraries a build may link.
    expect(dialect.byteLength('f.reading')).not.toMatch(/OCTET_LENGTH/i);
  });
});
