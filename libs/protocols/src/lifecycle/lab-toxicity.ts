import type { ClinicalEvent } from '../events';
import type { LifecycleSpec } from './spec';
import type { PatientContext } from './context';
import { clinicalInstant, studyDay } from './clinical-time';
import { gradeLabResult, isGradedLab, type ReferenceRange } from '../rules/ctcae-labs';
import { EARLY_ICAHT_LAST_DAY, gradeIcaht, type AncSample } from '../rules/icaht';

/**
 * Toxicity from the labs (README, "Toxicity from the labs"): each result CTCAE v5.0 grades is graded
 * against the patient's baseline and reference range; a grade worth reporting is proposed as an
 * adverse event for the investigator to confirm (ADVERSE_EVENT_REPORTED naming the proposal) or
 * dismiss with a reason (LAB_TOXICITY_DISMISSED). Nothing is recorded as an AE without them. The
 * record keeps what is needed: one baseline and one latest grade per code, at most one open proposal
 * per term, and the ANC samples ICAHT can use (withAnc; after day 30 every count at or below
 * 1500/µL, so a patient neutropenic for long keeps a longer list).
 */

/** A result of this grade or worse is proposed as an AE; grade 1 is shown on the record only. */
export const PROPOSE_FROM_GRADE = 2;

export interface LabToxicityProposal {
  /** `<code>@<collectedAt as an instant>`: what the confirmation or the dismissal names. */
  id: string;
  code: string;
  term: string;
  grade: number;
  reason: string;
  value: number;
  unit: string;
  collectedAt: string;
  studyDay: number;
  /** Set when the result meets the protocol's prolonged-cytopenia DLT clause. */
  dlt?: string;
}

export interface LabToxicityRecord {
  /** Each code's baseline: the last result collected before lymphodepletion began (or, without one, before the infusion). */
  baselines: Record<string, { value: number; collectedAt: string }>;
  /** Each term's grade on its latest result, grade 0 and 1 included. */
  latest: Record<string, { code: string; grade: number; value: number; collectedAt: string }>;
  /** Proposals waiting for the investigator, at most one per term. */
  proposals: LabToxicityProposal[];
  /** Each term's last confirmed or dismissed grade, until a later result is normal again; `prolonged` once a prolonged cytopenia was settled. */
  settled: Record<string, { grade: number; prolonged?: true }>;
  /** ANC (×10⁹/L) samples: up to day 30 each, after day 30 those at or below 1500/µL (withAnc). */
  anc: { early: AncSample[]; late: AncSample[] };
}

export interface LabResultData {
  code: string;
  value: number;
  unit: string;
  collectedAt: string;
  compartment?: string;
  referenceRange?: ReferenceRange;
}

const empty = (): LabToxicityRecord => ({ baselines: {}, latest: {}, proposals: [], settled: {}, anc: { early: [], late: [] } });

/** When treatment began for grading purposes: lymphodepletion, else the infusion (a rollover's parent infusion). */
const treatmentStart = (c: PatientContext): string | undefined => c.lymphodepletion?.startedAt ?? c.infusion?.infusedAt;

export const proposalId = (code: string, collectedAt: string): string => `${code}@${collectedAt}`;

/** After day 30 only a count at or below this (1500/µL) can grade late ICAHT. */
const LATE_ICAHT_MAX = 1.5;

/**
 * The ANC series with one more sample. A sample for an instant already in the series corrects it (a
 * corrected result, OBX-11 `C`: the later value stands, as `standingResults` in rules/lab-results.ts
 * reads the log), so that a count corrected upward stops counting as neutropenia. Kept: every sample
 * from Day 0 to day 30, before Day 0 those of the last sampled day (they bound the gap before the
 * first sample on study), after day 30 those at or below 1500/µL. Samples recorded before they
 * carried their instant (`at`) are kept as they are.
 */
