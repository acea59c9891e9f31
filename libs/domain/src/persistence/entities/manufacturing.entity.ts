import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A manufacturing site (README, "Manufacturing capacity"; ADR 0019): the slots it offers per ISO
 * week, the days from a slot's Monday to the product's expected release, and how many weeks ahead it
 * books. Its row is locked whenever one of its slots is taken or freed, so two enrollments never
 * take the last slot of a week both.
 */
@Entity('manufacturing_sites')
export class ManufacturingSiteEntity {
  @PrimaryColumn({ type: 'varchar', length: 60 })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'slots_per_week', type: 'integer' })
  slotsPerWeek!: number;

  /** Days from the Monday of the slot week to the expected release of the product. */
  @Column({ name: 'release_days', type: 'integer' })
  releaseDays!: number;

  /** How many weeks ahead, the current week included, the site books. */
  @Column({ name: 'horizon_weeks', type: 'integer' })
  horizonWeeks!: number;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt!: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt!: string;
}

/** Which manufacturing site makes product for a trial: one per trial (the protocol id is the key). */
@Entity('manufacturing_site_trials')
export class ManufacturingSiteTrialEntity {
  @PrimaryColumn({ name: 'protocol_id', type: 'varchar', length: 60 })
  protocolId!: string;

  @Index('ix_manufacturing_site_trials_site')
  @Column({ name: 'manufacturing_site_id', type: 'varchar', length: 60 })
  manufacturingSiteId!: string;
}

export const BOOKING_STATUSES = ['booked', 'queued', 'cancelled', 'consumed'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/**
 * A patient's manufacturing slot: `booked` into an ISO week, `queued` (no week; the queue position is
 * derived from `queued_at`), `consumed` once manufacturing started in it, `cancelled` when freed (by
 * a coordinator, a rebooking, or the patient leaving the study). A patient has at most one pending
 * booking, booked or queued (a partial unique index); a product made again books another, and the
 * consumed and cancelled ones stay as history.
 */
@Entity('manufacturing_bookings')
@Index('ix_manufacturing_bookings_site_week', ['manufacturingSiteId', 'week', 'status'])
@Index('ix_manufacturing_bookings_patient', ['patientId'])
export class ManufacturingBookingEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'patient_id', type: 'varchar', length: 36 })
  patientId!: string;

  @Column({ name: 'manufacturing_site_id', type: 'varchar', length: 60 })
  manufacturingSiteId!: string;

  /** `YYYY-Www`; null while queued. */
  @Column({ type: 'varchar', length: 8, nullable: true })
  week!: string | null;

  @Column({ type: 'varchar', length: 12 })
  status!: BookingStatus;

  /** When the patient joined the queue (the queue is served in this order); null for a booking never queued. */
  @Column({ name: 'queued_at', type: 'varchar', length: 30, nullable: true })
  queuedAt!: string | null;

  /** Why a booking was cancelled, in words: who freed it and how. */
  @Column({ name: 'cancel_reason', type: 'text', nullable: true })
  cancelReason!: string | null;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt!: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt!: string;
}
