import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The first answer given for an `Idempotency-Key` on a patient, replayed for the same body. */
@Entity('idempotency_keys')
export class IdempotencyKeyEntity {
  @PrimaryColumn({ name: 'patient_id', type: 'varchar', length: 36 })
  patientId!: string;

  @PrimaryColumn({ type: 'varchar', length: 200 })
  key!: string;

  @Column({ name: 'request_hash', type: 'varchar', length: 64 })
  requestHash!: string;

  @Column({ type: 'simple-json' })
  response!: Record<string, unknown>;

  @Column({ type: 'integer' })
  seq!: number;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt!: string;
}
