import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { IdempotencyKeyEntity, PatientEntity, PatientEventEntity, TimerEntity } from './entities';
import type { EventWrite, Scope, SettledTimer, WriteOutcome } from './event-statements';
import { TransactionRunner } from './transaction-runner';

export { type EventWrite, LOCK_FREE, RowBusyError, type Scope, type WriteOutcome } from './event-statements';

/**
 * The one write path of the patients' logs: a registration and every event, posted or fired by a
 * timer, are written here, as the database's dialect writes them (`dialects/`), with the reads the
 * engine makes around them.
 */
@Injectable()
export class EventWriter {
  constructor(private readonly tx: TransactionRunner) {}

  /** Whether an event may be tried without a transaction first (ADR 0001). */
  get lockFreeWrites(): boolean {
    return this.tx.dialect.lockFreeWrites;
  }

  /** The patient row: locked `FOR UPDATE` inside a transaction; lock-free (PostgreSQL only), read unlocked from the pool. */
  readPatient(scope: Scope, patientId: string): Promise<PatientEntity | null> {
    return this.tx.dialect.events.readPatient(scope, patientId);
  }

  /** The version the row has now (after a write found it moved on). */
  async currentVersion(manager: EntityManager, patientId: string): Promise<number | undefined> {
    return (await manager.findOne(PatientEntity, { where: { id: patientId }, select: { version: true } }))?.version;
  }

  subjectTaken(manager: EntityManager, protocolId: string, subjectId: string): Promise<boolean> {
    return manager.existsBy(PatientEntity, { protocolId, subjectId });
  }

  /** The answer kept with an idempotency key, when the key was used before on this patient. */
  earlierRequest(manager: EntityManager, patientId: string, key: string): Promise<IdempotencyKeyEntity | null> {
    return manager.findOneBy(IdempotencyKeyEntity, { patientId, key });
  }

  readTimer(manager: EntityManager, timerId: string): Promise<TimerEntity | null> {
    return this.tx.dialect.events.readTimer(manager, timerId);
  }

  /**
   * A timer and its patient's row, the row locked without waiting: PostgreSQL fails with RowBusyError
   * while another transaction holds it (SQLite has one writer and never waits on a row).
   */
  lockForTimer(manager: EntityManager, patientId: string, timerId: string): Promise<{ patient: PatientEntity | null; timer: TimerEntity | null }> {
    return this.tx.dialect.events.lockForTimer(manager, patientId, timerId);
  }

  /** The patient's timers a migration reads: those pending, and the send ids of those already fired or skipped (never raised again). */
  async timersOf(manager: EntityManager, patientId: string): Promise<{ pending: TimerEntity[]; settled: string[] }> {
    const rows = await manager.find(TimerEntity, { where: { patientId }, order: { createdSeq: 'ASC' } });
    return {
      pending: rows.filter((t) => t.status === 'pending'),
      settled: [...new Set(rows.filter((t) => t.status === 'fired' || t.status === 'skipped').map((t) => t.sendId))],
    };
  }

  /** The log entries of the given types, oldest first (a patient's migrations). */
  entriesOf(manager: EntityManager, patientId: string, type: string): Promise<PatientEventEntity[]> {
    return manager.find(PatientEventEntity, { where: { patientId, type }, order: { seq: 'ASC' } });
  }

  /** Marks a timer fired or skipped inside the event's transaction. */
  settleTimer(manager: EntityManager, timerId: string, settled: SettledTimer): Promise<void> {
    return this.tx.dialect.events.settleTimer(manager, timerId, settled);
  }

  /** Writes the event (a registration: `expectedVersion` null); lock-free (PostgreSQL only) as one statement outside any transaction. */
  write(scope: Scope, write: EventWrite): Promise<WriteOutcome> {
    return this.tx.dialect.events.write(scope, write);
  }

  /** Whether `error` is the database refusing a duplicate (a subject registered twice at once). */
  isDuplicate(error: unknown): boolean {
    return this.tx.dialect.isUniqueViolation(error);
  }
}
