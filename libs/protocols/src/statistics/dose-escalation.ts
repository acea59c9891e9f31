/**
 * What a dose-escalation rule (3+3, BOIN) reads and what it answers, shared by both
 * (docs/clinical.md, section "Dose escalation"). Tallies count evaluable patients only: a patient joins
 * `treated` once their DLT window has closed, or earlier with a DLT.
 */

/** The DLT count at one dose level. */
export interface LevelTally {
  level: number;
  /** Patients whose DLT window has closed (evaluable), including those who had a DLT. */
  treated: number;
  /** Evaluable patients who had a dose-limiting toxicity. */
  dlts: number;
}

export type EscalationAction = 'escalate' | 'stay' | 'de-escalate' | 'mtd-found' | 'stop';

export interface EscalationDecision {
  action: EscalationAction;
  /** Level for the next cohort; null when the trial stops or the MTD is found. */
  nextLevel: number | null;
  /** The maximum tolerated dose level, once it is found. */
  mtd: number | null;
  /** Levels no patient may be given any more, lowest first. */
  eliminated: number[];
  /** One plain sentence with the counts: "0 of 3 patients at level 2 had a DLT: escalate to level 3". */
  reason: string;
  /**
   * Set on a stay that only waits: the current level's cohort is not yet evaluable, so nothing is
   * decided. A trial records every other answer as a decision.
   */
  awaiting?: true;
}

/** The tally of a level, zero patients when it has none. */
export function tallyAt(tallies: readonly LevelTally[], level: number): LevelTally {
  return tallies.find((tally) => tally.level === level) ?? { level, treated: 0, dlts: 0 };
}

/** "1 of 3 patients at level 2 had a DLT". */
export function describeDlts({ level, treated, dlts }: LevelTally): string {
  return `${dlts} of ${treated} ${treated === 1 ? 'patient' : 'patients'} at level ${level} had a DLT`;
}

/**
 * Refuses tallies a trial cannot have: levels not strictly ascending, a current level or tally
 * outside the protocol's levels, a level counted twice, or more DLTs than evaluable patients.
 */
export function checkEscalationInput(tallies: readonly LevelTally[], current: number, levels: readonly number[]): void {
  if (levels.length === 0) throw new RangeError('the protocol must list at least one dose level');
  levels.forEach((level, index) => {
    if (!Number.isFinite(level)) throw new RangeError(`dose level ${level} is not a number`);
    if (index > 0 && level <= levels[index - 1]!) {
      throw new RangeError(`dose levels must be listed lowest first without repeats, got ${levels.join(', ')}`);
    }
  });
  if (!levels.includes(current)) throw new RangeError(`current level ${current} is not one of the protocol's levels ${levels.join(', ')}`);
  const seen = new Set<number>();
  for (const { level, treated, dlts } of tallies) {
    if (!levels.includes(level)) throw new RangeError(`level ${level} is not one of the protocol's levels ${levels.join(', ')}`);
    if (seen.has(level)) throw new RangeError(`level ${level} is counted twice`);
    seen.add(level);
    if (!Number.isInteger(treated) || treated < 0) {
      throw new RangeError(`level ${level} must have a whole number of evaluable patients, got ${treated}`);
    }
    if (!Number.isInteger(dlts) || dlts < 0 || dlts > treated) {
      throw new RangeError(`level ${level} must have between 0 and ${treated} DLTs, got ${dlts}`);
    }
  }
}
