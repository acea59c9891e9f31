import type { Random } from '../random';

/**
 * CAR-T expansion and persistence in blood: copies per µg genomic DNA rise log-linearly to a peak at
 * day 7–14, fall fast (half-life of days) for three weeks, then slowly (persistence).
 */
export interface CarKinetics {
  cmax: number;
  tmax: number;
  /** Copies on day 1, from which the expansion rises. */
  start: number;
  fastHalfLifeDays: number;
  slowHalfLifeDays: number;
  /** Marrow and lymph-node levels as a share of the blood level. */
  marrowRatio: number;
  lymphNodeRatio: number;
}

/** Below this the qPCR reports its limit of quantification. */
export const CAR_COPIES_LLOQ = 5;
export const CAR_COPIES_UNIT = 'copies/µg gDNA';

export function drawKinetics(rng: Random, { responder, intensity }: { responder: boolean; intensity: number }): CarKinetics {
  const cmax = rng.logNormal(25_000 * (0.4 + intensity) * (responder ? 1 : 0.3), 0.8);
  return {
    cmax,
    tmax: rng.weighted([
      [rng.int(7, 10), 0.6],
      [rng.int(11, 14), 0.3],
      [rng.int(4, 6), 0.1],
    ]),
    start: cmax / rng.between(300, 3000),
    fastHalfLifeDays: rng.between(4, 9),
    slowHalfLifeDays: responder ? rng.between(40, 150) : rng.between(15, 40),
    marrowRatio: rng.between(0.2, 0.8),
    lymphNodeRatio: rng.between(0.4, 1.5),
  };
}

/** CAR copies in blood on a (fractional) day after the infusion. */
export function carCopiesAt(k: CarKinetics, day: number): number {
  if (day <= 0) return 0;
  let value: number;
  if (day <= 1) {
    value = k.start * day;
  } else if (day <= k.tmax) {
    value = k.start * (k.cmax / k.start) ** ((day - 1) / (k.tmax - 1));
  } else {
    const fastDays = Math.min(day - k.tmax, 21);
    const slowDays = Math.max(0, day - k.tmax - 21);
    value = k.cmax * 0.5 ** (fastDays / k.fastHalfLifeDays) * 0.5 ** (slowDays / k.slowHalfLifeDays);
  }
  return Math.max(CAR_COPIES_LLOQ, Math.round(value));
}

/** CAR copies in a compartment: blood (PB), marrow (BM) or lymph node (LN). */
export function carCopiesIn(k: CarKinetics, compartment: 'PB' | 'BM' | 'LN', day: number): number {
  const blood = carCopiesAt(k, day);
  const ratio = compartment === 'BM' ? k.marrowRatio : compartment === 'LN' ? k.lymphNodeRatio : 1;
  return Math.max(CAR_COPIES_LLOQ, Math.round(blood * ratio));
}

/** CAR-T cells as a percentage of blood T cells by flow, from the copies (saturating below 60 %). */
export function carTPercentAt(k: CarKinetics, day: number): number {
  const copies = carCopiesAt(k, day);
  return Number(((60 * copies) / (copies + 40_000)).toFixed(2));
}

/** A cytokine in blood (pg/mL): its baseline, rising to a peak at `peakDay` and back within a few days. */
export function cytokineAt(baseline: number, peak: number, peakDay: number, day: number): number {
  return Number((baseline + (peak - baseline) * Math.exp(-Math.abs(day - peakDay) / 2.5)).toFixed(1));
}

export const CYTOKINES = [
  { code: 'IL6', baseline: [3, 12], peakByCrsGrade: [20, 150, 600, 2500, 8000] },
  { code: 'IL10', baseline: [2, 8], peakByCrsGrade: [10, 40, 120, 400, 1200] },
  { code: 'IFNG', baseline: [5, 20], peakByCrsGrade: [30, 200, 800, 2000, 5000] },
  { code: 'TNFA', baseline: [2, 10], peakByCrsGrade: [8, 20, 45, 90, 180] },
] as const;