function withAnc(anc: LabToxicityRecord['anc'], sample: AncSample & { at: string }): LabToxicityRecord['anc'] {
  const others = (samples: AncSample[]) => samples.filter((s) => s.at !== sample.at);
  if (sample.day <= EARLY_ICAHT_LAST_DAY) {
    const early = [...others(anc.early), sample].sort((a, b) => a.day - b.day || (a.at ?? '').localeCompare(b.at ?? ''));
    const lastDayBefore = early.filter((s) => s.day < 0).at(-1)?.day;
    return { early: early.filter((s) => s.day >= 0 || s.day === lastDayBefore), late: others(anc.late) };
  }
  return { early: others(anc.early), late: [...others(anc.late), sample].filter((s) => s.value <= LATE_ICAHT_MAX) };
}

/** The grade a result would be proposed at, with the DLT clause it meets, if it is worth proposing now. */
function proposalFor(spec: LifecycleSpec, t: LabToxicityRecord, p: LabToxicityProposal): LabToxicityProposal | undefined {
  const key = p.term.toLowerCase();
  const clause = spec.dlt.prolongedCytopenia;
  const prolonged =
    clause &&
    clause.terms.includes(key) &&
    p.grade >= clause.minGrade &&
    p.studyDay >= clause.byDay &&
    p.studyDay <= clause.byDay + clause.withinDays &&
    !t.settled[key]?.prolonged;
  const pending = t.proposals.find((q) => q.term.toLowerCase() === key);
  const dlt = prolonged ? `still grade ${p.grade} on day ${p.studyDay}, not recovered by day ${clause.byDay}: ${clause.description}` : undefined;
  // An open DLT proposal is not replaced by one that is not: the investigator can give the worse grade when confirming it.
  if (pending?.dlt && !dlt) return undefined;
  if (dlt && !pending?.dlt) return { ...p, dlt };
  if (p.grade < PROPOSE_FROM_GRADE) return undefined;
  const worstSoFar = Math.max(t.settled[key]?.grade ?? 0, pending?.grade ?? 0);
  return p.grade > worstSoFar ? { ...p, ...(dlt ? { dlt } : {}) } : undefined;
}

/** Records a lab result: baseline, latest grade, ANC series, and a proposal when the result is worth one. */
export function recordLabResult(spec: LifecycleSpec, c: PatientContext, e: ClinicalEvent<LabResultData>): Partial<PatientContext> {
  const count = { labResultCount: c.labResultCount + 1 };
  const d = e.data;
  const day0 = c.infusion?.infusedAt;
  if (!day0 || !isGradedLab(d.code) || (d.compartment !== undefined && d.compartment !== 'PB')) return count;
  const t = c.labToxicity ?? empty();
  const collectedAt = clinicalInstant(d.collectedAt, day0);
  const day = studyDay(collectedAt, day0);
  const anc = d.code === 'ANC' ? withAnc(t.anc, { day, value: d.value, at: collectedAt }) : t.anc;
  const start = treatmentStart(c)!;
  if (collectedAt < start) {
    const current = t.baselines[d.code];
    const baselines = !current || current.collectedAt <= collectedAt ? { ...t.baselines, [d.code]: { value: d.value, collectedAt } } : t.baselines;
    return { ...count, labToxicity: { ...t, baselines, anc } };
  }
  const graded = gradeLabResult({ code: d.code, value: d.value, referenceRange: d.referenceRange, baseline: t.baselines[d.code]?.value, sex: c.patient.sex })!;
  const key = graded.term.toLowerCase();
  const isLatest = !t.latest[graded.term] || t.latest[graded.term].collectedAt <= collectedAt;
  const latest = isLatest ? { ...t.latest, [graded.term]: { code: d.code, grade: graded.grade, value: d.value, collectedAt } } : t.latest;
  // Back to normal: a later worsening is a new episode, proposed again.
  const settled = isLatest && graded.grade === 0 ? Object.fromEntries(Object.entries(t.settled).filter(([term]) => term !== key)) : t.settled;
  const candidate: LabToxicityProposal = {
    id: proposalId(d.code, collectedAt),
    code: d.code,
    term: graded.term,
    grade: graded.grade,
    reason: graded.reason,
    value: d.value,
    unit: d.unit,
    collectedAt,
    studyDay: day,
  };
  const proposal = proposalFor(spec, { ...t, settled }, candidate);
  const proposals = proposal ? [...t.proposals.filter((q) => q.term.toLowerCase() !== key), proposal] : t.proposals;
  return { ...count, labToxicity: { ...t, latest, settled, proposals, anc } };
}

