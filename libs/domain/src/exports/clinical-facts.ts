import type { z } from 'zod';
import { clinicalInstant, standingResults, type AdverseEventReport, type CrsInput, type IcansInput, type labResultDataSchema, type responseAssessedDataSchema } from '#protocols';
import type { EngineAnswer, LoggedEvent, PatientExportInput } from './export-input';

/**
 * The clinical facts both exports (FHIR, SDTM) read from a patient's log: adverse events, lab
 * results and response assessments, each with the engine's answer where it computed one. The log was
 * validated when it was written, so its data are read as the event schemas describe them.
 */

export type LabResultData = z.infer<typeof labResultDataSchema>;
export type ResponseAssessedData = z.infer<typeof responseAssessedDataSchema>;
export type Compartment = NonNullable<LabResultData['compartment']>;

export interface AdverseEventFact {
  /** The seq of the first report: the event's stable identity in the exports. */
  firstSeq: number;
  /** The seq of the latest report, whose data and answer the exports show. */
  seq: number;
  term: string;
  onset: string;
  resolvedAt: string | null;
  related: boolean;
  serious: boolean;
  /** CTCAE v5.0 or ASTCT grade; null when the engine gave none and the report carries none. */
  grade: number | null;
  scale: string | null;
  dlt: { dlt: boolean; provisional: boolean; reason: string | null } | null;
  crs: CrsInput | null;
  icans: IcansInput | null;
  /** When the event was first recorded (the server's time of the first report). */
  firstRecordedAt: string;
}

export interface LabResultFact {
  seq: number;
  code: string;
  compartment: Compartment | null;
  value: number;
  unit: string;
  collectedAt: string;
  recordedAt: string;
}

export interface ResponseFact {
  seq: number;
  visit: string;
  /** CR, CRi, PR, SD, PD, NR: the engine's call from the findings, or the investigator's. */
  response: string | null;
  mrdPct: number | null;
  mrdNegative: boolean | null;
  assessedAt: string;
  recordedAt: string;
}

/**
 * One fact per adverse event. A later report of the same event (same term, same onset) replaces the
 * earlier one, as it does in the engine's record: it carries the resolution date and the final DLT call.
 * The investigator's adjudication (DLT_ADJUDICATED) replaces the call as it does in the record, so
 * the exports show the call the trial counts.
 */
export function adverseEventFacts({ events, computed, record }: Pick<PatientExportInput, 'events' | 'computed' | 'record'>): AdverseEventFact[] {
  const byEvent = new Map<string, AdverseEventFact>();
  const keyOf = (term: string, onset: string) => `${term.toLowerCase()}|${onset}`;
  for (const event of inLogOrder(events, 'ADVERSE_EVENT_REPORTED', 'DLT_ADJUDICATED')) {
    const answer = computed(event) ?? {};
    if (event.type === 'DLT_ADJUDICATED') {
      const key = keyOf(stringIn(answer, 'term') ?? '', stringIn(answer, 'onset') ?? '');
      const adjudicated = byEvent.get(key);
      if (adjudicated) byEvent.set(key, { ...adjudicated, dlt: dltCall(answer) ?? adjudicated.dlt });
      continue;
    }
    const report = event.data as AdverseEventReport;
    // As the engine reads an onset: a date alone is the start of its day, or the infusion on Day 0.
    const key = keyOf(report.term, clinicalInstant(report.onset, record.infusion?.infusedAt));
    const earlier = byEvent.get(key);
    const computedGrade = numberIn(answer, 'grade');
    const grade = computedGrade !== undefined && computedGrade > 0 ? computedGrade : (report.grade ?? null);
    byEvent.set(key, {
      firstSeq: earlier?.firstSeq ?? event.seq,
      seq: event.seq,
      term: report.term,
      onset: report.onset,
      resolvedAt: report.resolvedAt ?? null,
      related: report.related,
      serious: report.serious,
      grade,
      scale: stringIn(answer, 'scale') ?? (report.grade !== undefined ? 'CTCAE v5.0' : null),
      dlt: dltCall(answer) ?? null,
      crs: report.crs ?? null,
      icans: report.icans ?? null,
      firstRecordedAt: earlier?.firstRecordedAt ?? event.recordedAt,
    });
  }
  return [...byEvent.values()].sort((a, b) => a.firstSeq - b.firstSeq);
}

/** The DLT call of an engine answer (to a report, or to an adjudication). */
function dltCall(answer: Record<string, unknown>): AdverseEventFact['dlt'] | undefined {
  const dlt = booleanIn(answer, 'dlt');
  if (dlt === undefined) return undefined;
  return { dlt, provisional: booleanIn(answer, 'provisional') ?? false, reason: stringIn(answer, 'dltReason') ?? null };
}

/** The lab results, in log order; a corrected result (a later one of the same sample) appears once, as corrected. */
export function labResultFacts(events: readonly LoggedEvent[]): LabResultFact[] {
  const recorded = inLogOrder(events, 'LAB_RESULT_RECORDED');
  const standing = new Set(standingResults(recorded.map((event) => ({ ...(event.data as LabResultData), event }))).map((r) => r.event));
  return recorded
    .filter((event) => standing.has(event))
    .map((event) => {
      const lab = event.data as LabResultData;
      return {
        seq: event.seq,
        code: lab.code,
        compartment: lab.compartment ?? null,
        value: lab.value,
        unit: lab.unit,
        collectedAt: lab.collectedAt,
        recordedAt: event.recordedAt,
      };
    });
}

export function responseFacts(events: readonly LoggedEvent[], computed: EngineAnswer): ResponseFact[] {
  return inLogOrder(events, 'RESPONSE_ASSESSED').map((event) => {
    const findings = event.data as ResponseAssessedData;
    const answer = computed(event) ?? {};
    return {
      seq: event.seq,
      visit: findings.visit,
      response: stringIn(answer, 'response') ?? findings.response ?? null,
      mrdPct: findings.mrdPct ?? null,
      mrdNegative: booleanIn(answer, 'mrdNegative') ?? null,
      assessedAt: event.occurredAt,
      recordedAt: event.recordedAt,
    };
  });
}

function inLogOrder(events: readonly LoggedEvent[], ...types: string[]): LoggedEvent[] {
  return events.filter((e) => types.includes(e.type)).sort((a, b) => a.seq - b.seq);
}

function numberIn(answer: Record<string, unknown>, key: string): number | undefined {
  const value = answer[key];
  return typeof value === 'number' ? value : undefined;
}

function booleanIn(answer: Record<string, unknown>, key: string): boolean | undefined {
  const value = answer[key];
  return typeof value === 'boolean' ? value : undefined;
}

function stringIn(answer: Record<string, unknown>, key: string): string | undefined {
  const value = answer[key];
  return typeof value === 'string' ? value : undefined;
}
