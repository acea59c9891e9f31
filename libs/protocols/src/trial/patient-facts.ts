import type { LifecycleSpec } from '../lifecycle/spec';
import { clinicalInstant, DAY_MS, studyDay } from '../lifecycle/clinical-time';
import { adverseEventGrade, type AdverseEventReport } from '../rules/ctcae';
import { ageOn } from '../rules/eligibility';
import type { RelapseKind } from '../rules/relapse';
import { standingResults } from '../rules/lab-results';
import { assessedResponse, recordLesions, type LesionRecords, type ResponseData } from '../lifecycle/record';
import { type DataIssue, unreadableEntry } from './data-issues';
import { gradeIcaht, type IcahtGrade } from '../rules/icaht';
import { productPath, type ProductPath } from './vein-to-vein';
import { deepFreeze } from './deep-freeze';

/** One logged event, as the outcomes read it. */
export interface LoggedEvent {
  /** The entry's place in the patient's log, when read from it (data issues name it). */
  seq?: number;
  type: string;
  data: Record<string, unknown>;
  occurredAt: string;
}

export interface PatientLog {
  patientId: string;
  cohort: string | null;
  /** The site its vein-to-vein figures are grouped under, as the reader may see it: null pools the sites the reader may not see. */
  site?: string | null;
  birthDate: string;
  /** The entries the read model can trust (see `screenLog`). */
  events: LoggedEvent[];
  /** What the screening of the stored log found and left out. */
  dataIssues?: DataIssue[];
}

/** What one patient contributes to the trial's outcomes, read from its event log up to `asOf`. */
export interface PatientFacts {
  patientId: string;
  cohort: string | null;
  /** As the log gives it (`PatientLog.site`). */
  site: string | null;
  infusedAt: string | null;
  /** Apheresis, release or manufacturing failure, and a death or withdrawal before the infusion: the vein-to-vein figures. */
  product: ProductPath;
  responses: Array<{ at: string; response: string; mrdNegative?: boolean; visit?: string }>;
  /** The first progression or clinical relapse (morphologic, extramedullary, lymphoma progression): the PFS and DOR event. */
  progressionAt: string | null;
  /** The first relapse of any kind, a molecular (MRD) relapse included: with death, the EFS event. */
  relapseAt: string | null;
  deathAt: string | null;
  lastContactAt: string;
  /** One entry per AE (same term and onset), graded from its last report. */
  adverseEvents: Array<{ term: string; grade: number; scale: string }>;
  /** Lab results by study day (Day 0 = the infusion day), in order of collection. */
  labs: Array<{ seq?: number; code: string; compartment: string | null; day: number; value: number; unit: string }>;
  /** ICAHT from the ANC in peripheral blood as of `asOf`, up to a progression or relapse; null without an ANC after infusion. */
  icaht: IcahtGrade | null;
  /** Entries these facts could not be read from, left out of them. */
  dataIssues: DataIssue[];
}

const RANK: Record<string, number> = { CR: 5, CRi: 4, PR: 3, SD: 2, NR: 1, PD: 0 };

/** A molecular (MRD) relapse is an EFS event but not progression (docs/clinical.md, sections "Response" and "Endpoints"). */
const MOLECULAR_RELAPSE: RelapseKind = 'mrd';

export const daysBetween = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / DAY_MS;

/** Best response: CR over CRi over PR over SD over NR over PD. */
export function bestResponse(facts: PatientFacts): string | null {
  return facts.responses.reduce<string | null>((best, r) => (best === null || (RANK[r.response] ?? -1) > (RANK[best] ?? -1) ? r.response : best), null);
}

export function patientFacts(spec: LifecycleSpec, log: PatientLog, asOf: string): PatientFacts {
  const events = log.events.filter((e) => e.occurredAt <= asOf);
  const first = (type: string, where: (e: LoggedEvent) => boolean = () => true) => events.find((e) => e.type === type && where(e))?.occurredAt ?? null;
  const infusedAt = first('INFUSION_COMPLETED');
  const labs = infusedAt ? labsByStudyDay(events, infusedAt) : [];
  const isMolecular = (e: LoggedEvent) => (e.data as { kind?: string }).kind === MOLECULAR_RELAPSE;
  const dataIssues: DataIssue[] = [];
  /** One unreadable entry is left out and listed; the others still count. */
  const readable = <T>(e: LoggedEvent, read: () => T): T[] => {
    try {
      return [read()];
    } catch (error) {
      dataIssues.push(unreadableEntry(log.patientId, e, error));
      return [];
    }
  };
  return {
    patientId: log.patientId,
    cohort: log.cohort,
    site: log.site ?? null,
    infusedAt,
    product: productPath(events),
    responses: responses(spec, events, readable),
    progressionAt: first('PROGRESSION_OR_RELAPSE', (e) => !isMolecular(e)),
    relapseAt: first('PROGRESSION_OR_RELAPSE'),
    deathAt: first('DEATH'),
    lastContactAt: events.reduce((last, e) => (e.occurredAt > last ? e.occurredAt : last), events[0]?.occurredAt ?? asOf),
    adverseEvents: adverseEvents(events, log.birthDate, infusedAt, readable),
    labs,
    icaht: infusedAt ? icahtOf(labs, infusedAt, first('PROGRESSION_OR_RELAPSE'), first('DEATH') ?? asOf) : null,
    dataIssues,
  };
}

/** The cytokines whose first-month peaks the outcomes report. */
export const CYTOKINE_CODES = ['IL6', 'IL10', 'IFNG', 'TNFA'];

