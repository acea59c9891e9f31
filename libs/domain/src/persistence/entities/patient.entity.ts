import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The patient's workflow row: the persisted machine snapshot under optimistic concurrency. */
@Entity('patients')
@Index('ux_patients_protocol_subject', ['protocolId', 'subjectId'], { unique: true })
@Index('ix_patients_site_subject', ['siteId', 'subjectId'])
export class PatientEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'subject_id', type: 'varchar', length: 60 })
  subjectId!: string;

  @Index('ix_patients_site')
  @Column({ name: 'site_id', type: 'varchar', length: 60 })
  siteId!: string;

  @Column({ name: 'protocol_id', type: 'varchar', length: 60 })
  protocolId!: string;

  @Column({ name: 'protocol_version', type: 'integer' })
  protocolVersion!: number;

  /** The cohort on trials that have them; null otherwise. */
  @Column({ type: 'varchar', length: 20, nullable: true })
  cohort!: string | null;

  /** The state a site names the patient by (`screening`, `dltWindow`, `withdrawn` …), for filtering. */
  @Column({ type: 'varchar', length: 60 })
  state!: string;

  /** `active` while the machine runs, `offStudy` once it reached a final state. */
  @Column({ type: 'varchar', length: 20 })
  status!: 'active' | 'offStudy';

  @Column({ type: 'simple-json' })
  snapshot!: Record<string, unknown>;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'last_seq', type: 'integer' })
  lastSeq!: number;

  @Column({ name: 'last_hash', type: 'varchar', length: 64 })
  lastHash!: string;

  @Column({ type: 'varchar', length: 30, nullable: true })
  day0!: string | null;

  @Column({ name: 'dose_level', type: 'integer', nullable: true })
  doseLevel!: number | null;

  @Column({ name: 'registered_at', type: 'varchar', length: 30 })
  registeredAt!: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt!: string;
}
