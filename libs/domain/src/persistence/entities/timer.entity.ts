import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type TimerStatus = 'pending' | 'fired' | 'cancelled' | 'skipped';

/**
 * A delayed event a machine asked for (`xstate.raise` with a delay), made durable. The database row
 * is the truth; a BullMQ job with `jobId` = `timer-<id>` only wakes the worker up.
 */
@Entity('timers')
@Index('ix_timers_status_due', ['status', 'dueAt'])
@Index('ix_timers_patient_status', ['patientId', 'status'])
export class TimerEntity {
  /** `<patientId>.<seq that scheduled it>.<sendId>`: deterministic, so a replay cannot double it. */
  @PrimaryColumn({ type: 'varchar', length: 200 })
  id!: string;

  @Column({ name: 'patient_id', type: 'varchar', length: 36 })
  patientId!: string;

  /** The machine's delayed-event id (`dlt-window`, `visit-missed.D28`), what a cancel names. */
  @Column({ name: 'send_id', type: 'varchar', length: 100 })
  sendId!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 40 })
  eventType!: string;

  @Column({ name: 'event_data', type: 'simple-json' })
  eventData!: Record<string, unknown>;

  /** Clinical time at which the event falls due (the scheduling event's `occurredAt` + delay). */
  @Column({ name: 'due_at', type: 'varchar', length: 30 })
  dueAt!: string;

  @Column({ type: 'varchar', length: 12 })
  status!: TimerStatus;

  @Column({ name: 'created_seq', type: 'integer' })
  createdSeq!: number;

  /** The seq of the event that fired or cancelled it. */
  @Column({ name: 'settled_seq', type: 'integer', nullable: true })
  settledSeq!: number | null;

  @Column({ name: 'settled_at', type: 'varchar', length: 30, nullable: true })
  settledAt!: string | null;
}
