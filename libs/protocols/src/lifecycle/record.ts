import type { LesionRecord, PatientContext, PatientInput } from './context';
import type { LifecycleSpec } from './spec';
import { type ClinicalEvent, type CountUnit, countsIn109PerL } from '../events';
import { mergeScreeningData } from '../rules/screening-data';
import type { ScreeningData } from '../rules/screening-data';
import { lymphodepletionPlan } from '../rules/chemotherapy-dose';
import { checkCellDose } from '../rules/cell-dose';
import { assessDlt } from '../rules/dlt';
import { allResponse } from '../rules/all-response';
import { luganoInputSchema, luganoResponse, nadirOf, type LesionPrior, type LesionSize, type LuganoInput } from '../rules/lugano-response';
import { adverseEventGrade, type AdverseEventReport } from '../rules/ctcae';
import { classifyAllRelapse } from '../rules/relapse';
import { ageOn } from '../rules/eligibility';
import { addDays, clinicalInstant } from './clinical-time';
import { visitsClosedBefore } from './timers';
import { openProposal, settleProposal } from './lab-toxicity';

/**
 * How each event changes the patient's record: pure functions of (spec, context, event) that the
 * machine's `assign` actions call, and that the protocol reuses to answer the caller.
 */

type Event<T> = ClinicalEvent<T>;

export function initialContext(spec: LifecycleSpec, input: PatientInput): PatientContext {
  const context: PatientContext = {
    patient: input.patient,
    screening: {},
    dlts: [],
    adverseEventCount: 0,
    worstAdverseEventGrade: 0,
    labResultCount: 0,
    visits: {},
    responses: [],
  };
  const rollover = input.rollover;
  if (!rollover) return context;
  // A rollover keeps the parent's Day 0; the visits whose window closed before it are not required.
  const started: PatientContext = {
    ...context,
    rollover,
    consent: rollover.consent,
    infusion: rollover.infusion,
    visits: Object.fromEntries(spec.schedule.map((v) => [v.name, { status: 'planned' as const }])),
  };
  const names = spec.schedule.map((v) => v.name);
  return { ...started, visits: { ...started.visits, ...visitsClosedBefore(spec, started, rollover.rolledOverAt, names, 'the rollover') } };
}

export const recordScreening = (c: PatientContext, e: Event<ScreeningData>): Partial<PatientContext> => ({
  screening: mergeScreeningData(c.screening, e.data),
});

export const recordConsent = (_c: PatientContext, e: Event<{ consentVersion: string }>): Partial<PatientContext> => ({
  consent: { version: e.data.consentVersion, signedAt: e.occurredAt },
});

/** The re-consent an amendment asked for, signed (the protocol refuses any other consent version while it is due). */
export function recordReconsent(c: PatientContext, e: Event<{ consentVersion: string }>): Partial<PatientContext> {
  if (c.reconsent?.status !== 'due' || e.data.consentVersion !== c.reconsent.consentVersion) return {};
  // `consent` stays the first one: what happened on study before the re-consent was under it (an AE's onset is judged against it).
  return { reconsent: { ...c.reconsent, status: 'signed', settledAt: e.occurredAt } };
}

/** Re-consent declined: the patient goes on under the consent already given, without the visits the amendment added. */
export function recordReconsentDeclined(c: PatientContext, e: Event<{ consentVersion: string; reason?: string }>): Partial<PatientContext> {
  if (c.reconsent?.status !== 'due') return {};
  const why = `re-consent to version ${c.reconsent.consentVersion} was declined on ${e.occurredAt.slice(0, 10)}`;
  const visits = { ...c.visits };
  for (const name of c.reconsent.addedVisits) if (visits[name]?.status === 'planned') visits[name] = { ...visits[name], status: 'notRequired', reason: why };
  return { reconsent: { ...c.reconsent, status: 'declined', settledAt: e.occurredAt }, visits };
}

export const recordEligibility = (_c: PatientContext, e: Event<{ attestations?: string[] }>): Partial<PatientContext> => ({
  eligibility: { confirmedAt: e.occurredAt, attestations: e.data.attestations ?? [] },
});

