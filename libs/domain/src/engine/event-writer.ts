import { Injectable } from '@nestjs/common';
import { type EntityManager, In } from 'typeorm';
import { IdempotencyKeyEntity, OutboxEntity, PatientEntity, PatientEventEntity, TimerEntity } from '../persistence/entities';
import { insertRows } from '../persistence/insert-rows';
import { TransactionRunner } from '../persistence/transaction-runner';

/** Everything one applied event writes, computed before anything is written. */
export interface EventWrite {
  /** The version read under the row lock; the update applies only if it is still current. */
  expectedVersion: number;
  /** The patient row as it is after the event. */
  patient: PatientEntity;
  entry: PatientEventEntity;
  timers: TimerEntity[];
  outbox: OutboxEntity[];
  /** Pending timers to cancel: by the machine's send id, or all of them (the patient left the study). */
  cancel: string[] | 'all';
  idempotencyKey?: IdempotencyKeyEntity;
}

export interface WriteOutcome {
  /** False when the version had moved on: nothing was written. */
  written: boolean;
  cancelledTimerIds: string[];
}

/** The pg client under a TypeORM transaction (PostgresQueryRunner.connect() answers it). */
interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * The engine's two statements per event on PostgreSQL: the patient row read `FOR UPDATE`, then one
 * statement that writes everything else (data-modifying CTEs: the row's conditional update, the log
 * entry, cancelled and new timers, outbox rows, the idempotency key) – one round trip where there
 * were up to seven, as named prepared statements, parsed and planned once per connection. Every
 * insert joins the row's update, so a version that moved on writes nothing at all.
 *
 * On SQLite (one connection, one writer, no round trips to save) the same writes are TypeORM
 * statements in sequence.
 */
@Injectable()
export class EventWriter {
  /** The patient and timer rows' columns as TypeORM maps them, read once from the entities' metadata. */
  private patientColumns?: EntityColumns<PatientEntity>;
  private timerColumns?: EntityColumns<TimerEntity>;

  constructor(private readonly tx: TransactionRunner) {}

  /**
   * The patient row, locked `FOR UPDATE` inside a transaction (`manager`); without one (PostgreSQL
   * only), read unlocked from the pool for a version-checked write that follows.
   */
  async lockPatient(manager: EntityManager | undefined, patientId: string): Promise<PatientEntity | null> {
    if (!this.tx.isPostgres) return this.inTransaction(manager).findOne(PatientEntity, { where: { id: patientId } });
    const columns = (this.patientColumns ??= entityColumns(this.tx.manager, PatientEntity));
    const { rows } = await (await this.pgClient(manager)).query({
      name: manager ? 'cart_lock_patient' : 'cart_read_patient',
      text: `SELECT ${columns.select} FROM patients WHERE id = $1${manager ? ' FOR UPDATE' : ''}`,
      values: [patientId],
    });
    return rows.length ? columns.toEntity(rows[0]) : null;
  }

  /** A timer row inside the transaction (on PostgreSQL a prepared statement). */
  async readTimer(manager: EntityManager, timerId: string): Promise<TimerEntity | null> {
    if (!this.tx.isPostgres) return manager.findOneBy(TimerEntity, { id: timerId });
    const columns = (this.timerColumns ??= entityColumns(this.tx.manager, TimerEntity));
    const { rows } = await (await this.pgClient(manager)).query({
      name: 'cart_read_timer',
      text: `SELECT ${columns.select} FROM timers WHERE id = $1`,
      values: [timerId],
    });
    return rows.length ? columns.toEntity(rows[0]) : null;
  }

  /** Marks a timer fired or skipped inside the transaction (on PostgreSQL a prepared statement). */
  async settleTimer(manager: EntityManager, timerId: string, settled: Pick<TimerEntity, 'status' | 'settledSeq' | 'settledAt'>): Promise<void> {
    if (!this.tx.isPostgres) {
      await manager.update(TimerEntity, { id: timerId }, settled);
      return;
    }
    await (await this.pgClient(manager)).query({
      name: 'cart_settle_timer',
      text: 'UPDATE timers SET status = $2, settled_seq = $3, settled_at = $4 WHERE id = $1',
      values: [timerId, settled.status, settled.settledSeq, settled.settledAt],
    });
  }

  /** Writes the event; without `manager` (PostgreSQL only) as one statement outside any transaction. */
  async write(manager: EntityManager | undefined, w: EventWrite): Promise<WriteOutcome> {
    return this.tx.isPostgres ? this.writePostgres(manager, w) : this.writeInSequence(this.inTransaction(manager), w);
  }

  private inTransaction(manager: EntityManager | undefined): EntityManager {
    if (!manager) throw new Error('On SQLite the EventWriter runs inside a transaction');
    return manager;
  }

  /** The transaction's pg client, or the pool (which checks a client out per statement). */
  private async pgClient(manager: EntityManager | undefined): Promise<PgClient> {
    if (!manager) return this.tx.pgPool as PgClient;
    if (!manager.queryRunner) throw new Error('EventWriter runs inside a transaction');
    return (await manager.queryRunner.connect()) as PgClient;
  }

