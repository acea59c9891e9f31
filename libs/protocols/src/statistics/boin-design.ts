import betaCdf from '@stdlib/stats-base-dists-beta-cdf';
import type { LevelTally } from './dose-escalation';

/**
 * The parameters of a Bayesian optimal interval design (Liu & Yuan 2015) and what follows from
 * them alone, as the BOIN R package's `get.boundary` computes it: the escalation and de-escalation
 * boundaries, the table of DLT counts that decide, and the safety rule that eliminates a level.
 * Checked against the package's own outputs (fixtures/boin-package.json).
 */
export interface BoinDesign {
  /** The target DLT rate φ (`target`), from 0.05 to 0.6. */
  target: number;
  /** φ1 (`p.saf`): the highest DLT rate still too low to stop escalating; default 0.6φ. */
  phi1?: number;
  /** φ2 (`p.tox`): the lowest DLT rate too toxic to stay at; default 1.4φ. */
  phi2?: number;
  /** `cutoff.eli`: a level is eliminated when P(DLT rate > φ | data) exceeds it; default 0.95. */
  eliminationCutoff?: number;
  /**
   * `extrasafe`: also stop the trial when the lowest level has 3 or more evaluable patients and
   * P(DLT rate > φ | data) exceeds `eliminationCutoff − offset` there. Default false.
   */
  extraSafe?: boolean;
  /** `offset` of the extra safety rule, from 0 to below 0.5; default 0.05. */
  offset?: number;
}

/** The design with the package's defaults filled in. */
export interface ResolvedBoinDesign {
  target: number;
  phi1: number;
  phi2: number;
  eliminationCutoff: number;
  extraSafe: boolean;
  offset: number;
}

export function resolveBoinDesign({
  target,
  phi1 = 0.6 * target,
  phi2 = 1.4 * target,
  eliminationCutoff = 0.95,
  extraSafe = false,
  offset = 0.05,
}: BoinDesign): ResolvedBoinDesign {
  return { target, phi1, phi2, eliminationCutoff, extraSafe, offset };
}

/**
 * Why a design cannot run, one sentence each; empty when it can. The refusals of `get.boundary`,
 * with its own comparisons: a target below 0.05 or above 0.6, φ1 not below the target by at least a
 * tenth of it, φ2 not above it by at least a tenth of it, an offset of 0.5 or more. Besides, what
 * the formulas need to give numbers: 0 < φ1, φ2 < 1, a cutoff between 0 and 1, an offset not
 * negative and below the cutoff.
 */
export function boinDesignProblems(design: BoinDesign): string[] {
  const { target, phi1, phi2, eliminationCutoff, offset } = resolveBoinDesign(design);
  const problems: string[] = [];
  if (!(target >= 0.05 && target <= 0.6)) {
    problems.push(`the target DLT rate must be from 0.05 to 0.6 (BOIN's get.boundary refuses others), got ${target}`);
    return problems;
  }
  const margin = 0.1 * target;
  if (!(target - phi1 >= margin && phi1 > 0)) {
    problems.push(`φ1 (the DLT rate deemed safe) must be above 0 and below the target ${target} by at least a tenth of it ` + `(at most ${shown(target - margin)}), got ${phi1}`);
  }
  if (!(phi2 - target >= margin && phi2 < 1)) {
    problems.push(`φ2 (the DLT rate deemed toxic) must be below 1 and above the target ${target} by at least a tenth of it ` + `(at least ${shown(target + margin)}), got ${phi2}`);
  }
  if (!(eliminationCutoff > 0 && eliminationCutoff < 1)) {
    problems.push(`the elimination cutoff must be a probability between 0 and 1, got ${eliminationCutoff}`);
  }
  if (!(offset >= 0 && offset < 0.5 && offset < eliminationCutoff)) {
    problems.push(`the extra safety offset must be from 0 to below 0.5 and below the elimination cutoff, got ${offset}`);
  }
  return problems;
}

/** The design with its defaults, or a RangeError naming every problem. */
export function checkedBoinDesign(design: BoinDesign): ResolvedBoinDesign {
  const problems = boinDesignProblems(design);
  if (problems.length) throw new RangeError(`BOIN design refused: ${problems.join('; ')}`);
  return resolveBoinDesign(design);
}

export interface BoinBoundaries {
  /** λe: escalate when the observed DLT rate is at or below it. */
  lambdaE: number;
  /** λd: de-escalate when the observed DLT rate is above it. */
  lambdaD: number;
}

/**
 * λe = log((1−φ1)/(1−φ)) / log(φ(1−φ1)/(φ1(1−φ))) and λd = log((1−φ)/(1−φ2)) / log(φ2(1−φ)/(φ(1−φ2))).
 * φ = 0.30 with the default φ1, φ2 → λe 0.236, λd 0.359.
 */
export function boinBoundaries(design: BoinDesign): BoinBoundaries {
  const { target, phi1, phi2 } = checkedBoinDesign(design);
  return {
    lambdaE: Math.log((1 - phi1) / (1 - target)) / Math.log((target * (1 - phi1)) / (phi1 * (1 - target))),
    lambdaD: Math.log((1 - target) / (1 - phi2)) / Math.log((phi2 * (1 - target)) / (target * (1 - phi2))),
  };
}

/** One column of `get.boundary`'s table: what the DLT count among `treated` patients at a level decides. */
export interface BoinBoundaryRow {
  treated: number;
  /** Escalate when the DLT count is at or below it: ⌊λe·n⌋. */
  escalateAtMost: number;
  /** De-escalate when the DLT count is at or above it: the first count above λd·n, and never above `eliminateFrom`. */
  deEscalateFrom: number;
  /** The level is eliminated from this DLT count on; null under 3 patients or when no count is enough. */
  eliminateFrom: number | null;
}

