import type { LifecycleSpec } from '../lifecycle/spec';
import type { DltRecord, PatientContext } from '../lifecycle/context';
import { leftDuringDltWindow } from '../lifecycle/record';
import { lockSince } from './data-lock';
import { studyDay } from '../lifecycle/clinical-time';
import type { EscalationDecision, LevelTally } from '../statistics';
import { adoptDecision, bumpLevel, designAnswer } from './escalation-design';
import { levelRecord, type PatientEvaluation, type TrialDecision, type TrialState } from './trial-state';
import type { TrialStep } from './trial-rules';

const fmtDate = (at: string) => at.slice(0, 10);

/**
 * Late data on a patient the escalation has already counted: a DLT reported after the window closed
 * (onset inside it), a call the investigator reversed, a provisional DLT that resolved in time. The
 * level's tally follows at once. Then each decision still standing that counted this patient is asked
 * again with its own tallies corrected: the first whose answer differs (an escalation that should
 * have been an expansion, an MTD that is now too high, or too low) is revised. The revision is a new
 * decision naming the one it replaces and why; the trial moves where it says, and enrollment at the
 * level whose data changed and every level above it is held until an investigator or admin releases
 * it. The original stays in the history.
 */
export function reviseAfterLateData(spec: LifecycleSpec, state: TrialState, step: TrialStep, evaluation: PatientEvaluation, dlt: boolean): TrialState {
  const change = dlt ? 1 : -1;
  const corrected: TrialState = {
    ...state,
    levels: bumpLevel(state, evaluation.level, { dlts: change }),
    evaluations: { ...state.evaluations, [step.patientId]: { ...evaluation, dlt } },
  };
  return reviseFirstChanged(spec, state, corrected, step, {
    level: evaluation.level,
    change: { treated: 0, dlts: change },
    asked: (decision) => countedBy(decision, evaluation),
    cause: lateDataCause(step, evaluation.level, dlt ? 'dlt reported' : 'dlt gone'),
  });
}

/**
 * A patient who left the study during its DLT window is evaluable only with a DLT (README, "Late
 * data"). When its last DLT stops counting (overturned by the investigator), it is not evaluable any
 * more, as if it had left without one: the evaluation, with its DLT, leaves the tally and the slot is
 * freed for a replacement. The decisions that counted it are asked again without it.
 */
export function reviseAfterEvaluationWithdrawn(spec: LifecycleSpec, state: TrialState, step: TrialStep, evaluation: PatientEvaluation): TrialState {
  const { [step.patientId]: _withdrawn, ...evaluations } = state.evaluations;
  const dlts = evaluation.dlt ? 1 : 0;
  const corrected: TrialState = { ...state, levels: bumpLevel(state, evaluation.level, { enrolled: -1, evaluable: -1, dlts: -dlts }), evaluations };
  return reviseFirstChanged(spec, state, corrected, step, {
    level: evaluation.level,
    change: { treated: -1, dlts: -dlts },
    asked: (decision) => countedBy(decision, evaluation),
    cause: lateDataCause(step, evaluation.level, 'not evaluable'),
  });
}

/**
 * A patient who left the study during its DLT window without a DLT on record was not evaluable and
 * gave its slot back; a DLT in the window reported since makes it evaluable with that DLT (`evaluated`:
 * the trial with it counted). The decisions taken since it left, which would have counted it had the
 * DLT been on record, are asked again with it: the first whose answer differs is revised (and its
 * revision counts the patient, `lateEvaluations`).
 */
export function reviseAfterLateEvaluation(spec: LifecycleSpec, state: TrialState, evaluated: TrialState, step: TrialStep, leftAt: string): TrialState {
  const evaluation = evaluated.evaluations[step.patientId]!;
  const since = new Set(decisionsSince(state, leftAt));
  return reviseFirstChanged(spec, state, evaluated, step, {
    level: evaluation.level,
    change: { treated: 1, dlts: 1 },
    asked: (_decision, index) => since.has(index),
    cause: lateDataCause(step, evaluation.level, 'evaluable'),
    lateEvaluation: evaluation.n,
  });
}

/** The standing decisions taken on or after `at` (clinical time), by index in `decisions`. */
export function decisionsSince(state: TrialState, at: string): number[] {
  return standingDecisions(state).filter((index) => state.decisions[index]!.at >= at);
}

/** Whether a decision's tallies hold an evaluation: every one up to its `evaluationsCounted`, and any counted late into it. */
function countedBy(decision: TrialDecision, evaluation: PatientEvaluation): boolean {
  return (decision.evaluationsCounted ?? 0) >= evaluation.n || (decision.lateEvaluations ?? []).includes(evaluation.n);
}

interface Correction {
  /** The level whose tally changed, and by how much. */
  level: number;
  change: { treated: number; dlts: number };
  /** Which standing decisions to ask again. */
  asked: (decision: TrialDecision, index: number) => boolean;
  cause: string;
  /** An evaluation the revised tallies hold beyond the original's `evaluationsCounted`. */
  lateEvaluation?: number;
}

