import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** How a message came in. */
export type LabChannel = 'hl7-mllp' | 'hl7-http' | 'fhir';
/** What became of one result (or of a whole message refused before its results were read). */
export type LabOutcome = 'accepted' | 'inbox' | 'duplicate' | 'rejected';
/** An inbox item: waiting for a person, applied by one, or rejected by one. */
export type InboxStatus = 'open' | 'resolved' | 'rejected';

/** One result's outcome within a message, as the message's record keeps it. */
export interface ResultOutcome {
  controlId: string;
  outcome: LabOutcome;
  reason?: string;
  seq?: number;
}

/**
 * Every message a lab system sent, as received (its bytes, base64, so a NUL or bytes that are not
 * UTF-8 are kept as they came), with what became of it: the acknowledgement sent and each result's
 * outcome. A message larger than the limit keeps its first bytes, its size and its SHA-256.
 */
@Entity('lab_messages')
export class LabMessageEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 20 })
  channel!: LabChannel;

  /** The site the message speaks for (MSH-4, or the FHIR caller's site); null when it named none the sender may send for. */
  @Column({ name: 'site_id', type: 'varchar', length: 60, nullable: true })
  siteId!: string | null;

  /** MSH-10, or the FHIR resource's identifier; null when the message had none readable. */
  @Column({ name: 'control_id', type: 'varchar', length: 200, nullable: true })
  controlId!: string | null;

  @Column({ name: 'received_at', type: 'varchar', length: 30 })
  receivedAt!: string;

  /** `user:<id>` of the lab user (HTTP), or `system:hl7-mllp`. */
  @Column({ name: 'received_by', type: 'varchar', length: 60 })
  receivedBy!: string;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes!: number;

  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  @Column({ name: 'raw_base64', type: 'text' })
  rawBase64!: string;

  /** The raw bytes kept are the message's first ones only (it was above the size limit). */
  @Column({ name: 'raw_truncated', type: 'integer' })
  rawTruncated!: number;

  /** AA, AE or AR for HL7; the HTTP status for FHIR. */
  @Column({ type: 'varchar', length: 10 })
  acknowledgement!: string;

  /** The message's outcome: one result's, or `rejected` for a message refused whole. */
  @Column({ type: 'varchar', length: 20 })
  outcome!: LabOutcome | 'mixed';

  /** Why the message was refused whole (AR, OperationOutcome), in words. */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'simple-json' })
  results!: ResultOutcome[];
}

/**
 * One result as a lab sent it, the first time its control id (MSH-10 and OBX set id, or the FHIR
 * identifier) was seen at its site: recorded as an event (`accepted`, with its seq) or held in the
 * integration inbox (`inbox`) until a person resolves or rejects it.
 */
@Entity('lab_results')
@Index('ux_lab_results_control', ['siteId', 'controlId'], { unique: true })
@Index('ix_lab_results_inbox', ['siteId', 'inboxStatus'])
export class LabResultEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'message_id', type: 'varchar', length: 36 })
  messageId!: string;

  @Column({ name: 'site_id', type: 'varchar', length: 60 })
  siteId!: string;

  @Column({ name: 'control_id', type: 'varchar', length: 250 })
  controlId!: string;

  @Column({ type: 'varchar', length: 20 })
  outcome!: 'accepted' | 'inbox';

  @Column({ name: 'inbox_status', type: 'varchar', length: 20, nullable: true })
  inboxStatus!: InboxStatus | null;

  /** Why the result is in the inbox (or what a resolution found still wrong). */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  /** The patient identifiers the message gave (PID-3 repetitions, Observation.subject.identifier). */
  @Column({ name: 'patient_identifiers', type: 'simple-json' })
  patientIdentifiers!: string[];

  /** `LN` (LOINC) or the site's own coding system, and the code in it. */
  @Column({ name: 'code_system', type: 'varchar', length: 100 })
  codeSystem!: string;

  @Column({ type: 'varchar', length: 100 })
  code!: string;

  @Column({ name: 'code_text', type: 'varchar', length: 200, nullable: true })
  codeText!: string | null;

  /** The value and unit as sent. */
  @Column({ name: 'value_text', type: 'varchar', length: 100 })
  valueText!: string;

  @Column({ type: 'varchar', length: 100 })
  unit!: string;

  /** The collection time as sent. */
  @Column({ name: 'collected_text', type: 'varchar', length: 40 })
  collectedText!: string;

  /** OBX-11 (`F`, `C` …); `final`/`amended` … for FHIR. */
  @Column({ name: 'result_status', type: 'varchar', length: 20 })
  resultStatus!: string;

  @Column({ name: 'patient_id', type: 'varchar', length: 36, nullable: true })
  patientId!: string | null;

  /** The engine's lab code the result was recorded under. */
  @Column({ name: 'lab_code', type: 'varchar', length: 40, nullable: true })
  labCode!: string | null;

  /** The collection instant as recorded (ISO 8601), for finding the result a correction corrects. */
  @Column({ name: 'collected_at', type: 'varchar', length: 30, nullable: true })
  collectedAt!: string | null;

  @Column({ type: 'integer', nullable: true })
  seq!: number | null;

  /** The seq of the earlier result this one corrects (OBX-11 `C`). */
  @Column({ name: 'corrects_seq', type: 'integer', nullable: true })
  correctsSeq!: number | null;

  @Column({ name: 'received_at', type: 'varchar', length: 30 })
  receivedAt!: string;

  @Column({ name: 'resolved_by', type: 'varchar', length: 60, nullable: true })
  resolvedBy!: string | null;

  @Column({ name: 'resolved_at', type: 'varchar', length: 30, nullable: true })
  resolvedAt!: string | null;

  /** What the person did: matched, mapped, or the rejection's reason. */
  @Column({ type: 'text', nullable: true })
  resolution!: string | null;
}

/** A site's own lab code (in its coding system) and the engine's code it stands for, as an admin or a resolution saved it. */
@Entity('lab_code_mappings')
@Index('ux_lab_code_mappings', ['siteId', 'codeSystem', 'code'], { unique: true })
export class LabCodeMappingEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'site_id', type: 'varchar', length: 60 })
  siteId!: string;

  @Column({ name: 'code_system', type: 'varchar', length: 100 })
  codeSystem!: string;

  @Column({ type: 'varchar', length: 100 })
  code!: string;

  @Column({ name: 'lab_code', type: 'varchar', length: 40 })
  labCode!: string;

  @Column({ name: 'created_by', type: 'varchar', length: 60 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt!: string;
}

/** A patient identifier a site's lab system sends (an MRN …) and the patient it names, as a resolution saved it. */
@Entity('lab_patient_identifiers')
@Index('ux_lab_patient_identifiers', ['siteId', 'identifier'], { unique: true })
export class LabPatientIdentifierEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'site_id', type: 'varchar', length: 60 })
  siteId!: string;

  @Column({ type: 'varchar', length: 200 })
  identifier!: string;

  @Column({ name: 'patient_id', type: 'varchar', length: 36 })
  patientId!: string;

  @Column({ name: 'created_by', type: 'varchar', length: 60 })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt!: string;
}