/** `get.boundary` treats λd·n this close to a whole number as that number. */
const WHOLE_TOLERANCE = 1e-12;

/**
 * The column of `get.boundary`'s table for `treated` patients, computed as the package computes it
 * (the observed rate is compared through counts, so 3/10 against λ = 0.3 is decided as the package
 * decides it): escalate at ≤ ⌊λe·n⌋; de-escalate at ≥ ⌈λd·n⌉, or λd·n + 1 when λd·n is whole; at
 * the elimination count when that is lower.
 */
export function boinBoundaryRow(design: BoinDesign, treated: number): BoinBoundaryRow {
  const { escalateAtMost, deEscalateFrom } = boinDecisionCounts(design, treated);
  const eliminateFrom = eliminationCount(design, treated);
  return {
    treated,
    escalateAtMost,
    deEscalateFrom: eliminateFrom === null ? deEscalateFrom : Math.min(deEscalateFrom, eliminateFrom),
    eliminateFrom,
  };
}

/**
 * The escalation and de-escalation counts of the table without the elimination cap: what decides
 * at a level that is not eliminated (an eliminated one is left whatever its count).
 */
export function boinDecisionCounts(design: BoinDesign, treated: number): Pick<BoinBoundaryRow, 'escalateAtMost' | 'deEscalateFrom'> {
  if (!Number.isInteger(treated) || treated < 1) throw new RangeError(`a boundary needs at least 1 patient, got ${treated}`);
  const { lambdaE, lambdaD } = boinBoundaries(design);
  const deEscalate = lambdaD * treated;
  const nearest = Math.round(deEscalate);
  return {
    escalateAtMost: Math.floor(lambdaE * treated),
    deEscalateFrom: Math.abs(nearest - deEscalate) < WHOLE_TOLERANCE ? nearest + 1 : Math.ceil(deEscalate),
  };
}

/** The fewest DLTs (1 or more) among `treated` that eliminate a level, null when none do or fewer than 3 were treated. */
function eliminationCount(design: BoinDesign, treated: number): number | null {
  const { target, eliminationCutoff } = checkedBoinDesign(design);
  for (let dlts = 1; dlts <= treated; dlts += 1) {
    if (exceedsCutoff({ level: 0, treated, dlts }, target, eliminationCutoff)) return dlts;
  }
  return null;
}

/** P(DLT rate > target | data) under a uniform Beta(1, 1) prior: the posterior is Beta(1 + dlts, 1 + treated − dlts). */
export function overdoseProbability({ treated, dlts }: LevelTally, target: number): number {
  return 1 - betaCdf(target, 1 + dlts, 1 + treated - dlts);
}

/** The safety rule: at least 3 evaluable patients and P(DLT rate > target | data) above the cutoff. */
function exceedsCutoff(tally: LevelTally, target: number, cutoff: number): boolean {
  return tally.treated >= 3 && overdoseProbability(tally, target) > cutoff;
}

/** Why levels are eliminated: the level whose tally triggered it and the cutoff it exceeded. */
export interface BoinElimination {
  /** The lowest eliminated level: it and every level above it are closed. */
  from: number;
  tally: LevelTally;
  probability: number;
  cutoff: number;
  /** True when the extra safety rule on the lowest level eliminated them all. */
  extraSafe: boolean;
}

/**
 * The safety rule of `select.mtd` and `get.oc`: the lowest level with at least 3 evaluable patients
 * whose P(DLT rate > target | data) exceeds the cutoff is eliminated with every level above it;
 * with the extra safety rule, every level is eliminated when the lowest of `levels` exceeds
 * `cutoff − offset`. Undefined when no level is eliminated.
 */
export function boinElimination(tallies: readonly LevelTally[], design: BoinDesign, levels: readonly number[]): BoinElimination | undefined {
  const { target, eliminationCutoff, extraSafe, offset } = checkedBoinDesign(design);
  const sorted = [...levels].sort((a, b) => a - b);
  const tallyOf = (level: number | undefined) => tallies.find((tally) => tally.level === level);
  const tooToxic = sorted.map(tallyOf).find((tally) => tally && exceedsCutoff(tally, target, eliminationCutoff));
  if (tooToxic !== undefined && tooToxic.level === sorted[0]) return elimination(tooToxic, target, eliminationCutoff, false);
  const lowest = tallyOf(sorted[0]);
  if (extraSafe && lowest && exceedsCutoff(lowest, target, eliminationCutoff - offset)) {
    return elimination(lowest, target, eliminationCutoff - offset, true);
  }
  return tooToxic && elimination(tooToxic, target, eliminationCutoff, false);
}

function elimination(tally: LevelTally, target: number, cutoff: number, extraSafe: boolean): BoinElimination {
  return { from: tally.level, tally, probability: overdoseProbability(tally, target), cutoff, extraSafe };
}

/** The eliminated levels of `levels`, lowest first (all of them after the extra safety rule). */
export function boinEliminated(tallies: readonly LevelTally[], design: BoinDesign, levels: readonly number[]): number[] {
  const eliminated = boinElimination(tallies, design, levels);
  if (eliminated === undefined) return [];
  return [...levels].sort((a, b) => a - b).filter((level) => level >= eliminated.from);
}

/** 0.33000000000000007 → "0.33". */
function shown(value: number): string {
  return String(Number(value.toPrecision(12)));
}
