import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One line of the access audit: who read or exported which patient, who changed a user, a token,
 * a webhook or a signing password. Append-only: nothing in the service updates or deletes a row,
 * and the database refuses it (migration 1764500100000).
 */
@Entity('access_audit')
export class AccessRecordEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 30 })
  at!: string;

  /** `user:<id>` or `system:<what>`. */
  @Column({ type: 'varchar', length: 60 })
  actor!: string;

  @Column({ name: 'actor_name', type: 'varchar', length: 200 })
  actorName!: string;

  @Column({ name: 'actor_role', type: 'varchar', length: 20 })
  actorRole!: string;

  /** The caller's address as the API resolved it (X-Forwarded-For only from a trusted proxy); null for the service itself. */
  @Column({ type: 'varchar', length: 60, nullable: true })
  address!: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 100, nullable: true })
  requestId!: string | null;

  @Column({ type: 'varchar', length: 40 })
  action!: string;

  /** The patient read, exported or signed for; one row per patient when a request touched several. */
  @Column({ name: 'patient_id', type: 'varchar', length: 36, nullable: true })
  patientId!: string | null;

  /** What else the action was about: a user id, a webhook id, a protocol version, a delivery id. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  subject!: string | null;

  @Column({ type: 'simple-json', nullable: true })
  details!: Record<string, unknown> | null;
}
