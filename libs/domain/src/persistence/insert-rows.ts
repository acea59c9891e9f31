import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * The most parameters one statement binds: SQLite's limit (SQLITE_MAX_VARIABLE_NUMBER's default since
 * 3.32; better-sqlite3 bundles a later SQLite), under PostgreSQL's 65,535 (its wire protocol counts
 * them in 16 bits). One bound for both: a statement half PostgreSQL's size costs nothing measurable.
 */
export const MAX_PARAMETERS = 32_766;

/**
 * Inserts whole entities, one or many: multi-row INSERT statements written out here, each holding as
 * many rows as the databases' limit on bound parameters allows (`MAX_PARAMETERS`). Not
 * TypeORM's insert builder: for the hundreds of rows of a worklist's or an export's access records,
 * its escaping of each parameter cost more than the statement itself (about 10 ms of a 200-patient
 * worklist's 90, issue 20). Each value is stored as TypeORM stores it (the driver's own conversion:
 * `simple-json` as JSON text, a transformer applied); a property left undefined is left to the
 * column's default (a generated id, `seal_version`), and rows that leave out different properties go
 * in separate statements. The rows are not given their generated ids back.
 */
export async function insertRows<T extends ObjectLiteral>(manager: EntityManager, target: EntityTarget<T>, rows: T | readonly T[]): Promise<void> {
  const list: readonly T[] = Array.isArray(rows) ? rows : [rows as T];
  if (!list.length) return;
  const { driver } = manager.connection;
  const metadata = manager.connection.getMetadata(target);
  // The rows by the columns they give a value for: one column list per statement.
  const groups = new Map<string, { columns: ColumnMetadata[]; rows: T[] }>();
  for (const row of list) {
    const columns = metadata.columns.filter((c) => c.isInsert && c.getEntityValue(row) !== undefined);
    const key = columns.map((c) => c.databaseName).join(',');
    const group = groups.get(key);
    if (group) group.rows.push(row);
    else groups.set(key, { columns, rows: [row] });
  }
  const table = driver.escape(metadata.tableName);
  for (const { columns, rows: grouped } of groups.values()) {
    if (!columns.length) {
      for (const _ of grouped) await manager.query(`INSERT INTO ${table} DEFAULT VALUES`);
      continue;
    }
    const names = columns.map((c) => driver.escape(c.databaseName)).join(', ');
    const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
    for (let i = 0; i < grouped.length; i += perStatement) {
      const parameters: unknown[] = [];
      const tuples = grouped.slice(i, i + perStatement).map((row) => {
        const placeholders = columns.map((column) => {
          parameters.push(driver.preparePersistentValue(column.getEntityValue(row), column));
          return driver.createParameter(`p${parameters.length}`, parameters.length - 1);
        });
        return `(${placeholders.join(', ')})`;
      });
      await manager.query(`INSERT INTO ${table} (${names}) VALUES ${tuples.join(', ')}`, parameters);
    }
  }
}