/** The open proposal an event names, if any. */
export const openProposal = (c: PatientContext, id: string | undefined): LabToxicityProposal | undefined =>
  id === undefined ? undefined : c.labToxicity?.proposals.find((p) => p.id === id);

/** Why an event cannot settle the proposal it names (one sentence each); none when it can. */
export function proposalRefusals(c: PatientContext, id: string, term?: string): string[] {
  const open = openProposal(c, id);
  if (!open) {
    const ids = c.labToxicity?.proposals.map((p) => p.id) ?? [];
    return [`there is no open lab toxicity proposal ${id} (open: ${ids.length ? ids.join(', ') : 'none'}); it may have been confirmed, dismissed or replaced by a worse result`];
  }
  if (term !== undefined && term.trim().toLowerCase() !== open.term.toLowerCase()) {
    return [`proposal ${id} is ${open.term}, not ${term}: confirm it under its own CTCAE term`];
  }
  return [];
}

/** The proposal is settled at its grade: it leaves the list, and only a worse result of the term is proposed again. */
export function settleProposal(c: PatientContext, id: string | undefined): Partial<PatientContext> {
  const open = openProposal(c, id);
  const t = c.labToxicity;
  if (!open || !t) return {};
  const key = open.term.toLowerCase();
  const prolonged = open.dlt !== undefined || t.settled[key]?.prolonged ? { prolonged: true as const } : {};
  return {
    labToxicity: {
      ...t,
      proposals: t.proposals.filter((p) => p.id !== open.id),
      settled: { ...t.settled, [key]: { grade: Math.max(open.grade, t.settled[key]?.grade ?? 0), ...prolonged } },
    },
  };
}

export interface LabToxicityDismissal {
  proposal: string;
  reason: string;
}

export const recordLabToxicityDismissal = (c: PatientContext, e: ClinicalEvent<LabToxicityDismissal>): Partial<PatientContext> => settleProposal(c, e.data.proposal);

/**
 * The lab toxicity as the patient's record shows it: open proposals, each term's latest grade, ICAHT
 * as of `now`, or as of the day the patient left the study (later days are not unsampled days of it).
 */
export function labToxicityView(c: PatientContext, now: string) {
  const t = c.labToxicity ?? empty();
  const day0 = c.infusion?.infusedAt;
  const censorDay = day0 && c.progression ? studyDay(c.progression.at, day0) : undefined;
  const anc = [...t.anc.early, ...t.anc.late];
  const readOn = c.offStudy && c.offStudy.at < now ? c.offStudy.at : now;
  return {
    proposals: t.proposals,
    grades: Object.entries(t.latest).map(([term, latest]) => ({ term, ...latest })),
    baselines: t.baselines,
    icaht: day0 && anc.length ? gradeIcaht(anc, { throughDay: studyDay(readOn, day0), ...(censorDay !== undefined ? { censorDay } : {}) }) : null,
  };
}

/** What the engine answers to a lab result: its CTCAE grade, or that it is a baseline, and the proposal it opened. */
export function labResultAnswer(spec: LifecycleSpec, c: PatientContext, e: ClinicalEvent<LabResultData>) {
  const after = recordLabResult(spec, c, e).labToxicity;
  const day0 = c.infusion?.infusedAt;
  if (!after || !day0) return undefined;
  const collectedAt = clinicalInstant(e.data.collectedAt, day0);
  if (collectedAt < treatmentStart(c)!) return { baseline: true };
  const graded = gradeLabResult({
    code: e.data.code,
    value: e.data.value,
    referenceRange: e.data.referenceRange,
    baseline: after.baselines[e.data.code]?.value,
    sex: c.patient.sex,
  })!;
  const proposal = after.proposals.find((p) => p.id === proposalId(e.data.code, collectedAt));
  return { term: graded.term, grade: graded.grade, gradeReason: graded.reason, ...(proposal ? { proposal } : {}) };
}
