import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The outcomes' read model of one patient (ADR 0021): what the trial's outcomes need of its log, folded
 * up to entry `seq`, and the facts computed from it as of its last clinical time. Derived, never the
 * record: it can be deleted at any time and is rebuilt from the log; a row behind the patient's log
 * (`seq` below the patient's `last_seq`), of other rules (`rules_key`) or of another cohort is folded
 * again before it is used.
 */
@Entity('outcome_facts')
@Index('ix_outcome_facts_protocol', ['protocolId'])
export class OutcomeFactsEntity {
  @PrimaryColumn({ name: 'patient_id', type: 'varchar', length: 36 })
  patientId!: string;

  @Column({ name: 'protocol_id', type: 'varchar', length: 60 })
  protocolId!: string;

  /** The last log entry folded in. */
  @Column({ type: 'integer' })
  seq!: number;

  /** The trial rules and the reading they were computed by (a hash): other rules, and the row is folded again from the start. */
  @Column({ name: 'rules_key', type: 'varchar', length: 64 })
  rulesKey!: string;

  @Column({ type: 'varchar', length: 60, nullable: true })
  cohort!: string | null;

  /** The latest clinical time (`occurredAt`) of the entries folded in: the facts hold as of any later date. Null: none to read. */
  @Column({ type: 'varchar', length: 40, nullable: true })
  through!: string | null;

  /** JSON: the fold (the entries the outcomes read, the last contact, the screening's issues). */
  @Column({ type: 'text' })
  fold!: string;

  /** JSON: the patient's reading as of `through` (`PatientReading`), with the product path as other sites see it. */
  @Column({ type: 'text' })
  reading!: string;
}