  private async writePostgres(manager: EntityManager | undefined, w: EventWrite): Promise<WriteOutcome> {
    const { patient: p, entry: e } = w;
    const values: unknown[] = [
      p.id, w.expectedVersion, p.state, p.status, JSON.stringify(p.snapshot), p.version, p.lastSeq, p.lastHash, p.day0, p.doseLevel, p.updatedAt,
      e.type, JSON.stringify(e.data), e.actor, e.actorName, e.reason, e.occurredAt, e.recordedAt, e.idempotencyKey,
      e.signature === null ? null : JSON.stringify(e.signature), e.prevHash, e.sealVersion,
    ];
    const param = (value: unknown) => `$${values.push(value)}`;
    const parts: string[] = [];
    let name = 'cart_write_event';
    if (w.cancel === 'all' || w.cancel.length) {
      const which = w.cancel === 'all' ? '' : ` AND send_id = ANY(${param(w.cancel)}::text[])`;
      name += w.cancel === 'all' ? '_ca' : '_c';
      parts.push(`cancelled AS (
        UPDATE timers SET status = 'cancelled', settled_seq = $7, settled_at = $18
         WHERE patient_id = $1 AND status = 'pending'${which} AND EXISTS (SELECT 1 FROM updated) RETURNING id)`);
    }
    if (w.timers.length) {
      name += '_t';
      const t = w.timers;
      parts.push(`new_timers AS (
        INSERT INTO timers (id, patient_id, send_id, event_type, event_data, due_at, status, created_seq, settled_seq, settled_at)
        SELECT t.id, $1, t.send_id, t.event_type, t.event_data, t.due_at, 'pending', $7, NULL, NULL
          FROM updated, unnest(${param(t.map((x) => x.id))}::text[], ${param(t.map((x) => x.sendId))}::text[], ${param(t.map((x) => x.eventType))}::text[],
                               ${param(t.map((x) => JSON.stringify(x.eventData)))}::text[], ${param(t.map((x) => x.dueAt))}::text[])
               AS t(id, send_id, event_type, event_data, due_at))`);
    }
    if (w.outbox.length) {
      name += '_o';
      const o = w.outbox;
      parts.push(`new_outbox AS (
        INSERT INTO outbox (id, patient_id, seq, kind, payload, status, attempts, created_at, delivered_at)
        SELECT o.id, $1, $7, o.kind, o.payload, 'pending', 0, $18, NULL
          FROM updated, unnest(${param(o.map((x) => x.id))}::text[], ${param(o.map((x) => x.kind))}::text[], ${param(o.map((x) => JSON.stringify(x.payload)))}::text[])
               AS o(id, kind, payload))`);
    }
    if (w.idempotencyKey) {
      name += '_k';
      const k = w.idempotencyKey;
      parts.push(`new_key AS (
        INSERT INTO idempotency_keys (patient_id, key, request_hash, response, seq, created_at)
        SELECT $1, ${param(k.key)}, ${param(k.requestHash)}, ${param(JSON.stringify(k.response))}, $7, $18 FROM updated)`);
    }
    const { rows } = await (await this.pgClient(manager)).query({
      name,
      text: `WITH updated AS (
          UPDATE patients SET state = $3, status = $4, snapshot = $5, version = $6, last_seq = $7, last_hash = $8, day0 = $9, dose_level = $10,
                 updated_at = $11
           WHERE id = $1 AND version = $2 RETURNING id),
        logged AS (
          INSERT INTO patient_events (patient_id, seq, type, data, actor, actor_name, reason, occurred_at, recorded_at, idempotency_key, signature,
                                      prev_hash, hash, seal_version)
          SELECT $1, $7, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $8, $22 FROM updated)${parts.map((part) => `,\n        ${part}`).join('')}
        SELECT (SELECT count(*) FROM updated)::int AS written,
               ${parts.some((part) => part.startsWith('cancelled')) ? 'ARRAY(SELECT id FROM cancelled)' : `'{}'::text[]`} AS cancelled`,
      values,
    });
    return { written: rows[0].written === 1, cancelledTimerIds: rows[0].cancelled as string[] };
  }

  private async writeInSequence(manager: EntityManager, w: EventWrite): Promise<WriteOutcome> {
    const p = w.patient;
    const { affected } = await manager.update(
      PatientEntity,
      { id: p.id, version: w.expectedVersion },
      {
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
    if (affected !== 1) return { written: false, cancelledTimerIds: [] };
    await insertRows(manager, PatientEventEntity, w.entry);
    let cancelledTimerIds: string[] = [];
    if (w.cancel === 'all' || w.cancel.length) {
      const where = { patientId: p.id, status: 'pending' as const, ...(w.cancel === 'all' ? {} : { sendId: In(w.cancel) }) };
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
}

interface EntityColumns<T> {
  select: string;
  toEntity(row: Record<string, unknown>): T;
}

/** An entity's columns (database name, property, JSON or not), so a raw read maps rows as TypeORM would. */
function entityColumns<T>(manager: EntityManager, entity: new () => T): EntityColumns<T> {
  const columns = manager.connection.getMetadata(entity).columns.map((c) => ({
    column: c.databaseName,
    property: c.propertyName,
    json: c.type === 'simple-json',
  }));
  return {
    select: columns.map((c) => `"${c.column}"`).join(', '),
    toEntity(row: Record<string, unknown>): T {
      const entity: Record<string, unknown> = {};
      for (const c of columns) entity[c.property] = c.json && row[c.column] !== null ? JSON.parse(row[c.column] as string) : row[c.column];
      return entity as unknown as T;
    },
  };
}
