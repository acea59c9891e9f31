import type { ClinicalEvent } from '../events';
import type { PatientContext } from '../lifecycle/context';
import type { BoinEscalation, LifecycleSpec } from '../lifecycle/spec';
import { addDays } from '../lifecycle/clinical-time';
import { boinDecision, boinDesignProblems, threePlusThree, type BoinOptions, type EscalationDecision, type LevelTally } from '../statistics';
import { initialTrialState, levelRecord, type TrialState } from './trial-state';

/** Events that change the trial row, in the same transaction as the patient's event. */
export const TRIAL_EVENT_TYPES = [
  'ENROLLED',
  'INFUSION_COMPLETED',
  'DLT_WINDOW_CLOSED',
  'WITHDRAWN',
  'DEATH',
  'LOST_TO_FOLLOW_UP',
  'MANUFACTURING_FAILED',
] as const;

export function movesTrial(type: string): boolean {
  return (TRIAL_EVENT_TYPES as readonly string[]).includes(type);
}

export const newTrialState = (spec: LifecycleSpec) => initialTrialState(spec.doseLevels[0].level);

/**
 * Why a protocol's dose-escalation design cannot run, one sentence each (empty when it can): checked
 * when the protocol is built, so a design its source refuses never reaches a patient. 3+3 treats
 * cohorts of 3; BOIN takes the designs the BOIN package's `get.boundary` takes, with a maximum sample
 * size that is a whole number of cohorts (`ncohort × cohortsize`) within the trial's enrollment.
 */
export function escalationDesignProblems(spec: LifecycleSpec): string[] {
  const design = spec.doseEscalation;
  if (!design) return [];
  const { cohortSize } = design;
  if (!Number.isInteger(cohortSize) || cohortSize < 1) return [`the cohort size must be a whole number of patients, got ${cohortSize}`];
  if (design.design === '3+3') return cohortSize === 3 ? [] : [`3+3 treats cohorts of 3 patients, got a cohort size of ${cohortSize}`];
  const problems = boinDesignProblems(boinOptions(design));
  const { maxSampleSize } = design;
  if (!Number.isInteger(maxSampleSize) || maxSampleSize < cohortSize || maxSampleSize % cohortSize !== 0) {
    problems.push(`the maximum sample size must be a whole number of cohorts of ${cohortSize}, got ${maxSampleSize}`);
  } else if (maxSampleSize > spec.targetEnrollment) {
    problems.push(`the maximum sample size of ${maxSampleSize} exceeds the target enrollment of ${spec.targetEnrollment}`);
  }
  return problems;
}

function boinOptions(design: BoinEscalation): BoinOptions {
  const { targetDltRate, cohortSize, maxSampleSize, phi1, phi2, eliminationCutoff, extraSafe, offset } = design;
  return { target: targetDltRate, cohortSize, maxSampleSize, phi1, phi2, eliminationCutoff, extraSafe, offset };
}

/** The dose level the next enrolled patient receives: the MTD once found (expansion), else the current level. */
export function doseLevelForNextPatient(state: TrialState): number {
  return state.mtd ?? state.currentDoseLevel;
}

const fmtDate = (at: string) => at.slice(0, 10);

/** Why the trial refuses this patient's event (HTTP 422): enrollment closed, no slot open, a staggered start. */
export function trialRefusals(spec: LifecycleSpec, state: TrialState, event: ClinicalEvent): string[] {
  if (event.type === 'ENROLLED') {
    if (state.status === 'stopped') return [`enrollment is closed: dose escalation stopped (${state.decisions.at(-1)?.reason ?? 'no tolerable dose'})`];
    if (state.enrolled >= spec.targetEnrollment) {
      return [`enrollment is complete: ${state.enrolled} of ${spec.targetEnrollment} participants are enrolled`];
    }
    const escalation = spec.doseEscalation;
    if (escalation && state.status === 'open') {
      const level = state.currentDoseLevel;
      const waiting = state.pending.filter((p) => p.level === level);
      if (levelRecord(state, level).enrolled >= escalation.cohortSize * cohortsAssigned(spec, state, level)) {
        const closes = waiting.map((p) => p.closesAt).filter((at): at is string => at !== null).sort();
        const when = !waiting.length
          ? 'the slot opens when the cohort is decided'
          : closes.length === waiting.length
            ? `the slot opens when their DLT windows have closed, on ${fmtDate(closes.at(-1)!)}`
            : `the slot opens once they are infused and their DLT windows have closed (${closes.length} of ${waiting.length} infused)`;
        return [`the cohort of ${escalation.cohortSize} at dose level ${level} is full and awaiting DLT evaluation; ${when}`];
      }
    }
  }
  if (event.type === 'INFUSION_COMPLETED' && spec.doseEscalation?.staggerDays && state.lastInfusionAt) {
    const opens = addDays(state.lastInfusionAt, spec.doseEscalation.staggerDays);
    if (event.occurredAt < opens) {
      return [
        `infusions are staggered by ${spec.doseEscalation.staggerDays} days: the next infusion may take place from ${fmtDate(opens)} (the previous was on ${fmtDate(state.lastInfusionAt)})`,
      ];
    }
  }
  return [];
}

