/**
 * Kaplan–Meier estimate of a time-to-event endpoint (OS, PFS, EFS, DOR; docs/clinical.md, section "Endpoints"),
 * with Greenwood's variance and the log-log confidence interval, as R's
 * `survfit(Surv(time, event) ~ 1, conf.type = 'log-log')` computes them.
 *
 * The median (and its confidence limits) is taken differently from R on purpose: it is the first
 * observed time at which the curve is at or below 0.5, with a tolerance of 1e-9 so that a product
 * that is 0.5 in exact arithmetic (15/22 · 11/15) but 0.5000000000000001 in floating point counts
 * as 0.5. Where the curve sits exactly at 0.5 R's `survfit` reports the midpoint between that time
 * and the next event time; this estimate keeps the observed time, so a median is always a time a
 * patient was seen at.
 */

/** One patient: time from infusion (any unit, used as given) to the event, or to the last contact when censored. */
export interface SurvivalObservation {
  time: number;
  /** True for the event (death, progression …); false when censored at the last contact. */
  event: boolean;
}

/** The estimate at one distinct observed time (an event time or a censoring time). */
export interface SurvivalPoint {
  time: number;
  /** Patients still followed just before this time. */
  atRisk: number;
  events: number;
  censored: number;
  /** S(t), the probability of remaining event-free beyond this time. */
  survival: number;
  /** Greenwood standard error of S(t), S(t)·√Σ d/(n(n−d)); null once S(t) = 0, where it is undefined. */
  standardError: number | null;
  /** Log-log confidence limits; both 1 before the first event, null once S(t) = 0 (as R gives NA). */
  lower: number | null;
  upper: number | null;
}

export interface KaplanMeierOptions {
  /** Confidence level of the intervals, 0.95 unless given. */
  confidence?: 0.9 | 0.95 | 0.99;
}

export interface KaplanMeierEstimate {
  points: SurvivalPoint[];
  /** The first time S(t) ≤ 0.5 (within 1e-9); null when the curve stays above 0.5 ("not reached"). */
  median: number | null;
  /** The first times the lower and the upper confidence curves reach ≤ 0.5 (within 1e-9); null when they do not. */
  medianCi: { lower: number | null; upper: number | null };
  n: number;
  events: number;
}

/** A survival this close above 0.5 is taken as 0.5 when finding the median: floating-point error, not a step. */
const MEDIAN_TOLERANCE = 1e-9;

/** Standard normal quantiles for the supported confidence levels (qnorm(1 − α/2) in R). */
const Z: Record<NonNullable<KaplanMeierOptions['confidence']>, number> = {
  0.9: 1.6448536269514722,
  0.95: 1.959963984540054,
  0.99: 2.5758293035489004,
};

/**
 * At each distinct time t with n at risk, d events and c censored: S(t) = Π (1 − d/n) over event
 * times up to t, and Greenwood's Σ d/(n(n−d)) is the variance of log S(t). A patient censored at an
 * event time counts as at risk at that time. The log-log interval is S^exp(±z·σ/|log S|), where σ
 * is the Greenwood standard error of log S; it stays within 0–1.
 */
export function kaplanMeier(observations: readonly SurvivalObservation[], options: KaplanMeierOptions = {}): KaplanMeierEstimate {
  const z = Z[options.confidence ?? 0.95];
  if (z === undefined) throw new RangeError(`confidence must be 0.9, 0.95 or 0.99, got ${options.confidence}`);
  for (const { time, event } of observations) {
    if (!Number.isFinite(time) || time < 0) throw new RangeError(`a follow-up time must be a non-negative number, got ${time}`);
    if (typeof event !== 'boolean') throw new RangeError(`an observation must say whether the event happened, got ${String(event)}`);
  }
  const times = [...new Set(observations.map((observation) => observation.time))].sort((a, b) => a - b);
  const points: SurvivalPoint[] = [];
  let atRisk = observations.length;
  let survival = 1;
  let greenwood = 0;
  for (const time of times) {
    const here = observations.filter((observation) => observation.time === time);
    const events = here.filter((observation) => observation.event).length;
    const censored = here.length - events;
    if (events > 0) {
      survival *= 1 - events / atRisk;
      greenwood += atRisk > events ? events / (atRisk * (atRisk - events)) : Number.POSITIVE_INFINITY;
    }
    points.push({ time, atRisk, events, censored, survival, ...logLogInterval(survival, Math.sqrt(greenwood), z) });
    atRisk -= here.length;
  }
  const firstAtOrBelowHalf = (value: (point: SurvivalPoint) => number | null): number | null =>
    points.find((point) => {
      const at = value(point);
      return at !== null && at <= 0.5 + MEDIAN_TOLERANCE;
    })?.time ?? null;
  return {
    points,
    median: firstAtOrBelowHalf((point) => point.survival),
    medianCi: { lower: firstAtOrBelowHalf((point) => point.lower), upper: firstAtOrBelowHalf((point) => point.upper) },
    n: observations.length,
    events: observations.filter((observation) => observation.event).length,
  };
}

function logLogInterval(survival: number, logStandardError: number, z: number): Pick<SurvivalPoint, 'standardError' | 'lower' | 'upper'> {
  if (survival === 0) return { standardError: null, lower: null, upper: null };
  if (survival === 1) return { standardError: 0, lower: 1, upper: 1 };
  const spread = (z * logStandardError) / Math.abs(Math.log(survival));
  return {
    standardError: survival * logStandardError,
    lower: survival ** Math.exp(spread),
    upper: survival ** Math.exp(-spread),
  };
}