/** The trial assigns the dose level (the engine puts it on the event); a single-level protocol has only one. */
export const recordEnrollment = (spec: LifecycleSpec, _c: PatientContext, e: Event<{ doseLevel?: number; coi?: string }>): Partial<PatientContext> => ({
  enrollment: { enrolledAt: e.occurredAt, doseLevel: e.data.doseLevel ?? spec.doseLevels[0].level, ...(e.data.coi ? { coi: e.data.coi } : {}) },
});

export function recordLymphodepletionStart(spec: LifecycleSpec, c: PatientContext, e: Event<{ weightKg?: number; heightCm?: number }>): Partial<PatientContext> {
  const patient = {
    ...c.patient,
    weightKg: e.data.weightKg ?? c.patient.weightKg,
    heightCm: e.data.heightCm ?? c.patient.heightCm,
  };
  const plan = lymphodepletionPlan(spec.lymphodepletion, { heightCm: patient.heightCm, weightKg: patient.weightKg });
  return { patient, lymphodepletion: { startedAt: e.occurredAt, plan } };
}

export function assignedDoseLevel(spec: LifecycleSpec, c: PatientContext) {
  const level = c.enrollment?.doseLevel ?? spec.doseLevels[0].level;
  const dose = spec.doseLevels.find((d) => d.level === level);
  if (!dose) throw new Error(`protocol ${spec.id} v${spec.version} has no dose level ${level}`);
  return dose;
}

export function infusionCellDose(spec: LifecycleSpec, c: PatientContext, e: Event<{ cellsPerKg: number; weightKg?: number }>) {
  const weightKg = e.data.weightKg ?? c.patient.weightKg;
  return { weightKg, ...checkCellDose(e.data.cellsPerKg, weightKg, assignedDoseLevel(spec, c)) };
}

export function recordInfusion(spec: LifecycleSpec, c: PatientContext, e: Event<{ cellsPerKg: number; weightKg?: number }>): Partial<PatientContext> {
  const { weightKg, totalCells } = infusionCellDose(spec, c, e);
  return {
    patient: { ...c.patient, weightKg },
    infusion: { infusedAt: e.occurredAt, cellsPerKg: e.data.cellsPerKg, weightKg, totalCells },
    dltWindow: { closesAt: addDays(e.occurredAt, spec.dlt.windowDays) },
    visits: Object.fromEntries(spec.schedule.map((v) => [v.name, { status: 'planned' as const }])),
  };
}

export type AdverseEventData = AdverseEventReport;

/** The patient's age on a date (ICANS is graded with CAPD up to 12 years). */
export const ageAt = (c: PatientContext, at: string) => ageOn(c.patient.birthDate, at);

/** An AE's grade (given, or computed from CRS / ICANS findings) and whether it is a DLT: the protocol's rule, unless the investigator adjudicated it. */
export function adverseEventAssessment(spec: LifecycleSpec, c: PatientContext, e: Event<AdverseEventData>) {
  const onset = clinicalInstant(e.data.onset, c.infusion?.infusedAt);
  const graded = adverseEventGrade(e.data, ageAt(c, onset));
  // A lab-derived AE: the day of the count it confirms (or, for a later report of it, the one on record), for the prolonged-cytopenia clause.
  const sameAe = (d: { term: string; onset: string }) => d.term.toLowerCase() === e.data.term.toLowerCase() && d.onset === onset;
  const persistsOnStudyDay = openProposal(c, e.data.labProposal)?.studyDay ?? c.dlts.find(sameAe)?.persistsOnStudyDay;
  const computed = assessDlt(
    spec.dlt,
    {
      term: e.data.term,
      grade: graded.grade,
      onset,
      related: e.data.related,
      resolvedAt: e.data.resolvedAt,
      improvedToGrade1At: e.data.improvedToGrade1At,
      persistsOnStudyDay,
    },
    c.infusion?.infusedAt,
  );
  const adjudicated = adjudicatedDlt(c, e.data.term, onset);
  const dlt = adjudicated === undefined ? computed : { dlt: adjudicated, provisional: false, reason: adjudicationReason(adjudicated) };
  return {
    term: e.data.term,
    grade: graded.grade,
    scale: graded.scale,
    gradeReason: graded.reason,
    onset,
    dlt: dlt.dlt,
    provisional: dlt.provisional,
    dltReason: dlt.reason,
    adjudicated: adjudicated !== undefined,
    ...(persistsOnStudyDay !== undefined ? { persistsOnStudyDay } : {}),
  };
}