/**
 * Asks the standing decisions `asked` selects, oldest first, again with their tallies corrected; the
 * first whose answer differs is revised. Without one, the corrected trial stands as it is.
 */
function reviseFirstChanged(spec: LifecycleSpec, state: TrialState, corrected: TrialState, step: TrialStep, correction: Correction): TrialState {
  if (!spec.doseEscalation) return corrected;
  const { level, change, asked } = correction;
  // A decision that stands on the corrected tallies keeps them beside the tallies it was taken on, so
  // the next correction asks it again from where the data now are: two late changes add up, and
  // undoing one is measured from it, never from the tallies as first taken.
  const decisions = [...corrected.decisions];
  for (const index of standingDecisions(state)) {
    const original = state.decisions[index]!;
    const asTaken = original.correctedTallies ?? original.tallies;
    if (!asTaken || !asked(original, index)) continue;
    const tallies: LevelTally[] = asTaken.map((t) => (t.level === level ? { ...t, treated: t.treated + change.treated, dlts: t.dlts + change.dlts } : t));
    const again = designAnswer(spec, tallies, original.fromLevel);
    if (again && !sameCall(again, original)) return revise(spec, { ...corrected, decisions }, step, { index, again, tallies, correction });
    decisions[index] = { ...original, correctedTallies: tallies };
  }
  return { ...corrected, decisions };
}

/** Indexes of the decisions still standing: a revision replaces the decision it revises and every one taken after that. */
function standingDecisions(state: TrialState): number[] {
  let standing = state.decisions.map((_d, i) => i);
  state.decisions.forEach((d, j) => {
    if (d.revises !== undefined) standing = standing.filter((i) => i < d.revises! || i >= j);
  });
  return standing;
}

function sameCall(again: EscalationDecision, taken: TrialDecision): boolean {
  return again.action === taken.action && again.nextLevel === taken.toLevel && (again.mtd ?? null) === (taken.mtd ?? null) && !!again.awaiting === !!taken.awaiting;
}

interface Revision {
  /** The decision revised (index in `decisions`), the design's answer on its corrected tallies, and what changed. */
  index: number;
  again: EscalationDecision;
  tallies: LevelTally[];
  correction: Correction;
}

function revise(spec: LifecycleSpec, state: TrialState, step: TrialStep, { index, again, tallies, correction }: Revision): TrialState {
  const original = state.decisions[index]!;
  const { level, cause, lateEvaluation } = correction;
  const lateEvaluations = (original.lateEvaluations ?? []).filter((n) => n !== lateEvaluation).concat(lateEvaluation === undefined ? [] : [lateEvaluation]);
  const revised = adoptDecision(state, {
    at: step.event.occurredAt,
    patientId: step.patientId,
    seq: step.seq,
    action: again.action,
    fromLevel: original.fromLevel,
    toLevel: again.nextLevel,
    mtd: again.mtd,
    reason: again.reason,
    tallies,
    evaluationsCounted: original.evaluationsCounted,
    ...(lateEvaluations.length ? { lateEvaluations } : {}),
    revises: index,
    cause,
    ...(again.awaiting ? { awaiting: true as const } : {}),
  });
  const levels = spec.doseLevels.map((d) => d.level).filter((l) => l >= level);
  const hold = {
    id: state.holds.length + 1,
    levels,
    decision: revised.decisions.length - 1,
    since: step.event.occurredAt,
    reason: `the escalation decision of ${fmtDate(original.at)} (${original.reason}) was revised after ${cause}: ${again.reason}`,
  };
  return { ...revised, holds: [...revised.holds, hold] };
}

type LateChange = 'dlt reported' | 'dlt gone' | 'evaluable' | 'not evaluable';

/** The late data in words a data safety monitoring board reads: what changed, at which level, never whose. */
function lateDataCause({ event, before, after }: TrialStep, level: number, kind: LateChange): string {
  const same = (a: DltRecord) => (b: DltRecord) => a.term.toLowerCase() === b.term.toLowerCase() && a.onset === b.onset;
  const reported = kind === 'dlt reported' || kind === 'evaluable';
  const changed = reported ? after.dlts.find((d) => !before.dlts.some(same(d))) : before.dlts.find((d) => !after.dlts.some(same(d)));
  const infusedAt = after.infusion?.infusedAt;
  const what = changed ? ` (${changed.grade ? `grade ${changed.grade} ` : ''}${changed.term}${infusedAt ? `, onset on study day ${studyDay(changed.onset, infusedAt)}` : ''})` : '';
  const adjudicated = event.type === 'DLT_ADJUDICATED';
  switch (kind) {
    case 'evaluable':
      return `a dose-limiting toxicity ${adjudicated ? 'adjudicated' : 'reported'} after a patient had left the study during its DLT window at dose level ${level}${what}: the patient is evaluable with it`;
    case 'not evaluable':
      return `the DLT of a patient who had left the study during its DLT window at dose level ${level} no longer counting${what}: the patient is not evaluable`;
    default:
      if (adjudicated) {
        return `an investigator adjudicated a call ${reported ? 'dose-limiting' : 'not dose-limiting'} after the DLT window had closed at dose level ${level}${what}`;
      }
      return reported
        ? `a dose-limiting toxicity reported after the DLT window had closed at dose level ${level}${what}`
        : `a DLT at dose level ${level} no longer counting after the DLT window had closed${what}`;
  }
}

