import type { EntityManager } from 'typeorm';
import type { IdempotencyKeyEntity, OutboxEntity, PatientEntity, PatientEventEntity, TimerEntity } from './entities';

/** Reads and writes made without a transaction: one statement each, on PostgreSQL only (ADR 0001). */
export const LOCK_FREE: unique symbol = Symbol('lock-free');

/** Where the engine reads and writes one event: inside a transaction (its manager), or lock-free. */
export type Scope = EntityManager | typeof LOCK_FREE;

/** Everything one event writes (a registration included), computed before anything is written. */
export interface EventWrite {
  /** The version read (under the row lock in a transaction); the row is updated only if it is still current. Null: a new patient, inserted. */
  expectedVersion: number | null;
  /** The patient row as it is after the event. */
  patient: PatientEntity;
  entry: PatientEventEntity;
  timers: TimerEntity[];
  outbox: OutboxEntity[];
  /** Pending timers to cancel: by the machine's send id, or all of them (the patient left the study). */
  cancel: string[] | 'all';
  idempotencyKey?: IdempotencyKeyEntity;
  /** The timer this event fires (read pending under the patient's lock): settled `fired` by the entry, in the same write. */
  firedTimerId?: string;
}

export interface WriteOutcome {
  /** False when the version had moved on: nothing was written. */
  written: boolean;
  cancelledTimerIds: string[];
}

/**
 * The patient row is locked by another transaction and the read was asked not to wait for it
 * (`FOR UPDATE NOWAIT`, PostgreSQL): the caller tries again later rather than hold a connection and a
 * worker slot behind the lock.
 */
export class RowBusyError extends Error {
  constructor(patientId: string) {
    super(`Patient ${patientId} is locked by another transaction`);
  }
}

export type SettledTimer = Pick<TimerEntity, 'status' | 'settledSeq' | 'settledAt'>;

/** The statements of one event as a dialect makes them (`dialects/postgres.ts`, `dialects/sqlite.ts`). */
export interface EventStatements {
  /** The patient row: locked `FOR UPDATE` in a transaction; lock-free, read as it is. */
  readPatient(scope: Scope, patientId: string): Promise<PatientEntity | null>;
  readTimer(manager: EntityManager, timerId: string): Promise<TimerEntity | null>;
  /** A timer and its patient's row, both locked `FOR UPDATE NOWAIT` (RowBusyError when either is held): one read where the dialect can. */
  lockForTimer(manager: EntityManager, patientId: string, timerId: string): Promise<{ patient: PatientEntity | null; timer: TimerEntity | null }>;
  settleTimer(manager: EntityManager, timerId: string, settled: SettledTimer): Promise<void>;
  /** Writes the event: the row (inserted or updated under its version), the log entry, cancelled and new timers, outbox rows, the idempotency key. */
  write(scope: Scope, write: EventWrite): Promise<WriteOutcome>;
}
