import { checkEscalationInput, describeDlts, tallyAt, type EscalationAction, type EscalationDecision, type LevelTally } from './dose-escalation';
import { isotonicRegression } from './isotonic';
import { boinBoundaries, boinDecisionCounts, boinElimination, checkedBoinDesign, type BoinDesign, type BoinElimination } from './boin-design';

/**
 * The Bayesian optimal interval design (Liu & Yuan 2015), as the BOIN R package runs it
 * (`get.boundary`, `get.oc`, `select.mtd`): compare the DLT count at the current level with the
 * boundaries of `get.boundary`, eliminate levels that are too toxic, and at the end choose the MTD
 * from isotonic estimates of the DLT rates of the levels patients received (docs/clinical.md, section "Dose
 * escalation"). Checked case by case against the package's outputs (fixtures/boin-package.json).
 */

export interface BoinOptions extends BoinDesign {
  /** Patients per cohort: a decision is taken once the current level's evaluable count is a whole number of cohorts. */
  cohortSize?: number;
  /** Total evaluable patients after which the trial ends and the MTD is selected (`ncohort × cohortsize`). */
  maxSampleSize?: number;
}

/**
 * The BOIN decision for the next cohort, from the tallies of every level, the level the last cohort
 * was given and the protocol's levels, lowest first. In order, as `get.oc` runs a trial:
 * 1. the lowest level eliminated (or stopped by the extra safety rule): stop, no MTD;
 * 2. the maximum sample size reached: the MTD is selected (`selectMtd`), or, when no level given is
 *    admissible, the trial stops without one;
 * 3. the current level eliminated: de-escalate to the highest level still open;
 * 4. fewer than a whole cohort evaluable at the current level: stay and wait (`awaiting`);
 * 5. DLTs at most `get.boundary`'s escalation count: escalate (stay at the highest level or below an
 *    eliminated one); at least its de-escalation count: de-escalate (stay at the lowest level);
 *    otherwise stay.
 */
export function boinDecision(tallies: readonly LevelTally[], current: number, levels: readonly number[], options: BoinOptions): EscalationDecision {
  checkEscalationInput(tallies, current, levels);
  const { cohortSize = 3, maxSampleSize, ...design } = options;
  const { target } = checkedBoinDesign(design);
  if (!Number.isInteger(cohortSize) || cohortSize < 1) {
    throw new RangeError(`cohort size must be a whole number of patients, got ${cohortSize}`);
  }
  if (maxSampleSize !== undefined && (!Number.isInteger(maxSampleSize) || maxSampleSize < 1)) {
    throw new RangeError(`maximum sample size must be a whole number of patients, got ${maxSampleSize}`);
  }
  const elimination = boinElimination(tallies, design, levels);
  const eliminated = elimination === undefined ? [] : levels.filter((level) => level >= elimination.from);
  const decide = (action: EscalationAction, nextLevel: number | null, mtd: number | null, reason: string): EscalationDecision => ({
    action,
    nextLevel,
    mtd,
    eliminated,
    reason,
  });
  const wait = (reason: string): EscalationDecision => ({ ...decide('stay', current, null, reason), awaiting: true });

  if (elimination?.from === levels[0]) {
    return decide('stop', null, null, `${eliminationSentence(elimination, target)}: stop the trial, no MTD`);
  }

  const total = tallies.reduce((sum, tally) => sum + tally.treated, 0);
  if (maxSampleSize !== undefined && total >= maxSampleSize) {
    const { mtd, mtdEstimate } = selectMtd(tallies, design, levels);
    const reached = `${total} evaluable patients reach the maximum sample size of ${maxSampleSize}`;
    if (mtd === null) {
      return decide('stop', null, null, `${reached}, and no level given is below the eliminated ones: no dose is tolerable, stop the trial, no MTD`);
    }
    const closest = `its isotonic DLT estimate ${percent(mtdEstimate!)} being closest to the ${percent(target)} target`;
    return decide('mtd-found', null, mtd, `${reached}: level ${mtd} is the MTD, ${closest}`);
  }

  if (elimination !== undefined && current >= elimination.from) {
    const lower = levels.filter((level) => level < elimination.from).at(-1)!;
    return decide('de-escalate', lower, null, `${eliminationSentence(elimination, target)}: de-escalate to level ${lower}`);
  }

  const here = tallyAt(tallies, current);
  if (here.treated === 0) {
    return wait(`no patient at level ${current} is evaluable yet: wait for the first cohort of ${cohortSize}`);
  }
  if (here.treated % cohortSize !== 0) {
    return wait(
      `${patients(here.treated)} at level ${current} evaluable so far (${here.dlts} with a DLT), ` +
        `not a whole number of cohorts of ${cohortSize}: wait for the rest of the cohort before deciding`,
    );
  }

  const index = levels.indexOf(current);
  const { lambdaE, lambdaD } = boinBoundaries(design);
  const { escalateAtMost, deEscalateFrom } = boinDecisionCounts(design, here.treated);
  const observed = `${describeDlts(here)}, a DLT rate of ${percent(here.dlts / here.treated)}`;
  if (here.dlts <= escalateAtMost) {
    const atOrBelow = `${observed}, at or below the escalation boundary of ${percent(lambdaE)}`;
    const above = levels[index + 1];
    if (above === undefined) return decide('stay', current, null, `${atOrBelow}, but it is the highest level: stay at level ${current}`);
    if (eliminated.includes(above)) {
      return decide('stay', current, null, `${atOrBelow}, but level ${above} is eliminated: stay at level ${current}`);
    }
    return decide('escalate', above, null, `${atOrBelow}: escalate to level ${above}`);
  }
  if (here.dlts >= deEscalateFrom) {
    const atOrAbove = `${observed}, above the de-escalation boundary of ${percent(lambdaD)}`;
    const below = levels[index - 1];
    if (below === undefined) return decide('stay', current, null, `${atOrAbove}, but it is the lowest level: stay at level ${current}`);
    return decide('de-escalate', below, null, `${atOrAbove}: de-escalate to level ${below}`);
  }
  const between = `between the boundaries of ${percent(lambdaE)} and ${percent(lambdaD)}`;
  return decide('stay', current, null, `${observed}, ${between}: stay at level ${current}`);
}