/**
 * How many cohorts the design has sent to a level: the first level's opening cohort, and one for each
 * decision that named it (escalate or de-escalate to it, or stay and treat more there). A level's
 * slots are that many cohorts; a slot stays taken until its cohort is decided, not just until the
 * patient's own DLT window closes, so no patient joins a cohort whose decision is still open. A
 * patient off study before evaluation without a DLT gives the slot back (`enrolled` drops).
 */
function cohortsAssigned(spec: LifecycleSpec, state: TrialState, level: number): number {
  const opening = spec.doseLevels[0].level === level ? 1 : 0;
  // An MTD found or a stop names no level (`toLevel` null): it opens no slot.
  return opening + state.decisions.filter((d) => d.toLevel === level).length;
}

export interface TrialStep {
  patientId: string;
  seq: number;
  event: ClinicalEvent;
  before: PatientContext;
  after: PatientContext;
}

/** The trial after one patient's event: a pure function of the trial, the event and the patient's record. */
export function nextTrialState(spec: LifecycleSpec, state: TrialState, step: TrialStep): TrialState {
  const { event, before, after, patientId } = step;
  const level = after.enrollment?.doseLevel;
  const bump = (s: TrialState, l: number, change: Partial<Record<'enrolled' | 'evaluable' | 'dlts', number>>) => {
    const current = levelRecord(s, l);
    const next = { ...current };
    for (const [key, by] of Object.entries(change) as Array<['enrolled' | 'evaluable' | 'dlts', number]>) next[key] += by;
    return { ...s.levels, [String(l)]: next };
  };

  switch (event.type) {
    case 'ENROLLED': {
      if (level === undefined) return state;
      return {
        ...state,
        enrolled: state.enrolled + 1,
        levels: bump(state, level, { enrolled: 1 }),
        pending: [...state.pending, { patientId, level, closesAt: null }],
      };
    }
    case 'INFUSION_COMPLETED':
      return {
        ...state,
        lastInfusionAt: state.lastInfusionAt && state.lastInfusionAt > event.occurredAt ? state.lastInfusionAt : event.occurredAt,
        pending: state.pending.map((p) => (p.patientId === patientId ? { ...p, closesAt: after.dltWindow?.closesAt ?? null } : p)),
      };
    case 'DLT_WINDOW_CLOSED': {
      if (level === undefined) return state;
      const hadDlt = after.dlts.length > 0;
      const evaluated: TrialState = {
        ...state,
        levels: bump(state, level, { evaluable: 1, dlts: hadDlt ? 1 : 0 }),
        pending: state.pending.filter((p) => p.patientId !== patientId),
      };
      return decideEscalation(spec, evaluated, step, level);
    }
    default: {
      const held = state.pending.find((p) => p.patientId === patientId);
      if (!held || before.dltWindow?.closedAt) return state;
      const pending = state.pending.filter((p) => p !== held);
      // Off study during the DLT window after a DLT (a grade-5 toxicity, a withdrawal after one): the
      // window never closes, but the DLT is known, so the patient is evaluable with it.
      if (before.dlts.length > 0) {
        const evaluated: TrialState = { ...state, levels: bump(state, held.level, { evaluable: 1, dlts: 1 }), pending };
        return decideEscalation(spec, evaluated, step, held.level);
      }
      // Off study before evaluation without a DLT: not evaluable, and the slot is freed for a replacement.
      return { ...state, levels: bump(state, held.level, { enrolled: -1 }), pending };
    }
  }
}

/**
 * After a patient at the current level is evaluated, the protocol's design decides where the next
 * cohort goes, unless it answers that it waits for the rest of the cohort. The design knows when it
 * may decide early (3+3: a second DLT at a level settles it). An evaluation at a level the trial
 * has already left adds to that level's tally for the next decision but takes none itself.
 */
function decideEscalation(spec: LifecycleSpec, state: TrialState, step: TrialStep, evaluatedLevel: number): TrialState {
  const design = spec.doseEscalation;
  if (!design || state.status !== 'open' || evaluatedLevel !== state.currentDoseLevel) return state;

  const levels = spec.doseLevels.map((d) => d.level);
  const tallies: LevelTally[] = levels.map((l) => ({ level: l, treated: levelRecord(state, l).evaluable, dlts: levelRecord(state, l).dlts }));
  const decision: EscalationDecision =
    design.design === 'BOIN'
      ? boinDecision(tallies, state.currentDoseLevel, levels, boinOptions(design))
      : threePlusThree(tallies, state.currentDoseLevel, levels);
  if (decision.awaiting) return state;

  return {
    ...state,
    currentDoseLevel: decision.nextLevel ?? state.currentDoseLevel,
    mtd: decision.mtd ?? state.mtd,
    status: decision.action === 'stop' ? 'stopped' : decision.action === 'mtd-found' ? 'mtd-found' : 'open',
    decisions: [
      ...state.decisions,
      {
        at: step.event.occurredAt,
        patientId: step.patientId,
        seq: step.seq,
        action: decision.action,
        fromLevel: state.currentDoseLevel,
        toLevel: decision.nextLevel,
        reason: decision.reason,
      },
    ],
  };
}
