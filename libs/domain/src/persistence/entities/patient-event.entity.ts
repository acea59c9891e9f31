import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** What a signed log entry records of its signature (21 CFR Part 11 §11.50). */
export interface ElectronicSignature {
  signerId: string;
  signerName: string;
  signedAt: string;
  meaning: string;
}

/** One entry of a patient's append-only, hash-chained event log. Never updated, never deleted. */
@Entity('patient_events')
// The patients an amendment moved (migration AmendmentEntriesIndex1764930000000).
@Index('ix_patient_events_migrated', ['patientId'], { where: "type = 'PROTOCOL_MIGRATED'" })
export class PatientEventEntity {
  @PrimaryColumn({ name: 'patient_id', type: 'varchar', length: 36 })
  patientId!: string;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ type: 'varchar', length: 40 })
  type!: string;

  @Column({ type: 'simple-json' })
  data!: Record<string, unknown>;

  /** `user:<id>` or `system:scheduler`. */
  @Column({ type: 'varchar', length: 60 })
  actor!: string;

  @Column({ name: 'actor_name', type: 'varchar', length: 200 })
  actorName!: string;

  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ name: 'occurred_at', type: 'varchar', length: 30 })
  occurredAt!: string;

  @Column({ name: 'recorded_at', type: 'varchar', length: 30 })
  recordedAt!: string;

  @Column({ name: 'idempotency_key', type: 'varchar', length: 200, nullable: true })
  idempotencyKey!: string | null;

  /** The electronic signature of a sign-off: signer, name, time and meaning; sealed by the hash. */
  @Column({ type: 'simple-json', nullable: true })
  signature!: ElectronicSignature | null;

  /** How the hash seals the entry (hash-chain.ts, SEAL_VERSIONS): 1 before idempotency keys were sealed, 2 since. */
  @Column({ name: 'seal_version', type: 'integer', default: 1 })
  sealVersion!: number;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64 })
  prevHash!: string;

  @Column({ type: 'varchar', length: 64 })
  hash!: string;
}