export interface MtdSelection {
  /** The selected MTD; null when the lowest level is eliminated or no level below the eliminated ones has patients. */
  mtd: number | null;
  /** The isotonic estimate the choice was made on (over the admissible levels), null without an MTD. */
  mtdEstimate: number | null;
  /** Isotonic DLT rate estimates of all treated levels (as `select.mtd` prints them), null for a level without patients. */
  estimates: Array<{ level: number; rate: number | null }>;
}

/**
 * The MTD at the end of a BOIN trial, as `select.mtd` of the BOIN R package chooses it, among the
 * admissible levels only: those patients received, below any eliminated level (none when the lowest
 * is eliminated). Each admissible level's rate is estimated as (dlts + 0.05) / (treated + 0.1) and
 * made non-decreasing by pool-adjacent-violators, weighted by the inverse of the
 * Beta(dlts + 0.05, treated − dlts + 0.05) variance (the package's weights, not the patient
 * counts). The MTD is the level whose estimate is closest to the target. Ties are broken as the
 * package breaks them: the i-th admissible estimate is raised by i × 1e-10 and the first closest
 * wins, so of tied levels the highest is taken when their estimate is below the target, otherwise
 * the lowest. `levels` are the protocol's (the extra safety rule reads the lowest); by default
 * those of the tallies.
 */
export function selectMtd(tallies: readonly LevelTally[], design: BoinDesign, levels: readonly number[] = tallies.map((tally) => tally.level)): MtdSelection {
  const { target } = checkedBoinDesign(design);
  const sorted = [...levels].sort((a, b) => a - b).map((level) => tallyAt(tallies, level));
  const treated = sorted.filter((tally) => tally.treated > 0);
  const pooled = isotonicEstimates(treated);
  const estimates = sorted.map(({ level, treated: n }) => ({
    level,
    rate: n > 0 ? pooled[treated.findIndex((tally) => tally.level === level)]! : null,
  }));

  const elimination = boinElimination(tallies, design, levels);
  const admissible = treated.filter((tally) => elimination === undefined || tally.level < elimination.from);
  const admissibleEstimates = isotonicEstimates(admissible);
  const distances = admissibleEstimates.map((estimate, index) => Math.abs(estimate + (index + 1) * TIE_BREAK - target));
  const closest = distances.indexOf(Math.min(...distances));
  if (closest < 0) return { mtd: null, mtdEstimate: null, estimates };
  return { mtd: admissible[closest]!.level, mtdEstimate: admissibleEstimates[closest]!, estimates };
}

/** What `select.mtd` adds to the i-th admissible estimate (`phat + (1:length(phat)) * 1e-10`) to break ties. */
const TIE_BREAK = 1e-10;

function isotonicEstimates(tallies: readonly LevelTally[]): number[] {
  const rates = tallies.map(({ treated, dlts }) => (dlts + 0.05) / (treated + 0.1));
  const weights = tallies.map(({ treated, dlts }) => ((treated + 0.1) ** 2 * (treated + 1.1)) / ((dlts + 0.05) * (treated - dlts + 0.05)));
  return isotonicRegression(rates, weights);
}

/**
 * "3 of 3 patients at level 1 had a DLT: the probability that its DLT rate exceeds the 30% target
 * is 0.992, above 0.95, so level 1 and all above are eliminated".
 */
function eliminationSentence({ tally, probability, cutoff, extraSafe }: BoinElimination, target: number): string {
  const exceeds = `the probability that its DLT rate exceeds the ${percent(target)} target is ${probability.toFixed(3)}, above ${Number(cutoff.toPrecision(12))}`;
  const rule = extraSafe ? ' (the extra safety rule for the lowest level)' : '';
  return `${describeDlts(tally)}: ${exceeds}${rule}, so level ${tally.level} and all above are eliminated`;
}

/** "1 patient", "3 patients". */
function patients(count: number): string {
  return `${count} ${count === 1 ? 'patient' : 'patients'}`;
}

/** 0.2365 → "23.6%", 0 → "0%". */
function percent(value: number): string {
  return `${Number((value * 100).toFixed(1))}%`;
}
