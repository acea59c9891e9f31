import type { BoinEscalation, LifecycleSpec } from '../lifecycle/spec';
import { boinDecision, threePlusThree, type BoinOptions, type EscalationDecision, type LevelTally } from '../statistics';
import { levelRecord, type LevelRecord, type TrialDecision, type TrialState } from './trial-state';

/** A protocol's BOIN design as the statistics take it. */
export function boinOptions(design: BoinEscalation): BoinOptions {
  const { targetDltRate, cohortSize, maxSampleSize, phi1, phi2, eliminationCutoff, extraSafe, offset } = design;
  return { target: targetDltRate, cohortSize, maxSampleSize, phi1, phi2, eliminationCutoff, extraSafe, offset };
}

/** The protocol's design (3+3 or BOIN) asked where the next cohort goes, given every level's tally and the level the last cohort had. */
export function designDecision(spec: LifecycleSpec, tallies: LevelTally[], current: number): EscalationDecision {
  const design = spec.doseEscalation;
  if (!design) throw new Error(`protocol ${spec.id} v${spec.version} has no dose-escalation design`);
  const levels = spec.doseLevels.map((d) => d.level);
  return design.design === 'BOIN' ? boinDecision(tallies, current, levels, boinOptions(design)) : threePlusThree(tallies, current, levels);
}

/**
 * The design's answer, or undefined when it refuses the tallies as ones its rule never produces: 3+3
 * treats at most 6 at a level, yet a revision that withdraws an MTD reopens a trial whose MTD level may
 * hold more (the expansion cohort). The trial then takes no automatic decision rather than failing the
 * event that asked; the history and the tallies show why it waits.
 */
export function designAnswer(spec: LifecycleSpec, tallies: LevelTally[], current: number): EscalationDecision | undefined {
  try {
    return designDecision(spec, tallies, current);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

/** Every level's evaluable patients and DLTs, as the design reads them. */
export function levelTallies(spec: LifecycleSpec, state: TrialState): LevelTally[] {
  return spec.doseLevels.map(({ level }) => ({ level, treated: levelRecord(state, level).evaluable, dlts: levelRecord(state, level).dlts }));
}

/** The levels' tallies with one level's counts moved by `change`. */
export function bumpLevel(state: TrialState, level: number, change: Partial<LevelRecord>): TrialState['levels'] {
  const next = { ...levelRecord(state, level) };
  for (const [key, by] of Object.entries(change) as Array<[keyof LevelRecord, number]>) next[key] += by;
  return { ...state.levels, [String(level)]: next };
}

/** The highest evaluation number so far: a decision taken now counts every evaluation up to it. */
export const evaluationsCounted = (state: TrialState) => Math.max(0, ...Object.values(state.evaluations).map((e) => e.n));

/** Records a decision (or a revision) and moves the trial where it says: the next level, the MTD, or a stop. */
export function adoptDecision(state: TrialState, decision: TrialDecision): TrialState {
  return {
    ...state,
    currentDoseLevel: decision.toLevel ?? state.currentDoseLevel,
    mtd: decision.mtd ?? null,
    status: decision.action === 'stop' ? 'stopped' : decision.action === 'mtd-found' ? 'mtd-found' : 'open',
    decisions: [...state.decisions, decision],
  };
}
