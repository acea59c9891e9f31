import { Mutex } from 'async-mutex';
import { type DataSource, type EntityManager, In } from 'typeorm';
import { IdempotencyKeyEntity, OutboxEntity, PatientEntity, PatientEventEntity, TimerEntity } from '../entities';
import { type EventStatements, type EventWrite, LOCK_FREE, type Scope, type SettledTimer, type WriteOutcome } from '../event-statements';
import { insertRows } from '../insert-rows';
import type { Dialect } from './dialect';

/**
 * The embedded SQLite file (better-sqlite3): one connection and one writer. Every transaction, and
 * every write outside one, waits its turn on an in-process mutex, so a read-then-update never
 * interleaves with another and no row lock is needed. One process only.
 */
export class SqliteDialect implements Dialect {
  readonly name = 'sqlite' as const;
  readonly rowLock = undefined;
  readonly lockFreeWrites = false;
  readonly byteOrder = 'COLLATE BINARY' as const;
  readonly events: EventStatements = new SqliteEventStatements();
  private readonly writer = new Mutex();

  constructor(private readonly dataSource: DataSource) {}

  /** The text's UTF-8 as a blob: OCTET_LENGTH came only with SQLite 3.43 (2023), and LENGTH of text counts characters. */
  byteLength(expression: string): string {
    return `LENGTH(CAST(${expression} AS BLOB))`;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.writer.runExclusive(() => this.dataSource.transaction(work));
  }

  standalone<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.transaction(work);
  }

  /** One process, one connection: the reads see one state as they are. */
  readSnapshot<T>(_lockKey: number, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return work(this.dataSource.manager);
  }

  isUniqueViolation(error: unknown): boolean {
    const code = driverCode(error);
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  }
}

/** The event's writes as TypeORM statements in sequence: one writer and no round trips to save. */
class SqliteEventStatements implements EventStatements {
  readPatient(scope: Scope, patientId: string): Promise<PatientEntity | null> {
    return inTransaction(scope).findOne(PatientEntity, { where: { id: patientId } });
  }

  readTimer(manager: EntityManager, timerId: string): Promise<TimerEntity | null> {
    return manager.findOneBy(TimerEntity, { id: timerId });
  }

  /** One writer at a time: the row is never held by another transaction here. */
  async lockForTimer(manager: EntityManager, patientId: string, timerId: string): Promise<{ patient: PatientEntity | null; timer: TimerEntity | null }> {
    return { patient: await this.readPatient(manager, patientId), timer: await this.readTimer(manager, timerId) };
  }

  async settleTimer(manager: EntityManager, timerId: string, settled: SettledTimer): Promise<void> {
    await manager.update(TimerEntity, { id: timerId }, settled);
  }

  async write(scope: Scope, w: EventWrite): Promise<WriteOutcome> {
    const manager = inTransaction(scope);
    // The timer it fires first, and only while pending: a timer settled already writes nothing. (Not
    // written is refused by the engine, which rolls the transaction back, this update with it.)
    if (w.firedTimerId) {
      const { affected } = await manager.update(
        TimerEntity,
        { id: w.firedTimerId, status: 'pending' },
        { status: 'fired', settledSeq: w.entry.seq, settledAt: w.entry.recordedAt },
      );
      if (affected !== 1) return { written: false, cancelledTimerIds: [] };
    }
    if (!(await this.savePatient(manager, w))) return { written: false, cancelledTimerIds: [] };
    await insertRows(manager, PatientEventEntity, w.entry);
    let cancelledTimerIds: string[] = [];
    if (w.cancel === 'all' || w.cancel.length) {
      const where = { patientId: w.patient.id, status: 'pending' as const, ...(w.cancel === 'all' ? {} : { sendId: In(w.cancel) }) };
      cancelledTimerIds = (await manager.find(TimerEntity, { where, select: { id: true } })).map((t) => t.id);
      if (cancelledTimerIds.length) {
        await manager.update(TimerEntity, { id: In(cancelledTimerIds) }, { status: 'cancelled', settledSeq: w.entry.seq, settledAt: w.entry.recordedAt });
      }
    }
    if (w.timers.length) await insertRows(manager, TimerEntity, w.timers);
    if (w.outbox.length) await insertRows(manager, OutboxEntity, w.outbox);
    if (w.idempotencyKey) await insertRows(manager, IdempotencyKeyEntity, w.idempotencyKey);
    return { written: true, cancelledTimerIds };
  }

  /** Inserts a new patient, or updates the row if its version is still the one read; false when it had moved on. */
  private async savePatient(manager: EntityManager, w: EventWrite): Promise<boolean> {
    const p = w.patient;
    if (w.expectedVersion === null) {
      await insertRows(manager, PatientEntity, p);
      return true;
    }
    const { affected } = await manager.update(
      PatientEntity,
      { id: p.id, version: w.expectedVersion },
      {
        protocolVersion: p.protocolVersion,
        state: p.state,
        status: p.status,
        snapshot: p.snapshot as never,
        version: p.version,
        lastSeq: p.lastSeq,
        lastHash: p.lastHash,
        day0: p.day0,
        doseLevel: p.doseLevel,
        updatedAt: p.updatedAt,
      },
    );
    return affected === 1;
  }
}

function inTransaction(scope: Scope): EntityManager {
  if (scope === LOCK_FREE) throw new Error('SQLite writes an event inside a transaction only');
  return scope;
}

/** The driver's error code, on the error or on TypeORM's wrapper of it. */
function driverCode(error: unknown): string | undefined {
  const e = error as { code?: string; driverError?: { code?: string } } | undefined;
  return e?.driverError?.code ?? e?.code;
}
