import type { LifecycleSpec } from '../lifecycle/spec';
import type { DltRecord } from '../lifecycle/context';
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
  if (!spec.doseEscalation) return corrected;
  for (const index of standingDecisions(state)) {
    const original = state.decisions[index]!;
    if (!original.tallies || (original.evaluationsCounted ?? 0) < evaluation.n) continue;
    const tallies: LevelTally[] = original.tallies.map((t) => (t.level === evaluation.level ? { ...t, dlts: t.dlts + change } : t));
    const again = designAnswer(spec, tallies, original.fromLevel);
    if (!again || sameCall(again, original)) continue;
    return revise(spec, corrected, step, { index, again, tallies, level: evaluation.level, cause: lateDataCause(step, evaluation.level, dlt) });
  }
  return corrected;
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
  /** The decision revised (index in `decisions`), the design's answer on its corrected tallies, and why. */
  index: number;
  again: EscalationDecision;
  tallies: LevelTally[];
  /** The level whose data changed. */
  level: number;
  cause: string;
}

function revise(spec: LifecycleSpec, state: TrialState, step: TrialStep, { index, again, tallies, level, cause }: Revision): TrialState {
  const original = state.decisions[index]!;
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

/** The late data in words a data safety monitoring board reads: what changed, at which level, never whose. */
function lateDataCause({ event, before, after }: TrialStep, level: number, dlt: boolean): string {
  const same = (a: DltRecord) => (b: DltRecord) => a.term.toLowerCase() === b.term.toLowerCase() && a.onset === b.onset;
  const changed = dlt ? after.dlts.find((d) => !before.dlts.some(same(d))) : before.dlts.find((d) => !after.dlts.some(same(d)));
  const infusedAt = after.infusion?.infusedAt;
  const what = changed ? ` (${changed.grade ? `grade ${changed.grade} ` : ''}${changed.term}${infusedAt ? `, onset on study day ${studyDay(changed.onset, infusedAt)}` : ''})` : '';
  if (event.type === 'DLT_ADJUDICATED') {
    return `an investigator adjudicated a call ${dlt ? 'dose-limiting' : 'not dose-limiting'} after the DLT window had closed at dose level ${level}${what}`;
  }
  return dlt
    ? `a dose-limiting toxicity reported after the DLT window had closed at dose level ${level}${what}`
    : `a DLT at dose level ${level} no longer counting after the DLT window had closed${what}`;
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
}

/** The escalation's side of late data, for the event's answer; undefined when the event did not touch an evaluation. */
export function escalationNote(before: TrialState, after: TrialState, patientId: string): EscalationNote | undefined {
  const evaluation = after.evaluations[patientId] ?? before.evaluations[patientId];
  if (!evaluation) return undefined;
  const { level } = evaluation;
  const { evaluable, dlts } = levelRecord(after, level);
  const tally = `${dlts} of ${evaluable} evaluable ${evaluable === 1 ? 'patient' : 'patients'} at dose level ${level} had a DLT`;
  if (evaluation.lockedAt) {
    return {
      level,
      counted: false,
      evaluable,
      dlts,
      reason: `the DLT data of dose level ${level} were locked on ${fmtDate(evaluation.lockedAt)}: the call is recorded for the patient but no longer changes the escalation (${tally})`,
    };
  }
  if (before.evaluations[patientId]?.dlt === evaluation.dlt) return undefined;
  const revision = after.decisions.length > before.decisions.length ? after.decisions.length - 1 : undefined;
  const hold = after.holds.length > before.holds.length ? after.holds.at(-1) : undefined;
  const revised = revision === undefined ? '' : `; ${hold ? hold.reason : after.decisions[revision]!.reason}`;
  const held = hold ? `; enrollment at dose level ${hold.levels.join(', ')} is held until an investigator or admin releases hold ${hold.id}` : '';
  return {
    level,
    counted: true,
    evaluable,
    dlts,
    reason: `counted toward the escalation: now ${tally}${revised}${held}`,
    ...(revision !== undefined ? { revisedDecision: revision } : {}),
    ...(hold ? { hold: hold.id } : {}),
  };
}

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
      `Dose escalation decision revised: ${hold.reason}. ` +
      `Enrollment at dose level ${hold.levels.join(', ')} is held until an investigator or admin releases hold ${hold.id}.`,
  }));
}
