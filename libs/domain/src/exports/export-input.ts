import type { DataIssue, ProtocolDeviation, ResponseCriteria } from '#protocols';
import type { PatientEntity, PatientEventEntity } from '../persistence/entities';
import type { PatientView } from '../patients/patient-view';

/** The fields of the patient row an export reads. */
export type ExportedPatientRow = Pick<PatientEntity, 'id' | 'subjectId' | 'siteId' | 'protocolId' | 'protocolVersion' | 'cohort' | 'state' | 'status' | 'day0'>;

/** The patient's running record (the machine context), as the patient view shows it. */
export type PatientRecord = PatientView['record'];

/** One entry of the patient's event log, as far as an export reads it. */
export type LoggedEvent = Pick<PatientEventEntity, 'seq' | 'type' | 'data' | 'actor' | 'actorName' | 'occurredAt' | 'recordedAt'>;

/**
 * The engine's answer to a logged event (`Protocol.answer` with the record as it was before the
 * event): an AE's grade, scale and DLT call, an adjudicated DLT call, a response … undefined for events it does not answer.
 */
export type EngineAnswer = (event: LoggedEvent) => Record<string, unknown> | undefined;

/** Everything an export needs about one patient. */
export interface PatientExportInput {
  patient: ExportedPatientRow;
  record: PatientRecord;
  events: readonly LoggedEvent[];
  computed: EngineAnswer;
  /** The response criteria of the patient's protocol (and cohort): ALL or Lugano 2014. */
  responseCriteria: ResponseCriteria;
  /** Stored entries left out of `events` (and so of the export), and why. */
  dataIssues: DataIssue[];
  /** The patient's protocol deviations as of the export (trial/protocol-deviations.ts); none when not given. */
  deviations?: ProtocolDeviation[];
}
