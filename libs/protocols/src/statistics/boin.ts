import betaCdf from '@stdlib/stats-base-dists-beta-cdf';
import {
  checkEscalationInput,
  describeDlts,
  tallyAt,
  type EscalationAction,
  type EscalationDecision,
  type LevelTally,
} from './dose-escalation';
import { isotonicRegression } from './isotonic';

/**
 * The Bayesian optimal interval design (Liu & Yuan 2015), as the BOIN R package runs it
 * (`get.boundary`, `get.oc`, `select.mtd`): compare the observed DLT rate at the current level with
 * two fixed boundaries, eliminate levels that are too toxic, and at the end choose the MTD from
 * isotonic estimates of the DLT rates (clinical.md, "Dose escalation").
 */

export interface BoinBoundaries {
  /** Escalate when the observed DLT rate is at or below it. */
  lambdaE: number;
  /** De-escalate when the observed DLT rate is at or above it. */
  lambdaD: number;
}

/**
 * The escalation and de-escalation boundaries for a target DLT rate φ:
 * λe = log((1−φ1)/(1−φ)) / log(φ(1−φ1)/(φ1(1−φ))) and λd = log((1−φ)/(1−φ2)) / log(φ2(1−φ)/(φ(1−φ2))),
 * where φ1 is the highest rate still too low to stop escalating (default 0.6φ) and φ2 the lowest
 * rate too toxic to stay (default 1.4φ). φ = 0.30 → λe 0.236, λd 0.359.
 */
export function boinBoundaries(target: number, phi1 = 0.6 * target, phi2 = 1.4 * target): BoinBoundaries {
  checkTarget(target);
  if (!(phi1 > 0 && phi1 < target && phi2 > target && phi2 < 1)) {
    throw new RangeError(`BOIN needs 0 < φ1 < target < φ2 < 1, got φ1 ${phi1}, target ${target}, φ2 ${phi2}`);
  }
  return {
    lambdaE: Math.log((1 - phi1) / (1 - target)) / Math.log((target * (1 - phi1)) / (phi1 * (1 - target))),
    lambdaD: Math.log((1 - target) / (1 - phi2)) / Math.log((phi2 * (1 - target)) / (target * (1 - phi2))),
  };
}

/** P(DLT rate > target | data) under a uniform Beta(1, 1) prior: the posterior is Beta(1 + dlts, 1 + treated − dlts). */
export function overdoseProbability({ treated, dlts }: LevelTally, target: number): number {
  return 1 - betaCdf(target, 1 + dlts, 1 + treated - dlts);
}

/**
 * BOIN's safety rule: a level with at least 3 evaluable patients whose probability of a DLT rate
 * above the target exceeds `cutoff` is eliminated, with every level above it. Returns the
 * eliminated levels, lowest first: those of `levels` when given (untreated ones included),
 * otherwise those of the tallies.
 */
export function boinEliminated(
  tallies: readonly LevelTally[],
  target: number,
  cutoff = 0.95,
  levels: readonly number[] = tallies.map((tally) => tally.level),
): number[] {
  checkTarget(target);
  const tooToxic = lowestTooToxic(tallies, target, cutoff);
  if (tooToxic === undefined) return [];
  return [...levels].sort((a, b) => a - b).filter((level) => level >= tooToxic.level);
}

export interface BoinOptions {
  /** The target DLT rate φ. */
  target: number;
  /** Patients per cohort: a decision is taken once the current level's evaluable count is a whole number of cohorts. */
  cohortSize?: number;
  /** Total evaluable patients after which the trial ends and the MTD is selected. */
  maxSampleSize?: number;
  /** φ1, default 0.6 × target. */
  phi1?: number;
  /** φ2, default 1.4 × target. */
  phi2?: number;
  /** Posterior probability of overdosing above which a level is eliminated, default 0.95. */
  eliminationCutoff?: number;
}

/**
 * The BOIN decision for the next cohort, from the tallies of every level, the level the last cohort
 * was given and the protocol's levels, lowest first. In order:
 * 1. the lowest level eliminated: stop, no MTD;
 * 2. the maximum sample size reached: the MTD is selected (`selectMtd`);
 * 3. the current level eliminated: de-escalate to the highest level still open;
 * 4. fewer than a whole cohort evaluable at the current level: stay and wait (`awaiting`);
 * 5. observed rate ≤ λe: escalate (stay at the highest level or below an eliminated one); rate ≥ λd:
 *    de-escalate (stay at the lowest level); otherwise stay.
 */