/** What an event's answer says about the escalation when it was late data on an evaluated patient. */
export interface EscalationNote {
  level: number;
  /** Whether the call changed the level's tally (false once the level's data are locked). */
  counted: boolean;
  evaluable: number;
  dlts: number;
  reason: string;
  /** The revised decision (its index in the trial's `decisions`) and the hold it put, when the call changed one. */
  revisedDecision?: number;
  hold?: number;
  /** A new decision the call led to (its index), when it completed a cohort: a patient who left during its DLT window counted late. */
  decision?: number;
}

/**
 * The escalation's side of late data, for the event's answer; undefined when the event did not touch
 * an evaluation. `record` is the patient's record after the event: for a patient who left during its
 * DLT window without being evaluated, it says whether a data lock kept its late DLT out of the tally.
 */
export function escalationNote(before: TrialState, after: TrialState, patientId: string, record?: PatientContext): EscalationNote | undefined {
  const evaluation = after.evaluations[patientId] ?? before.evaluations[patientId];
  const left = record && leftDuringDltWindow(record) ? record : undefined;
  const lockedOut = !evaluation && left?.enrollment ? lockSince(after, left.enrollment.doseLevel, left.offStudy!.at) : undefined;
  if (lockedOut) {
    const { evaluable, dlts } = levelRecord(after, lockedOut.level);
    return {
      level: lockedOut.level,
      counted: false,
      evaluable,
      dlts,
      reason: lockedReason(lockedOut.level, lockedOut.signature.signedAt, tally(lockedOut.level, evaluable, dlts)),
    };
  }
  if (!evaluation) return undefined;
  const { level } = evaluation;
  const { evaluable, dlts } = levelRecord(after, level);
  if (evaluation.lockedAt) return { level, counted: false, evaluable, dlts, reason: lockedReason(level, evaluation.lockedAt, tally(level, evaluable, dlts)) };
  const withdrawn = !after.evaluations[patientId];
  if (!withdrawn && before.evaluations[patientId]?.dlt === evaluation.dlt) return undefined;
  const added = after.decisions.length > before.decisions.length ? after.decisions.length - 1 : undefined;
  const revision = added !== undefined && after.decisions[added]!.revises !== undefined ? added : undefined;
  const decision = added !== undefined && revision === undefined ? added : undefined;
  const hold = after.holds.length > before.holds.length ? after.holds.at(-1) : undefined;
  const revised = added === undefined ? '' : `; ${hold ? hold.reason : after.decisions[added]!.reason}`;
  const held = hold ? `; enrollment at dose level ${hold.levels.join(', ')} is held until an investigator or admin releases hold ${hold.id}` : '';
  const what = withdrawn
    ? 'the patient left the study during its DLT window and has no DLT on record any more, so it is not evaluable and its slot is free: now'
    : !before.evaluations[patientId]
      ? 'the patient left the study during its DLT window and is evaluable with this DLT: now'
      : 'now';
  return {
    level,
    counted: true,
    evaluable,
    dlts,
    reason: `counted toward the escalation: ${what} ${tally(level, evaluable, dlts)}${revised}${held}`,
    ...(revision !== undefined ? { revisedDecision: revision } : {}),
    ...(hold ? { hold: hold.id } : {}),
    ...(decision !== undefined ? { decision } : {}),
  };
}

const tally = (level: number, evaluable: number, dlts: number) => `${dlts} of ${evaluable} evaluable ${evaluable === 1 ? 'patient' : 'patients'} at dose level ${level} had a DLT`;

const lockedReason = (level: number, lockedAt: string, counts: string) =>
  `the DLT data of dose level ${level} were locked on ${fmtDate(lockedAt)}: the call is recorded for the patient but no longer changes the escalation (${counts})`;

/** A notice to the investigators of every site of the trial; it names no patient. */
export interface TrialNotice {
  kind: 'dose-escalation-revised';
  message: string;
  /** The revised decision (index in `decisions`) and the hold it put. */
  decision: number;
  hold: number;
}

/** The trial-wide notices a step calls for: one for each decision it revised. */
export function trialNoticesFor(before: TrialState, after: TrialState): TrialNotice[] {
  return after.holds.slice(before.holds.length).map((hold) => ({
    kind: 'dose-escalation-revised',
    decision: hold.decision,
    hold: hold.id,
    message:
      `Dose escalation decision revised: ${hold.reason}. ` + `Enrollment at dose level ${hold.levels.join(', ')} is held until an investigator or admin releases hold ${hold.id}.`,
  }));
}
