import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';

/** A response or event rate with its exact confidence interval (ORR, MRD-negative ORR, DCR …). */
export interface Proportion {
  successes: number;
  n: number;
  /** successes / n; null when no patient is evaluable. */
  rate: number | null;
  /** Clopper–Pearson interval; null when no patient is evaluable. */
  ci: { lower: number; upper: number } | null;
}

/**
 * The share of patients with the outcome and its exact Clopper–Pearson interval (95% unless
 * `confidence` is given), from the beta distribution: lower = Beta(α/2; x, n − x + 1), 0 when x = 0;
 * upper = Beta(1 − α/2; x + 1, n − x), 1 when x = n. 7 of 20 → 35% (15.4%–59.2%).
 */
export function proportion(successes: number, n: number, confidence = 0.95): Proportion {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`the number of patients must be a whole number, got ${n}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`the number of patients with the outcome must be a whole number from 0 to ${n}, got ${successes}`);
  }
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be between 0 and 1, got ${confidence}`);
  if (n === 0) return { successes, n, rate: null, ci: null };
  const alpha = 1 - confidence;
  return {
    successes,
    n,
    rate: successes / n,
    ci: {
      lower: successes === 0 ? 0 : betaQuantile(alpha / 2, successes, n - successes + 1),
      upper: successes === n ? 1 : betaQuantile(1 - alpha / 2, successes + 1, n - successes),
    },
  };
}