export function boinDecision(
  tallies: readonly LevelTally[],
  current: number,
  levels: readonly number[],
  options: BoinOptions,
): EscalationDecision {
  checkEscalationInput(tallies, current, levels);
  const { target, cohortSize = 3, maxSampleSize, eliminationCutoff = 0.95 } = options;
  const { lambdaE, lambdaD } = boinBoundaries(target, options.phi1, options.phi2);
  if (!Number.isInteger(cohortSize) || cohortSize < 1) {
    throw new RangeError(`cohort size must be a whole number of patients, got ${cohortSize}`);
  }
  if (maxSampleSize !== undefined && (!Number.isInteger(maxSampleSize) || maxSampleSize < 1)) {
    throw new RangeError(`maximum sample size must be a whole number of patients, got ${maxSampleSize}`);
  }
  const eliminated = boinEliminated(tallies, target, eliminationCutoff, levels);
  const decide = (action: EscalationAction, nextLevel: number | null, mtd: number | null, reason: string): EscalationDecision => ({
    action,
    nextLevel,
    mtd,
    eliminated,
    reason,
  });
  const wait = (reason: string): EscalationDecision => ({ ...decide('stay', current, null, reason), awaiting: true });

  const lowest = levels[0]!;
  if (eliminated.includes(lowest)) {
    return decide('stop', null, null, `${eliminationSentence(tallies, target, eliminationCutoff)}: stop the trial, no MTD`);
  }

  const total = tallies.reduce((sum, tally) => sum + tally.treated, 0);
  if (maxSampleSize !== undefined && total >= maxSampleSize) {
    const { mtd, mtdEstimate } = selectMtd(tallies, target, eliminationCutoff);
    const reached = `${total} evaluable patients reach the maximum sample size of ${maxSampleSize}`;
    if (mtd === null) return decide('stop', null, null, `${reached} and no level can be selected: no MTD`);
    const closest = `its isotonic DLT estimate ${percent(mtdEstimate!)} being closest to the ${percent(target)} target`;
    return decide('mtd-found', null, mtd, `${reached}: level ${mtd} is the MTD, ${closest}`);
  }

  if (eliminated.includes(current)) {
    const open = levels.filter((level) => level < eliminated[0]!);
    const lower = open[open.length - 1]!;
    return decide('de-escalate', lower, null, `${eliminationSentence(tallies, target, eliminationCutoff)}: de-escalate to level ${lower}`);
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
  const rate = here.dlts / here.treated;
  const observed = `${describeDlts(here)}, a DLT rate of ${percent(rate)}`;
  if (rate <= lambdaE) {
    const atOrBelow = `${observed}, at or below the escalation boundary of ${percent(lambdaE)}`;
    const above = levels[index + 1];
    if (above === undefined) return decide('stay', current, null, `${atOrBelow}, but it is the highest level: stay at level ${current}`);
    if (eliminated.includes(above)) {
      return decide('stay', current, null, `${atOrBelow}, but level ${above} is eliminated: stay at level ${current}`);
    }
    return decide('escalate', above, null, `${atOrBelow}: escalate to level ${above}`);
  }
  if (rate >= lambdaD) {
    const atOrAbove = `${observed}, at or above the de-escalation boundary of ${percent(lambdaD)}`;
    const below = levels[index - 1];
    if (below === undefined) return decide('stay', current, null, `${atOrAbove}, but it is the lowest level: stay at level ${current}`);
    return decide('de-escalate', below, null, `${atOrAbove}: de-escalate to level ${below}`);
  }
  const between = `between the boundaries of ${percent(lambdaE)} and ${percent(lambdaD)}`;
  return decide('stay', current, null, `${observed}, ${between}: stay at level ${current}`);
}

export interface MtdSelection {
  /** The selected MTD, null when the lowest level is eliminated or no open level has patients. */
  mtd: number | null;
  /** The isotonic estimate the choice was made on (over the levels still open), null without an MTD. */
  mtdEstimate: number | null;
  /** Isotonic DLT rate estimates of all treated levels (as `select.mtd` prints them), null for a level without patients. */
  estimates: Array<{ level: number; rate: number | null }>;
}

/**
 * The MTD at the end of a BOIN trial, as `select.mtd` of the BOIN R package chooses it. Each
 * treated level's rate is estimated as (dlts + 0.05) / (treated + 0.1) and made non-decreasing by
 * pool-adjacent-violators, weighted by the inverse of the Beta(dlts + 0.05, treated − dlts + 0.05)
 * variance (the package's weights, not the patient counts). Among the treated levels below any
 * eliminated one, the MTD is the level whose estimate is closest to the target; of tied levels, the
 * highest when their estimate is below the target, otherwise the lowest.
 */
export function selectMtd(tallies: readonly LevelTally[], target: number, cutoff = 0.95): MtdSelection {
  checkTarget(target);
  const sorted = [...tallies].sort((a, b) => a.level - b.level);
  const treated = sorted.filter((tally) => tally.treated > 0);
  const pooled = isotonicEstimates(treated);
  const estimates = sorted.map(({ level, treated: n }) => ({
    level,
    rate: n > 0 ? pooled[treated.findIndex((tally) => tally.level === level)]! : null,
  }));

  const tooToxic = lowestTooToxic(sorted, target, cutoff);
  const open = treated.filter((tally) => tooToxic === undefined || tally.level < tooToxic.level);
  const openEstimates = isotonicEstimates(open);
  let chosen: { mtd: number | null; mtdEstimate: number | null } = { mtd: null, mtdEstimate: null };
  let bestDistance = Number.POSITIVE_INFINITY;
  open.forEach(({ level }, index) => {
    const estimate = openEstimates[index]!;
    const distance = Math.abs(estimate - target);
    const tied = Math.abs(distance - bestDistance) <= TIE_TOLERANCE;
    if ((!tied && distance < bestDistance) || (tied && estimate < target)) {
      chosen = { mtd: level, mtdEstimate: estimate };
      bestDistance = distance;
    }
  });
  return { ...chosen, estimates };
}

/** Estimates this close count as tied (`select.mtd` separates ties by adding 1e-10 per level). */
const TIE_TOLERANCE = 1e-10;

function isotonicEstimates(tallies: readonly LevelTally[]): number[] {
  const rates = tallies.map(({ treated, dlts }) => (dlts + 0.05) / (treated + 0.1));
  const weights = tallies.map(({ treated, dlts }) => ((treated + 0.1) ** 2 * (treated + 1.1)) / ((dlts + 0.05) * (treated - dlts + 0.05)));
  return isotonicRegression(rates, weights);
}

function lowestTooToxic(tallies: readonly LevelTally[], target: number, cutoff: number): LevelTally | undefined {
  if (!(cutoff > 0 && cutoff < 1)) throw new RangeError(`the elimination cutoff must be a probability between 0 and 1, got ${cutoff}`);
  return [...tallies]
    .sort((a, b) => a.level - b.level)
    .find((tally) => tally.treated >= 3 && overdoseProbability(tally, target) > cutoff);
}

/**
 * "3 of 3 patients at level 1 had a DLT: the probability that its DLT rate exceeds the 30% target
 * is 0.992, above 0.95, so level 1 and all above are eliminated".
 */
function eliminationSentence(tallies: readonly LevelTally[], target: number, cutoff: number): string {
  const tooToxic = lowestTooToxic(tallies, target, cutoff)!;
  const probability = overdoseProbability(tooToxic, target);
  const exceeds = `the probability that its DLT rate exceeds the ${percent(target)} target is ${probability.toFixed(3)}, above ${cutoff}`;
  return `${describeDlts(tooToxic)}: ${exceeds}, so level ${tooToxic.level} and all above are eliminated`;
}

function checkTarget(target: number): void {
  if (!(target > 0 && target < 1)) throw new RangeError(`the target DLT rate must be between 0 and 1, got ${target}`);
}

/** "1 patient", "3 patients". */
function patients(count: number): string {
  return `${count} ${count === 1 ? 'patient' : 'patients'}`;
}

/** 0.2365 → "23.6%", 0 → "0%". */
function percent(value: number): string {
  return `${Number((value * 100).toFixed(1))}%`;
}
