import type { DeviationCategory, DeviationSeverity } from '../policy/values';
import type { PatientContext } from '../lifecycle/context';
import type { DeviationKind } from '../lifecycle/custody';
import { custodySpecOf } from '../lifecycle/custody';
import type { LifecycleSpec } from '../lifecycle/spec';
import { patientSchedule, visitWindow } from '../lifecycle/schedule';
import { clinicalInstant } from '../lifecycle/clinical-time';

/**
 * What a deviation is: one the engine finds in the record (a visit outside its window or missed, a
 * DLT reported after its window closed, a break in the chain of custody), or one the site recorded by
 * hand (PROTOCOL_DEVIATION_RECORDED).
 */
export type ProtocolDeviationKind = 'visit-out-of-window' | 'visit-missed' | 'assessment-out-of-window' | 'late-dlt' | DeviationKind | 'recorded';

/** One protocol deviation of a patient (README, "Protocol deviations"). */
export interface ProtocolDeviation {
  /** Stable within the patient: the kind and what it is about (a visit, a log entry, a time). */
  id: string;
  kind: ProtocolDeviationKind;
  category: DeviationCategory;
  severity: DeviationSeverity;
  /** The protocol's rule that was not followed, in words. */
  rule: string;
  /** What happened, in words. */
  description: string;
  /** When it happened (clinical time). */
  at: string;
  /** `engine`: found in the record; `site`: recorded by hand. */
  source: 'engine' | 'site';
  visit?: string;
  /** The log entry behind it, where one entry is. */
  seq?: number;
}

/** A log entry as far as the deviations read it. */
export interface DeviationLogEntry {
  seq: number;
  type: string;
  data: unknown;
  occurredAt: string;
}

/** Visits settled by `now`: done in their window, done outside it, or missed (the window closed without them). */
export interface WindowCompliance {
  inWindow: number;
  outOfWindow: number;
  missed: number;
}

const day = (at: string) => at.slice(0, 10);

/**
 * A visit still open: not done, not settled as missed, the patient on study. It is missed once its
 * window has closed without it (`now` past `windowEnd`), whether or not the scheduler's VISIT_MISSED
 * has run; until then it is neither done nor missed.
 */
export interface OpenVisit {
  windowEnd: string;
  /** The deviation it is once missed. */
  missed: ProtocolDeviation;
}

/**
 * What a patient's record and log say of its deviations whatever the date: every deviation no later
 * date changes, in the order they are listed before sorting, the visits whose window may yet close
 * without them (`open`, in schedule order among the visit deviations), and the visits already settled.
 * A pure function of the record and the log, so it can be kept and read as of any later `now`
 * (`deviationsAsOf`), which is what `protocolDeviations` does at once.
 */
export interface StandingDeviations {
  /** The visits' deviations in schedule order: settled (`deviation`) or open (missed once its window closes). */
  visits: Array<{ deviation: ProtocolDeviation } | OpenVisit>;
  /** The others: assessments out of window, late DLTs, the chain of custody's, the site's. */
  others: ProtocolDeviation[];
  /** The visits settled whatever the date: done in their window, done outside it, or marked missed. */
  settled: WindowCompliance;
}

/**
 * Visits done outside their window (minor) or missed (minor; major for the primary endpoint's visit,
 * whose response the trial's primary analysis needs). The HL7 Vulcan Schedule of Activities guide
 * (2023) counts visit-window adherence as a measure of the site's conduct; ICH E6(R3) 3.10.1 asks the
 * investigator to follow the protocol's schedule and to document every deviation from it. A visit of
 * a patient who left the study before it (`cancelled`), or one an amendment made not required, is
 * neither done nor missed.
 */
