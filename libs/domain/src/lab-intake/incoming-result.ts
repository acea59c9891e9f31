import type { LabChannel } from '../persistence/entities';

/** LOINC's coding system, as HL7 v2 names it (table 0396) and as FHIR does. */
export const LOINC_SYSTEM = 'LN';
export const LOINC_URI = 'http://loinc.org';

/** One lab result as a channel (HL7 v2 OBX, FHIR Observation) read it, nothing interpreted yet. */
export interface IncomingResult {
  /** Unique at the site: MSH-10 and the OBX set id, or the Observation's identifier. */
  controlId: string;
  /** The identifiers the lab gave for the patient (PID-3's, the subject's). */
  patientIdentifiers: string[];
  /** `LN` for LOINC, otherwise the site's coding system as sent (or `local`). */
  code: { system: string; code: string; text?: string };
  valueText: string;
  /** The value, when the message gives one as a number. */
  value?: number;
  unit: string;
  /**
   * The lab's reference range, in the result's unit, as far as the channel gives it (OBX-7,
   * Observation.referenceRange): CTCAE grades against its limits (rules/ctcae-labs.ts).
   */
  referenceRange?: { low?: number; high?: number };
  collectedText: string;
  /** The collection instant (ISO 8601), when it can be read without guessing. */
  collectedAt?: string;
  /** The result status as sent (OBX-11, Observation.status). */
  resultStatus: string;
  /** Whether the status is final, a correction of an earlier result, or neither. */
  status: 'final' | 'corrected' | 'other';
  /** What the channel found wrong with this result (a value that is not a number, a time without its offset …). */
  problems: string[];
}

/** A message as received: the bytes, who sent it and on which channel, the site and control id when they could be read. */
export interface ReceivedMessage {
  channel: LabChannel;
  raw: Buffer;
  siteId: string | null;
  controlId: string | null;
}
