import type { ClinicalEvent } from '../events';
import type { PatientContext } from '../lifecycle/context';
import type { LifecycleSpec } from '../lifecycle/spec';
import { addDays } from '../lifecycle/clinical-time';
import { boinDesignProblems } from '../statistics';
import { activeHolds, initialTrialState, levelRecord, type PatientEvaluation, type TrialState } from './trial-state';
import { adoptDecision, boinOptions, bumpLevel, designAnswer, evaluationsCounted, levelTallies } from './escalation-design';
import { decisionsSince, reviseAfterEvaluationWithdrawn, reviseAfterLateData, reviseAfterLateEvaluation } from './late-data';
import { lockSince } from './data-lock';
import { leftDuringDltWindow } from '../lifecycle/record';

/** Events that change the trial row, in the same transaction as the patient's event. */
export const TRIAL_EVENT_TYPES = ['ENROLLED', 'INFUSION_COMPLETED', 'DLT_WINDOW_CLOSED', 'WITHDRAWN', 'DEATH', 'LOST_TO_FOLLOW_UP', 'MANUFACTURING_FAILED'] as const;

export function movesTrial(type: string): boolean {
  return (TRIAL_EVENT_TYPES as readonly string[]).includes(type);
}

const hasDlt = (context: PatientContext) => context.dlts.length > 0;

/**
 * Whether an event that does not always move the trial moves it for this patient: late data on a
 * patient whose DLT window is over (closed, or cut short when the patient left the study during it)
 * that changes whether they had a DLT (a DLT reported after the window or after the patient left, a
 * call reversed, a provisional DLT that resolved in time), and any DLT adjudication then (refused
 * once the level's data are locked). Every other AE, in the window or after it, leaves the trial as
 * it is.
 */