/**
 * The investigator's call on an AE (same term, case aside, and onset) when there is one on record:
 * false once overturned, true once confirmed; undefined while the protocol's rule decides.
 */
export function adjudicatedDlt(c: PatientContext, term: string, onset: string): boolean | undefined {
  const same = (d: { term: string; onset: string }) => d.term.toLowerCase() === term.toLowerCase() && d.onset === onset;
  if ((c.dltsOverturned ?? []).some(same)) return false;
  if (c.dlts.some((d) => d.adjudicated && same(d))) return true;
  return undefined;
}

function adjudicationReason(dlt: boolean, rationale?: string): string {
  return `the investigator adjudicated it ${dlt ? 'dose-limiting' : 'not dose-limiting'}${rationale ? `: ${rationale}` : ''}`;
}

/**
 * Counts the AE and keeps the DLT list current. A later report of the same AE (same term and onset)
 * replaces the earlier call: an expected event that resolved in time stops being a provisional DLT;
 * an adjudicated call stands.
 */
export function recordAdverseEvent(spec: LifecycleSpec, c: PatientContext, e: Event<AdverseEventData>): Partial<PatientContext> {
  const a = adverseEventAssessment(spec, c, e);
  const sameEvent = (d: { term: string; onset: string }) => d.term.toLowerCase() === a.term.toLowerCase() && d.onset === a.onset;
  const others = c.dlts.filter((d) => !sameEvent(d));
  const call = {
    term: a.term,
    grade: a.grade,
    onset: a.onset,
    ...(a.provisional ? { provisional: true } : {}),
    ...(a.adjudicated ? { adjudicated: true } : {}),
    ...(a.persistsOnStudyDay !== undefined ? { persistsOnStudyDay: a.persistsOnStudyDay } : {}),
  };
  return {
    adverseEventCount: c.adverseEventCount + 1,
    worstAdverseEventGrade: Math.max(c.worstAdverseEventGrade, a.grade),
    dlts: a.dlt ? [...others, call] : others,
    ...settleProposal(c, e.data.labProposal),
  };
}

export interface DltAdjudicationData {
  term: string;
  onset: string;
  dlt: boolean;
  rationale: string;
}

/** The investigator's call on an AE's DLT status, as the engine answers it: the AE (onset as an instant) and the call. */
export function dltAdjudication(c: PatientContext, e: Event<DltAdjudicationData>) {
  const onset = clinicalInstant(e.data.onset, c.infusion?.infusedAt);
  return { term: e.data.term, onset, dlt: e.data.dlt, provisional: false, dltReason: adjudicationReason(e.data.dlt, e.data.rationale) };
}

/** The investigator's call replaces the computed one for that AE (same term and onset). */
export function recordDltAdjudication(c: PatientContext, e: Event<DltAdjudicationData>): Partial<PatientContext> {
  const { onset } = dltAdjudication(c, e);
  const same = (d: { term: string; onset: string }) => d.term.toLowerCase() === e.data.term.toLowerCase() && d.onset === onset;
  const others = c.dlts.filter((d) => !same(d));
  const overturned = c.dltsOverturned ?? [];
  const grade = c.dlts.find(same)?.grade ?? overturned.find(same)?.grade ?? 0;
  return e.data.dlt
    ? { dlts: [...others, { term: e.data.term, grade, onset, adjudicated: true }], dltsOverturned: overturned.filter((d) => !same(d)) }
    : { dlts: others, dltsOverturned: [...overturned.filter((d) => !same(d)), { term: e.data.term, onset, grade }] };
}

export interface LesionData extends LesionSize {
  id: string;
  baselineLdiCm?: number;
  baselineSdiCm?: number;
}

