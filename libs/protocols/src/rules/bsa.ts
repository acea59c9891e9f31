/**
 * Body surface area by the Mosteller formula: BSA (m²) = √(height cm × weight kg / 3600),
 * rounded to 2 decimals as it is written on a dosing sheet (170 cm, 70 kg → 1.82 m²).
 */
export function mostellerBsa(heightCm: number, weightKg: number): number {
  assertPositive('height', heightCm, 'cm');
  assertPositive('weight', weightKg, 'kg');
  return roundTo2Decimals(Math.sqrt((heightCm * weightKg) / 3600));
}

export interface CappedBsa {
  /** The BSA to dose with: the measured one, or the cap when the measured one exceeds it. */
  bsaM2: number;
  capped: boolean;
}

/** Applies a protocol's BSA cap (none when `capM2` is not given). */
export function cappedBsa(bsaM2: number, capM2?: number): CappedBsa {
  assertPositive('body surface area', bsaM2, 'm²');
  if (capM2 === undefined) return { bsaM2, capped: false };
  assertPositive('body surface area cap', capM2, 'm²');
  return bsaM2 > capM2 ? { bsaM2: capM2, capped: true } : { bsaM2, capped: false };
}

function assertPositive(label: string, value: number, unit: string): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${label} must be a positive number of ${unit}, got ${value}`);
  }
}

function roundTo2Decimals(value: number): number {
  return Math.round((value + Number.EPSILON) * 100) / 100;
}