/**
 * The lab tests the outcomes read (`PatientFacts.labs`): CAR copies (kinetics), the cytokines (peaks)
 * and the ANC (ICAHT). A result of any other test counts only as contact with the patient.
 */
export const OUTCOME_LAB_CODES: readonly string[] = ['CAR_COPIES', 'ANC', ...CYTOKINE_CODES];

/**
 * Facts read as of a later date than their log's last entry: the same but for ICAHT, the one fact that
 * depends on the date read (a neutropenia lasts until a count says otherwise). `patientFacts` of a log
 * as of its last entry, then `factsAsOf` any later date, equals `patientFacts` as of that date.
 */
export function factsAsOf(facts: PatientFacts, asOf: string): PatientFacts {
  if (!facts.infusedAt) return { ...facts, icaht: null };
  // Only facts that cannot change are graded once a day (a read model's, `deepFreeze`d); any others afresh.
  const kept = Object.isFrozen(facts) && Object.isFrozen(facts.labs);
  // ICAHT reads the date only as a study day: the same facts read twice on one day grade alike.
  const day = studyDay(facts.deathAt ?? asOf, facts.infusedAt);
  const known = kept ? icahtByDay.get(facts) : undefined;
  if (known?.day === day) return { ...facts, icaht: known.icaht };
  const icaht = icahtOf(facts.labs, facts.infusedAt, facts.relapseAt, facts.deathAt ?? asOf);
  if (kept) icahtByDay.set(facts, { day, icaht: deepFreeze(icaht) });
  return { ...facts, icaht };
}

/** The ICAHT last graded of frozen facts (a read model keeps them across reads), and the study day it was graded through. */
const icahtByDay = new WeakMap<PatientFacts, { day: number; icaht: IcahtGrade | null }>();

/** ICAHT from the facts' ANC (peripheral blood) read as of `asOf` (or the death), censored at the first progression or relapse. */
function icahtOf(labs: PatientFacts['labs'], infusedAt: string, relapseAt: string | null, asOf: string): IcahtGrade | null {
  const anc = labs.filter((l) => l.code === 'ANC' && (l.compartment ?? 'PB') === 'PB').map((l) => ({ day: l.day, value: l.value }));
  if (!anc.some((s) => s.day >= 0)) return null;
  return gradeIcaht(anc, { throughDay: studyDay(asOf, infusedAt), ...(relapseAt ? { censorDay: studyDay(relapseAt, infusedAt) } : {}) });
}

type Readable = <T>(e: LoggedEvent, read: () => T) => T[];

/**
 * Each assessment's response as the engine computed it when it was recorded: Lugano target lesions
 * against their nadir among the lesions measured in the assessments recorded before it.
 */
function responses(spec: LifecycleSpec, events: LoggedEvent[], readable: Readable): PatientFacts['responses'] {
  let lesions: LesionRecords | undefined;
  return events
    .filter((e) => e.type === 'RESPONSE_ASSESSED')
    .flatMap((e) =>
      readable(e, () => {
        const event = { type: 'RESPONSE_ASSESSED' as const, occurredAt: e.occurredAt, data: e.data as unknown as ResponseData };
        const assessed = { at: e.occurredAt, ...assessedResponse(spec, event, lesions), ...(typeof event.data.visit === 'string' ? { visit: event.data.visit } : {}) };
        lesions = recordLesions(lesions, event.data, event.occurredAt);
        return assessed;
      }),
    );
}

/**
 * Each AE graded once, from its last report: a later report of the same AE (same term, any case,
 * and same onset) replaces the earlier one, a corrected downgrade included, as the engine's
 * `recordAdverseEvent` does. The onset is read as the engine reads it, against the infusion when
 * the report came after it (`clinicalInstant`).
 */
function adverseEvents(events: LoggedEvent[], birthDate: string, infusedAt: string | null, readable: Readable): PatientFacts['adverseEvents'] {
  const byEvent = new Map<string, PatientFacts['adverseEvents'][number]>();
  for (const e of events) {
    if (e.type !== 'ADVERSE_EVENT_REPORTED') continue;
    for (const { key, graded } of readable(e, () => {
      const report = e.data as unknown as AdverseEventReport;
      const onset = clinicalInstant(report.onset, infusedAt !== null && infusedAt <= e.occurredAt ? infusedAt : undefined);
      return { key: `${report.term.toLowerCase()}|${onset}`, graded: { term: report.term, ...adverseEventGrade(report, ageOn(birthDate, onset)) } };
    })) {
      byEvent.delete(key);
      byEvent.set(key, { term: graded.term, grade: graded.grade, scale: graded.scale });
    }
  }
  return [...byEvent.values()];
}

/** Lab results on their study day, sorted by collection time (ties in the order recorded); a corrected result counts once, as corrected. */
function labsByStudyDay(events: LoggedEvent[], infusedAt: string): PatientFacts['labs'] {
  const recorded = events
    .filter((e) => e.type === 'LAB_RESULT_RECORDED')
    .map((e) => ({ seq: e.seq, ...(e.data as { code: string; compartment?: string; value: number; unit: string; collectedAt: string }) }));
  return standingResults(recorded)
    .map(({ seq, ...d }) => ({ seq, collectedAt: clinicalInstant(d.collectedAt, infusedAt), lab: d }))
    .sort((a, b) => (a.collectedAt < b.collectedAt ? -1 : a.collectedAt > b.collectedAt ? 1 : 0))
    .map(({ seq, collectedAt, lab }) => ({
      ...(seq !== undefined ? { seq } : {}),
      code: lab.code,
      compartment: lab.compartment ?? null,
      day: studyDay(collectedAt, infusedAt),
      value: lab.value,
      unit: lab.unit,
    }));
}