export interface ResponseData {
  visit: string;
  response?: string;
  marrowBlastsPct?: number;
  circulatingBlasts?: boolean;
  extramedullary?: boolean;
  anc?: number;
  platelets?: number;
  /** The unit of anc and platelets; absent on assessments recorded before it was asked for, which were in ×10⁹/L. */
  countsUnit?: CountUnit;
  mrdPct?: number;
  deauville?: number;
  spdChangePct?: number;
  spdChangeFromNadirPct?: number;
  lesions?: LesionData[];
  newLesion?: boolean;
  uptakeReducedFromBaseline?: boolean;
  uptakeIncreasedFromBaseline?: boolean;
}

export type LesionRecords = Record<string, LesionRecord>;

/** The Lugano 2014 findings of an assessment, named as the rule names them. */
export function luganoFindings(d: ResponseData): LuganoInput {
  return {
    newLesion: d.newLesion ?? false,
    ...(d.deauville !== undefined ? { deauville: d.deauville } : {}),
    ...(d.spdChangePct !== undefined ? { spdChangeFromBaselinePct: d.spdChangePct } : {}),
    ...(d.spdChangeFromNadirPct !== undefined ? { spdChangeFromNadirPct: d.spdChangeFromNadirPct } : {}),
    ...(d.lesions !== undefined ? { lesions: d.lesions.map(({ id, ldiCm, sdiCm }) => ({ id, ldiCm, sdiCm })) } : {}),
    ...(d.uptakeReducedFromBaseline !== undefined ? { uptakeReducedFromBaseline: d.uptakeReducedFromBaseline } : {}),
    ...(d.uptakeIncreasedFromBaseline !== undefined ? { uptakeIncreasedFromBaseline: d.uptakeIncreasedFromBaseline } : {}),
  };
}

const baselineOf = (lesion: LesionData): LesionSize | undefined =>
  lesion.baselineLdiCm === undefined || lesion.baselineSdiCm === undefined ? undefined : { ldiCm: lesion.baselineLdiCm, sdiCm: lesion.baselineSdiCm };

/**
 * Lugano findings that cannot be assessed, as sentences; empty when they can. A lesion's baseline is
 * given once: a later assessment may repeat it, not change it.
 */
export function luganoProblems(d: ResponseData, lesions: LesionRecords | undefined): string[] {
  const parsed = luganoInputSchema.safeParse(luganoFindings(d));
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => i.message);
  for (const lesion of d.lesions ?? []) {
    const given = baselineOf(lesion);
    const recorded = lesions?.[lesion.id]?.baseline;
    if (given && recorded && (given.ldiCm !== recorded.ldiCm || given.sdiCm !== recorded.sdiCm)) {
      problems.push(
        `lesion ${lesion.id} has its baseline on record as ${recorded.ldiCm} × ${recorded.sdiCm} cm; a later assessment cannot change it to ${given.ldiCm} × ${given.sdiCm} cm`,
      );
    }
  }
  return problems;
}

/**
 * What earlier assessments say of each lesion measured at `at`: its baseline (on record, or given
 * now) and its nadir, the smallest of the baseline and the measurements taken before `at`.
 */
export function lesionPriors(lesions: LesionRecords | undefined, d: ResponseData, at: string): Record<string, LesionPrior> {
  return Object.fromEntries(
    (d.lesions ?? []).map((lesion) => {
      const baseline = lesions?.[lesion.id]?.baseline ?? baselineOf(lesion);
      const earlier = (lesions?.[lesion.id]?.measured ?? []).filter((m) => m.at < at).map(({ ldiCm, sdiCm }) => ({ ldiCm, sdiCm }));
      const nadir = nadirOf([...(baseline ? [baseline] : []), ...earlier]);
      return [lesion.id, { ...(baseline ? { baseline } : {}), ...(nadir ? { nadir } : {}) }];
    }),
  );
}

