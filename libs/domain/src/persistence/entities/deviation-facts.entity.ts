import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The protocol deviations' read model of one patient (ADR 0024): what the deviations need of its log
 * (the replay's end, the entries the rules read), folded up to entry `seq`, and the deviations no
 * later date changes with the visits still open. Derived, never the record: it can be deleted at any
 * time and is rebuilt from the log; a row behind the patient's log (`seq` below its `last_seq`), of
 * other rules (`rules_key`), of another cohort or protocol version is folded again before it is used.
 */
@Entity('deviation_facts')
@Index('ix_deviation_facts_protocol', ['protocolId'])
export class DeviationFactsEntity {
  @PrimaryColumn({ name: 'patient_id', type: 'varchar', length: 36 })
  patientId!: string;

  @Column({ name: 'protocol_id', type: 'varchar', length: 60 })
  protocolId!: string;

  /** The patient row's protocol version when folded: the replay's start for a registration that names none. */
  @Column({ name: 'protocol_version', type: 'integer' })
  protocolVersion!: number;

  /** The last log entry folded in. */
  @Column({ type: 'integer' })
  seq!: number;

  /** The protocol's versions and the reading they were computed by (a hash): other rules, and the row is folded again from the start. */
  @Column({ name: 'rules_key', type: 'varchar', length: 64 })
  rulesKey!: string;

  @Column({ type: 'varchar', length: 60, nullable: true })
  cohort!: string | null;

  /** JSON: the fold (the replay's end, the entries the deviation rules read, the issues met). */
  @Column({ type: 'text' })
  fold!: string;

  /** JSON: the standing deviations and the data issues (`StoredDeviations`). */
  @Column({ type: 'text' })
  reading!: string;
}
