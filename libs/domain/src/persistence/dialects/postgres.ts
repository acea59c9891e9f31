import type { DataSource, EntityManager } from 'typeorm';
import { PatientEntity, TimerEntity } from '../entities';
import { type EventStatements, type EventWrite, LOCK_FREE, RowBusyError, type Scope, type SettledTimer, type WriteOutcome } from '../event-statements';
import type { Dialect } from './dialect';
import { eventWriteStatement, type PgClient } from './postgres-event-statement';

/**
 * PostgreSQL: transactions side by side on a pool, rows read before their update locked
 * `FOR UPDATE`. The engine's statements are named prepared statements, parsed and planned once per
 * connection, and an event may be written lock-free as one version-checked statement (ADR 0001).
 */
export class PostgresDialect implements Dialect {
  readonly name = 'postgres' as const;
  readonly rowLock = { mode: 'pessimistic_write' } as const;
  readonly lockFreeWrites = true;
  readonly byteOrder = 'COLLATE "C"' as const;
  readonly events: EventStatements;

  constructor(private readonly dataSource: DataSource) {
    this.events = new PostgresEventStatements(dataSource);
  }

  byteLength(expression: string): string {
    return `OCTET_LENGTH(${expression})`;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  standalone<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return work(this.dataSource.manager);
  }

  /**
   * A session advisory lock keeps two processes from reading at once (taken before the snapshot, so
   * the snapshot is never older than the last one's), and a repeatable-read transaction gives the
   * snapshot without blocking any writer.
   */
  async readSnapshot<T>(lockKey: number, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [lockKey]);
      try {
        await runner.startTransaction('REPEATABLE READ');
        try {
          const result = await work(runner.manager);
          await runner.commitTransaction();
          return result;
        } catch (error) {
          await runner.rollbackTransaction();
          throw error;
        }
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [lockKey]);
      }
    } finally {
      await runner.release();
    }
  }

  isUniqueViolation(error: unknown): boolean {
    const e = error as { code?: string; driverError?: { code?: string } } | undefined;
    return (e?.driverError?.code ?? e?.code) === '23505';
  }
}

/**
 * The engine's two statements per event: the patient row read (`FOR UPDATE` in a transaction), then
 * one statement that writes everything else (`postgres-event-statement.ts`).
 */
class PostgresEventStatements implements EventStatements {
  /** The patient and timer rows' columns as TypeORM maps them, read from the entities' metadata at first use. */
  private patientColumnsRead?: EntityColumns<PatientEntity>;
  private timerColumnsRead?: EntityColumns<TimerEntity>;

  constructor(private readonly dataSource: DataSource) {}

  private get patientColumns(): EntityColumns<PatientEntity> {
    return (this.patientColumnsRead ??= entityColumns(this.dataSource, PatientEntity));
  }

  private get timerColumns(): EntityColumns<TimerEntity> {
    return (this.timerColumnsRead ??= entityColumns(this.dataSource, TimerEntity));
  }

  async readPatient(scope: Scope, patientId: string): Promise<PatientEntity | null> {
    const locked = scope !== LOCK_FREE;
    const { rows } = await (
      await this.client(scope)
    ).query({
      name: locked ? 'cart_lock_patient' : 'cart_read_patient',
      text: `SELECT ${this.patientColumns.select} FROM patients WHERE id = $1${locked ? ' FOR UPDATE' : ''}`,
      values: [patientId],
    });
    return rows.length ? this.patientColumns.toEntity(rows[0]) : null;
  }

  async readTimer(manager: EntityManager, timerId: string): Promise<TimerEntity | null> {
    const { rows } = await (
      await this.client(manager)
    ).query({
      name: 'cart_read_timer',
      text: `SELECT ${this.timerColumns.select} FROM timers WHERE id = $1`,
      values: [timerId],
    });
    return rows.length ? this.timerColumns.toEntity(rows[0]) : null;
  }

  async lockForTimer(manager: EntityManager, patientId: string, timerId: string): Promise<{ patient: PatientEntity | null; timer: TimerEntity | null }> {
    const { rows } = await (
      await this.client(manager)
    )
      .query({
        name: 'cart_lock_patient_for_timer',
        // Both rows locked: under READ COMMITTED a row only joined, not locked, is read as of the
        // statement's start, so a firing committed between that start and the patient's lock would
        // show the timer still pending beside the patient row it moved (and fire it again).
        text: `SELECT ${this.patientColumns.selectFrom('p', 'p_')}, ${this.timerColumns.selectFrom('t', 't_')}
                 FROM patients p JOIN timers t ON t.id = $2 AND t.patient_id = p.id WHERE p.id = $1 FOR UPDATE OF p, t NOWAIT`,
        values: [patientId, timerId],
      })
      .catch((error: { code?: string }) => {
        // lock_not_available: another transaction holds the row.
        throw error.code === '55P03' ? new RowBusyError(patientId) : error;
      });
    // No such timer of this patient: nothing to fire (the engine answers stale).
    if (!rows.length) return { patient: null, timer: null };
    return { patient: this.patientColumns.toEntity(rows[0], 'p_'), timer: this.timerColumns.toEntity(rows[0], 't_') };
  }

  async settleTimer(manager: EntityManager, timerId: string, settled: SettledTimer): Promise<void> {
    await (
      await this.client(manager)
    ).query({
      name: 'cart_settle_timer',
      text: 'UPDATE timers SET status = $2, settled_seq = $3, settled_at = $4 WHERE id = $1',
      values: [timerId, settled.status, settled.settledSeq, settled.settledAt],
    });
  }

  async write(scope: Scope, write: EventWrite): Promise<WriteOutcome> {
    const { rows } = await (await this.client(scope)).query(eventWriteStatement(write));
    return { written: rows[0].written === 1, cancelledTimerIds: rows[0].cancelled as string[] };
  }

  /** The transaction's pg client, or lock-free the pool (which checks a client out per statement). */
  private async client(scope: Scope): Promise<PgClient> {
    if (scope === LOCK_FREE) return (this.dataSource.driver as unknown as { master: PgClient }).master;
    if (!scope.queryRunner) throw new Error('A transaction has a query runner');
    return (await scope.queryRunner.connect()) as PgClient;
  }
}

interface EntityColumns<T> {
  select: string;
  /** The columns of table `alias`, each named with `prefix` (two tables in one read). */
  selectFrom(alias: string, prefix: string): string;
  toEntity(row: Record<string, unknown>, prefix?: string): T;
}

/** An entity's columns (database name, property, JSON or not), so a raw read maps rows as TypeORM would. */
function entityColumns<T>(dataSource: DataSource, entity: new () => T): EntityColumns<T> {
  const columns = dataSource.getMetadata(entity).columns.map((c) => ({
    column: c.databaseName,
    property: c.propertyName,
    json: c.type === 'simple-json',
  }));
  return {
    select: columns.map((c) => `"${c.column}"`).join(', '),
    selectFrom: (alias, prefix) => columns.map((c) => `${alias}."${c.column}" AS "${prefix}${c.column}"`).join(', '),
    toEntity(row: Record<string, unknown>, prefix = ''): T {
      const entity: Record<string, unknown> = {};
      for (const c of columns) {
        const value = row[prefix + c.column];
        entity[c.property] = c.json && value !== null ? JSON.parse(value as string) : value;
      }
      return entity as unknown as T;
    },
  };
}