function visitStanding(spec: LifecycleSpec, record: PatientContext): Pick<StandingDeviations, 'visits' | 'settled'> {
  const visits: StandingDeviations['visits'] = [];
  const settled: WindowCompliance = { inWindow: 0, outOfWindow: 0, missed: 0 };
  // As of the first instant: no window is open yet, so every visit still planned is `planned` (or `cancelled` off study).
  for (const visit of patientSchedule(spec, record, '')) {
    const window = `its window, ${day(visit.windowStart)} to ${day(visit.windowEnd)} (day ${visit.day})`;
    const rule = `visit ${visit.name} is done within ${window}`;
    if (visit.status === 'done') settled[visit.outOfWindow ? 'outOfWindow' : 'inWindow'] += 1;
    if (visit.status === 'missed') settled.missed += 1;
    if (visit.status === 'done' && visit.outOfWindow && visit.completedAt) {
      const when = visit.completedAt < visit.windowStart ? 'before its window opened' : 'after its window closed';
      visits.push({
        deviation: {
          id: `visit-out-of-window:${visit.name}`,
          kind: 'visit-out-of-window',
          category: 'visitSchedule',
          severity: 'minor',
          rule,
          description: `Visit ${visit.name} was done on ${day(visit.completedAt)}, ${when}`,
          at: visit.completedAt,
          source: 'engine',
          visit: visit.name,
        },
      });
    } else if (visit.status === 'missed' || visit.status === 'planned') {
      const primary = visit.name === spec.primaryResponseVisit;
      const missed: ProtocolDeviation = {
        id: `visit-missed:${visit.name}`,
        kind: 'visit-missed',
        category: 'visitSchedule',
        severity: primary ? 'major' : 'minor',
        rule,
        description: `Visit ${visit.name} was not done in its window, which closed on ${day(visit.windowEnd)}${primary ? ': it is the primary endpoint visit' : ''}`,
        at: record.visits[visit.name]?.missedAt ?? visit.windowEnd,
        source: 'engine',
        visit: visit.name,
      };
      visits.push(visit.status === 'missed' ? { deviation: missed } : { windowEnd: visit.windowEnd, missed });
    }
  }
  return { visits, settled };
}

/** The patient's visits settled by `now`, for the site's window-compliance rate (done in window over done or missed). */
export function windowCompliance(spec: LifecycleSpec, record: PatientContext, now: string): WindowCompliance {
  return deviationsAsOf({ ...visitStanding(spec, record), others: [] }, now).compliance;
}

/**
 * A response assessment dated outside the window of the visit it names (a D28 marrow taken on day
 * 45): minor, as a visit done out of window is; the response still counts as recorded. Visits the
 * protocol's schedule does not have are refused when the assessment is recorded, so none is met here.
 */
function assessmentDeviations(spec: LifecycleSpec, record: PatientContext): ProtocolDeviation[] {
  const infusedAt = record.infusion?.infusedAt;
  if (!infusedAt) return [];
  return record.responses.flatMap((response) => {
    const visit = spec.schedule.find((v) => v.name === response.visit);
    if (!visit) return [];
    const window = visitWindow(visit, infusedAt, spec.reminderLeadDays);
    if (response.assessedAt >= window.windowStart && response.assessedAt <= window.windowEnd) return [];
    const when = response.assessedAt < window.windowStart ? 'before the window opened' : 'after the window closed';
    return [
      {
        id: `assessment-out-of-window:${visit.name}@${response.assessedAt}`,
        kind: 'assessment-out-of-window' as const,
        category: 'visitSchedule' as const,
        severity: 'minor' as const,
        rule: `the ${visit.name} response assessment is done within the visit's window, ${day(window.windowStart)} to ${day(window.windowEnd)} (day ${visit.day})`,
        description: `The ${visit.name} response assessment was done on ${day(response.assessedAt)}, ${when}`,
        at: response.assessedAt,
        source: 'engine' as const,
        visit: visit.name,
      },
    ];
  });
}

/**
 * A DLT (onset inside the DLT window) first reported after the window closed: major, as it changes
 * the escalation's tallies after the fact (README, "Late data"; 21 CFR 312.64(b): the investigator
 * reports adverse events to the sponsor promptly). Late means the report came after the log's
 * DLT_WINDOW_CLOSED, or is dated after the window's end (a patient who left before it closed).
 */
