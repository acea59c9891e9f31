import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One occurrence in one user's in-app inbox. The key makes a second delivery of the occurrence a no-op. */
@Entity('notifications')
@Index('ix_notifications_user_read', ['userId', 'readAt'])
export class NotificationEntity {
  /** `<outboxId>.<userId>`. */
  @PrimaryColumn({ type: 'varchar', length: 150 })
  id!: string;

  @Column({ name: 'outbox_id', type: 'varchar', length: 100 })
  outboxId!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;

  /** The patient the notice is about; null for a notice to the whole trial, which names none. */
  @Column({ name: 'patient_id', type: 'varchar', length: 36, nullable: true })
  patientId!: string | null;

  @Column({ type: 'varchar', length: 40 })
  kind!: string;

  @Column({ type: 'text' })
  message!: string;

  @Column({ type: 'simple-json' })
  payload!: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt!: string;

  @Column({ name: 'read_at', type: 'varchar', length: 30, nullable: true })
  readAt!: string | null;

  /** When the notice was emailed (at once, or in a digest); null: not emailed. */
  @Column({ name: 'emailed_at', type: 'varchar', length: 30, nullable: true })
  emailedAt!: string | null;
}
