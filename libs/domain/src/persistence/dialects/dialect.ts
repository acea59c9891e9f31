import type { DataSource, EntityManager } from 'typeorm';
import type { EventStatements } from '../event-statements';
import { PostgresDialect } from './postgres';
import { SqliteDialect } from './sqlite';

/**
 * What differs between PostgreSQL and the embedded SQLite file, asked in one way: code that needs a
 * difference calls the dialect, never `options.type`. Each implementation is one file
 * (`postgres.ts`, `sqlite.ts`; the engine's write statement on PostgreSQL in `postgres-event-statement.ts`).
 */
export interface Dialect {
  readonly name: 'postgres' | 'sqlite';
  /** Runs `work` in one transaction (on SQLite queued behind the process's one writer). */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
  /** Runs writes that belong to no caller's transaction (on SQLite queued like a transaction, so they never land inside another one). */
  standalone<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
  /** Runs reads on one consistent snapshot, one process at a time (on PostgreSQL under an advisory lock `lockKey`). */
  readSnapshot<T>(lockKey: number, work: (manager: EntityManager) => Promise<T>): Promise<T>;
  /** How a row read before its update inside a transaction is locked; SQLite needs no lock (one writer at a time). */
  readonly rowLock: { mode: 'pessimistic_write' } | undefined;
  /** Whether an event may first be tried without a transaction, as one version-checked statement (ADR 0001). */
  readonly lockFreeWrites: boolean;
  /** The collation that orders text byte by byte (as JavaScript compares ASCII), whatever the database's default. */
  readonly byteOrder: 'COLLATE "C"' | 'COLLATE BINARY';
  /** SQL for the length in bytes of a text expression (as `Buffer.byteLength` counts its UTF-8). */
  byteLength(expression: string): string;
  /** Whether `error` is the database refusing a duplicate key. */
  isUniqueViolation(error: unknown): boolean;
  /** The engine's reads and writes of one event. */
  readonly events: EventStatements;
}

/** The dialect of a data source: the one place that asks which database it is. */
export function dialectFor(dataSource: DataSource): Dialect {
  return dataSource.options.type === 'postgres' ? new PostgresDialect(dataSource) : new SqliteDialect(dataSource);
}
