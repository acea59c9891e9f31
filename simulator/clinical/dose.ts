import type { Random } from '../random';

/**
 * The infused cell dose for an assigned dose level: somewhere inside its range (never at its very
 * edges), rounded to 10,000 cells/kg as a product's certificate states it.
 */
export function cellDoseWithin(rng: Random, level: { minCellsPerKg: number; maxCellsPerKg: number }): number {
  const { minCellsPerKg: min, maxCellsPerKg: max } = level;
  const rounded = Math.round((min + (max - min) * rng.between(0.1, 0.9)) / 1e4) * 1e4;
  return Math.min(max, Math.max(min, rounded));
}
