import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export const QUERY_STATUSES = ['open', 'answered', 'closed'] as const;
export type QueryStatus = (typeof QUERY_STATUSES)[number];

/**
 * A data query (README, "Data queries"): a monitor's or an investigator's question on one entry of a
 * patient's log, or one field of it, open until the site answers it (a reply, or a correcting event)
 * and the one who raises queries closes it. The exchange is in `data_query_messages`.
 */
@Entity('data_queries')
@Index('ix_data_queries_site_status', ['siteId', 'status'])
@Index('ix_data_queries_patient', ['patientId'])
export class DataQueryEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'patient_id', type: 'varchar', length: 36 })
  patientId!: string;

  @Column({ name: 'site_id', type: 'varchar', length: 60 })
  siteId!: string;

  @Column({ name: 'subject_id', type: 'varchar', length: 60 })
  subjectId!: string;

  @Column({ name: 'protocol_id', type: 'varchar', length: 60 })
  protocolId!: string;

  /** The log entry the question is about. */
  @Column({ type: 'integer' })
  seq!: number;

  /** The field of the entry's data it is about (`grade`, `crs.temperatureC`); null: the whole entry. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  field!: string | null;

  @Column({ type: 'varchar', length: 10 })
  status!: QueryStatus;

  @Column({ name: 'raised_by', type: 'varchar', length: 60 })
  raisedBy!: string;

  @Column({ name: 'raised_at', type: 'varchar', length: 30 })
  raisedAt!: string;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt!: string;

  @Column({ name: 'closed_at', type: 'varchar', length: 30, nullable: true })
  closedAt!: string | null;
}

export const QUERY_MESSAGE_KINDS = ['question', 'reply', 'correction', 'close', 'reopen'] as const;
export type QueryMessageKind = (typeof QUERY_MESSAGE_KINDS)[number];

/** One turn of a query's exchange, in order: who, when, what they said, and the correcting entry where there is one. */
@Entity('data_query_messages')
@Index('ix_data_query_messages_query', ['queryId', 'at'])
export class DataQueryMessageEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'query_id', type: 'varchar', length: 36 })
  queryId!: string;

  @Column({ type: 'varchar', length: 12 })
  kind!: QueryMessageKind;

  @Column({ type: 'text', nullable: true })
  text!: string | null;

  /** The log entry that corrects the queried one (a `correction`). */
  @Column({ name: 'correction_seq', type: 'integer', nullable: true })
  correctionSeq!: number | null;

  @Column({ name: 'author_id', type: 'varchar', length: 60 })
  authorId!: string;

  @Column({ name: 'author_name', type: 'varchar', length: 200 })
  authorName!: string;

  @Column({ name: 'author_role', type: 'varchar', length: 20 })
  authorRole!: string;

  @Column({ type: 'varchar', length: 30 })
  at!: string;
}