export function evaluationTouched(event: ClinicalEvent, before: PatientContext, after: PatientContext): boolean {
  if (!before.dltWindow?.closedAt && !leftDuringDltWindow(before)) return false;
  return event.type === 'DLT_ADJUDICATED' || hasDlt(before) !== hasDlt(after);
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

/** The dose level the next enrolled patient receives: the MTD once found (expansion), else the current level. */
export function doseLevelForNextPatient(state: TrialState): number {
  return state.mtd ?? state.currentDoseLevel;
}

const fmtDate = (at: string) => at.slice(0, 10);

/**
 * Why the trial refuses this patient's event (HTTP 422): enrollment closed, held after a revised
 * decision, no slot open, a staggered start, an adjudication on locked data.
 */
export function trialRefusals(spec: LifecycleSpec, state: TrialState, event: ClinicalEvent, patientId?: string, record?: PatientContext): string[] {
  if (event.type === 'ENROLLED') {
    if (state.status === 'stopped') return [`enrollment is closed: dose escalation stopped (${state.decisions.at(-1)?.reason ?? 'no tolerable dose'})`];
    if (state.enrolled >= spec.targetEnrollment) {
      return [`enrollment is complete: ${state.enrolled} of ${spec.targetEnrollment} participants are enrolled`];
    }
    const next = doseLevelForNextPatient(state);
    const hold = activeHolds(state).find((h) => h.levels.includes(next));
    if (hold) {
      return [
        `enrollment at dose level ${next} is held since ${fmtDate(hold.since)}: ${hold.reason}; ` +
          `an investigator or admin must review the revised decision and release hold ${hold.id}`,
      ];
    }
    const escalation = spec.doseEscalation;
    if (escalation && state.status === 'open') {
      const level = state.currentDoseLevel;
      const waiting = state.pending.filter((p) => p.level === level);
      if (levelRecord(state, level).enrolled >= escalation.cohortSize * cohortsAssigned(spec, state, level)) {
        const closes = waiting
          .map((p) => p.closesAt)
          .filter((at): at is string => at !== null)
          .sort();
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
  if (event.type === 'DLT_ADJUDICATED' && patientId !== undefined) {
    const lockedAt = adjudicationLockedAt(state, patientId, record);
    if (lockedAt) return [`the DLT data of dose level ${lockedAt.level} were locked on ${fmtDate(lockedAt.at)}: a DLT call at that level can no longer be adjudicated`];
  }
  return [];
}

/**
 * When the patient's DLT data were locked, if they were: its evaluation's lock, or for a patient who
 * left during its DLT window unevaluated (`record` tells), a lock of its level signed since it left.
 */
function adjudicationLockedAt(state: TrialState, patientId: string, record?: PatientContext): { level: number; at: string } | undefined {
  const evaluation = state.evaluations[patientId];
  if (evaluation) return evaluation.lockedAt ? { level: evaluation.level, at: evaluation.lockedAt } : undefined;
  if (!record?.enrollment || !leftDuringDltWindow(record)) return undefined;
  const lock = lockSince(state, record.enrollment.doseLevel, record.offStudy!.at);
  return lock && { level: lock.level, at: lock.signature.signedAt };
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
  // An MTD found or a stop names no level (`toLevel` null): it opens no slot; nor does a revision that only waits.
  const assigned = opening + state.decisions.filter((d) => d.toLevel === level && !d.awaiting).length;
  // A patient counted late after its replacement took its slot can leave more evaluable patients than
  // the cohorts assigned hold (3+3: 1 DLT in 4, wait for 6): the cohort they began is filled up.
  const begun = Math.ceil(levelRecord(state, level).evaluable / (spec.doseEscalation?.cohortSize ?? 1));
  return Math.max(assigned, begun);
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

  switch (event.type) {
    case 'ENROLLED': {
      if (level === undefined) return state;
      return {
        ...state,
        enrolled: state.enrolled + 1,
        levels: bumpLevel(state, level, { enrolled: 1 }),
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
      const evaluated = evaluate({ ...state, pending: state.pending.filter((p) => p.patientId !== patientId) }, patientId, level, hasDlt(after));
      return decideEscalation(spec, evaluated, step, level);
    }
    default: {
      const evaluation = evaluationOf(state, step);
      if (evaluation) {
        // Late data on a patient already counted: the tally follows the record until the level's data are locked.
        if (evaluation.lockedAt) return state;
        // One who left during its DLT window counts only with a DLT: without one any more, it is not evaluable.
        if (leftDuringDltWindow(after) && !hasDlt(after)) return reviseAfterEvaluationWithdrawn(spec, state, step, evaluation);
        if (evaluation.dlt === hasDlt(after)) return state;
        return reviseAfterLateData(spec, state, step, evaluation, hasDlt(after));
      }
      const held = state.pending.find((p) => p.patientId === patientId);
      if (held && !before.dltWindow?.closedAt) {
        const pending = state.pending.filter((p) => p !== held);
        // Off study during the DLT window after a DLT (a grade-5 toxicity, a withdrawal after one): the
        // window never closes, but the DLT is known, so the patient is evaluable with it.
        if (hasDlt(before)) return decideEscalation(spec, evaluate({ ...state, pending }, patientId, held.level, true), step, held.level);
        // Off study before evaluation without a DLT: not evaluable, and the slot is freed for a replacement.
        return { ...state, levels: bumpLevel(state, held.level, { enrolled: -1 }), pending };
      }
      // Left during the DLT window without a DLT, the slot given back: a DLT in the window reported since makes it evaluable.
      if (level !== undefined && leftDuringDltWindow(before) && !hasDlt(before) && hasDlt(after)) return evaluateAfterLeaving(spec, state, step, level);
      return state;
    }
  }
}

/**
 * A patient who left the study during its DLT window without a DLT, its DLT (onset in the window)
 * reported since: a patient with a DLT in the window is evaluable whatever happened after, as 3+3 and
 * BOIN count it, so it is evaluable with that DLT and takes its slot at the level again (`enrolled`).
 * The decisions taken since it left are asked again with it (a revision, a hold, a notice); with none
 * taken, its cohort is still open and it counts as the cohort's next evaluation. A lock of the level's
 * data signed since it left made them final without it: the DLT is recorded, not counted.
 */
function evaluateAfterLeaving(spec: LifecycleSpec, state: TrialState, step: TrialStep, level: number): TrialState {
  const leftAt = step.before.offStudy!.at;
  if (lockSince(state, level, leftAt)) return state;
  const evaluated = evaluate({ ...state, levels: bumpLevel(state, level, { enrolled: 1 }) }, step.patientId, level, true);
  return decisionsSince(state, leftAt).length ? reviseAfterLateEvaluation(spec, state, evaluated, step, leftAt) : decideEscalation(spec, evaluated, step, level);
}

/**
 * How the escalation counted this patient, if it has: its evaluation, or for a patient evaluated
 * before evaluations were kept (a trial row from an earlier version), one made from its record, counted
 * by every decision since.
 */
function evaluationOf(state: TrialState, { patientId, before }: TrialStep): PatientEvaluation | undefined {
  const kept = state.evaluations[patientId];
  if (kept) return kept;
  const level = before.enrollment?.doseLevel;
  return before.dltWindow?.closedAt && level !== undefined ? { n: 0, level, dlt: hasDlt(before) } : undefined;
}

/** The patient becomes evaluable at a level, with or without a DLT, as the trial's next evaluation. */
function evaluate(state: TrialState, patientId: string, level: number, dlt: boolean): TrialState {
  return {
    ...state,
    levels: bumpLevel(state, level, { evaluable: 1, dlts: dlt ? 1 : 0 }),
    evaluations: { ...state.evaluations, [patientId]: { n: evaluationsCounted(state) + 1, level, dlt } },
  };
}

/**
 * After a patient at the current level is evaluated, the protocol's design decides where the next
 * cohort goes, unless it answers that it waits for the rest of the cohort. The design knows when it
 * may decide early (3+3: a second DLT at a level settles it). An evaluation at a level the trial
 * has already left adds to that level's tally for the next decision but takes none itself.
 */
function decideEscalation(spec: LifecycleSpec, state: TrialState, step: TrialStep, evaluatedLevel: number): TrialState {
  if (!spec.doseEscalation || state.status !== 'open' || evaluatedLevel !== state.currentDoseLevel) return state;
  const tallies = levelTallies(spec, state);
  const decision = designAnswer(spec, tallies, state.currentDoseLevel);
  if (!decision || decision.awaiting) return state;
  return adoptDecision(state, {
    at: step.event.occurredAt,
    patientId: step.patientId,
    seq: step.seq,
    action: decision.action,
    fromLevel: state.currentDoseLevel,
    toLevel: decision.nextLevel,
    mtd: decision.mtd,
    reason: decision.reason,
    tallies,
    evaluationsCounted: evaluationsCounted(state),
  });
}