/** The lesions on record once this assessment's measurements (and any baseline it gives) are added. */
export function recordLesions(lesions: LesionRecords | undefined, d: ResponseData, at: string): LesionRecords | undefined {
  if (!d.lesions) return lesions;
  const next: LesionRecords = { ...lesions };
  for (const lesion of d.lesions) {
    const current = next[lesion.id] ?? { measured: [] };
    const baseline = current.baseline ?? baselineOf(lesion);
    next[lesion.id] = { ...(baseline ? { baseline } : {}), measured: [...current.measured, { at, ldiCm: lesion.ldiCm, sdiCm: lesion.sdiCm }] };
  }
  return next;
}

/**
 * The response an assessment records: the investigator's call when given, else computed from the
 * findings; Lugano findings with each lesion judged against its nadir among the lesions on record.
 */
export function assessedResponse(spec: LifecycleSpec, e: Event<ResponseData>, lesions?: LesionRecords): { response: string; mrdNegative?: boolean } {
  const d = e.data;
  if (d.response) return { response: d.response };
  if (spec.responseCriteria === 'LUGANO_2014') return { response: luganoAssessment(d, lesions, e.occurredAt).response };
  return allResponse({
    marrowBlastsPct: d.marrowBlastsPct ?? 100,
    circulatingBlasts: d.circulatingBlasts ?? false,
    extramedullary: d.extramedullary ?? false,
    anc: countsIn109PerL(d.anc ?? 0, d.countsUnit),
    platelets: countsIn109PerL(d.platelets ?? 0, d.countsUnit),
    mrdPct: d.mrdPct,
  });
}

/** The Lugano 2014 response to the findings, with the reason, each lesion against its nadir on record. */
export function luganoAssessment(d: ResponseData, lesions: LesionRecords | undefined, at: string) {
  return luganoResponse(luganoFindings(d), lesionPriors(lesions, d, at));
}

/**
 * After a remission (CR or CRi) on record, ALL findings that show disease again are a relapse; the
 * answer names its kind so the site can record PROGRESSION_OR_RELAPSE.
 */
export function relapseAfterRemission(spec: LifecycleSpec, c: PatientContext, e: Event<ResponseData>) {
  const d = e.data;
  const remissions = c.responses.filter((r) => r.response === 'CR' || r.response === 'CRi');
  if (spec.responseCriteria !== 'ALL' || d.response || !remissions.length || d.marrowBlastsPct === undefined) return undefined;
  const result = classifyAllRelapse({
    marrowBlastsPct: d.marrowBlastsPct,
    circulatingBlasts: d.circulatingBlasts ?? false,
    extramedullary: d.extramedullary ?? false,
    ...(d.mrdPct !== undefined ? { mrdPct: d.mrdPct } : {}),
    previousBestResponse: remissions.some((r) => r.response === 'CR') ? 'CR' : 'CRi',
    previousMrdNegative: remissions.some((r) => r.mrdNegative === true),
  });
  return result.relapse ? { kind: result.kind, reason: result.reason } : undefined;
}

export const recordResponse = (spec: LifecycleSpec, c: PatientContext, e: Event<ResponseData>): Partial<PatientContext> => ({
  responses: [...c.responses, { visit: e.data.visit, assessedAt: e.occurredAt, ...assessedResponse(spec, e, c.lesions) }],
  ...(e.data.lesions ? { lesions: recordLesions(c.lesions, e.data, e.occurredAt) } : {}),
});

export function recordVisit(c: PatientContext, visit: string, change: Partial<PatientContext['visits'][string]>) {
  const current = c.visits[visit] ?? { status: 'planned' as const };
  return { visits: { ...c.visits, [visit]: { ...current, ...change } } };
}

export const recordOffStudy =
  (reason: string) =>
  (_c: PatientContext, e: Event<{ reason?: string; cause?: string }>): Partial<PatientContext> => ({
    offStudy: { at: e.occurredAt, reason, ...((e.data.reason ?? e.data.cause) ? { detail: e.data.reason ?? e.data.cause } : {}) },
  });

/** The patient left the study while its DLT window was still open: the window never closed, and it is evaluable only with a DLT. */
export const leftDuringDltWindow = (c: PatientContext): boolean => c.offStudy !== undefined && c.dltWindow !== undefined && c.dltWindow.closedAt === undefined;