function lateDltDeviations(spec: LifecycleSpec, record: PatientContext, log: readonly DeviationLogEntry[]): ProtocolDeviation[] {
  const window = record.dltWindow;
  if (!window || !record.dlts.length) return [];
  const closedSeq = log.find((e) => e.type === 'DLT_WINDOW_CLOSED')?.seq;
  const infusedAt = record.infusion?.infusedAt;
  const deviations: ProtocolDeviation[] = [];
  for (const dlt of record.dlts) {
    if (dlt.onset > window.closesAt) continue;
    const report = log.find((entry) => {
      if (entry.type !== 'ADVERSE_EVENT_REPORTED' && entry.type !== 'DLT_ADJUDICATED') return false;
      const data = entry.data as { term?: unknown; onset?: unknown; dlt?: unknown };
      if (entry.type === 'DLT_ADJUDICATED' && data.dlt !== true) return false;
      if (typeof data.term !== 'string' || typeof data.onset !== 'string') return false;
      return data.term.toLowerCase() === dlt.term.toLowerCase() && clinicalInstant(data.onset, infusedAt) === dlt.onset;
    });
    if (!report) continue;
    const late = (closedSeq !== undefined && report.seq > closedSeq) || report.occurredAt > window.closesAt;
    if (!late) continue;
    deviations.push({
      id: `late-dlt:${report.seq}`,
      kind: 'late-dlt',
      category: 'safetyReporting',
      severity: 'major',
      rule: `a dose-limiting toxicity is reported within the ${spec.dlt.windowDays}-day DLT window, which closed on ${day(window.closesAt)}`,
      description: `DLT ${dlt.term} (onset ${day(dlt.onset)}) was reported on ${day(report.occurredAt)}, after the DLT window had closed`,
      at: report.occurredAt,
      source: 'engine',
      seq: report.seq,
    });
  }
  return deviations;
}

/** The rule each deviation of the chain of custody breaks (rules/custody.ts, the protocol's custody settings). */
function custodyRule(spec: LifecycleSpec, kind: DeviationKind): string {
  const custody = custodySpecOf(spec);
  switch (kind) {
    case 'apheresis-stability':
      return `the fresh apheresis product reaches the manufacturing site within ${custody.apheresisStabilityHours} hours of collection`;
    case 'post-thaw-limit':
      return `the thawed product is infused within ${custody.postThawLimitMinutes} minutes of thaw`;
    case 'shipping-temperature':
      return "a shipper's temperature log stays within its range";
    case 'out-of-specification-release':
      return 'the product meets every release criterion';
  }
}

/** The deviations of the chain of custody the record keeps: major, each puts the product, so the patient, at risk. */
function custodyDeviations(spec: LifecycleSpec, record: PatientContext): ProtocolDeviation[] {
  return (record.deviations ?? []).map((d) => ({
    id: `${d.kind}:${d.at}`,
    kind: d.kind,
    category: 'investigationalProduct',
    severity: 'major',
    rule: custodyRule(spec, d.kind),
    description: d.message,
    at: d.at,
    source: 'engine',
  }));
}

/** The deviations the site recorded by hand, as recorded. */
function recordedDeviations(log: readonly DeviationLogEntry[]): ProtocolDeviation[] {
  return log
    .filter((e) => e.type === 'PROTOCOL_DEVIATION_RECORDED')
    .map((e) => {
      const data = e.data as { category: DeviationCategory; severity: DeviationSeverity; rule: string; description: string };
      return {
        id: `recorded:${e.seq}`,
        kind: 'recorded' as const,
        category: data.category,
        severity: data.severity,
        rule: data.rule,
        description: data.description,
        at: e.occurredAt,
        source: 'site' as const,
        seq: e.seq,
      };
    });
}

/** What the patient's record and log say of its deviations whatever the date (`StandingDeviations`). */
export function standingDeviations(spec: LifecycleSpec, record: PatientContext, log: readonly DeviationLogEntry[]): StandingDeviations {
  return {
    ...visitStanding(spec, record),
    others: [...assessmentDeviations(spec, record), ...lateDltDeviations(spec, record, log), ...custodyDeviations(spec, record), ...recordedDeviations(log)],
  };
}

/** The deviations and the settled visits as of `now`: each open visit whose window closed before it is missed. */
export function deviationsAsOf(standing: StandingDeviations, now: string): { deviations: ProtocolDeviation[]; compliance: WindowCompliance } {
  const compliance = { ...standing.settled };
  const visits: ProtocolDeviation[] = [];
  for (const visit of standing.visits) {
    if ('deviation' in visit) visits.push(visit.deviation);
    else if (now > visit.windowEnd) {
      visits.push(visit.missed);
      compliance.missed += 1;
    }
  }
  const deviations = [...visits, ...standing.others].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return { deviations, compliance };
}

/**
 * Every protocol deviation of one patient as of `now`, oldest first: found in its record and log by
 * the engine, or recorded by the site. `record` is the record the log replays to; `log` the entries
 * the read model trusts. A pure function: the same record, log and `now` give the same list.
 */
export function protocolDeviations(spec: LifecycleSpec, record: PatientContext, log: readonly DeviationLogEntry[], now: string): ProtocolDeviation[] {
  return deviationsAsOf(standingDeviations(spec, record, log), now).deviations;
}
