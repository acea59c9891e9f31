import { z } from 'zod';

/**
 * The body sizes a person can have, from the smallest patient a CAR-T product is given to (a newborn
 * at term) to the largest people on record. Height and weight are each bounded, and so is their
 * ratio (the body mass index), which catches a pair that is possible alone but not together
 * (170 cm and 0.5 kg). Doses follow from them (Mosteller BSA × mg/m², cells/kg × kg), so a body
 * size outside these bounds is refused before anything is dosed from it.
 */
export const BODY_SIZE_BOUNDS = {
  /**
   * 40 cm: below the length at birth of a term newborn 3 SD under the median (43.6 cm for girls,
   * WHO Child Growth Standards, length-for-age, 2006). 272 cm: Robert Wadlow, the tallest person
   * on record (Guinness World Records).
   */
  heightCm: { min: 40, max: 272 },
  /**
   * 2 kg: the weight at birth of a term newborn 3 SD under the median (2.0 kg for girls, WHO Child
   * Growth Standards, weight-for-age, 2006). 635 kg: Jon Brower Minnoch, the heaviest person on
   * record (Guinness World Records).
   */
  weightKg: { min: 2, max: 635 },
  /**
   * Body mass index, kg/m². 6: below the lowest reported in a survivor, 6.7 in anorexia nervosa
   * (Psychiatr Pol 2022;56(1):89–100; 7.8 in Nutrition 2016;32(1):146–8). 200: above Minnoch's,
   * about 185 (635 kg at 185 cm).
   */
  bmi: { min: 6, max: 200 },
} as const;

const { heightCm: HEIGHT, weightKg: WEIGHT, bmi: BMI } = BODY_SIZE_BOUNDS;

export const heightCmSchema = z
  .number()
  .min(HEIGHT.min, `a height is at least ${HEIGHT.min} cm (a newborn at term)`)
  .max(HEIGHT.max, `a height is at most ${HEIGHT.max} cm (the tallest person on record)`)
  .meta({ 'x-unit': 'cm' });

export const weightKgSchema = z
  .number()
  .min(WEIGHT.min, `a weight is at least ${WEIGHT.min} kg (a newborn at term)`)
  .max(WEIGHT.max, `a weight is at most ${WEIGHT.max} kg (the heaviest person on record)`)
  .meta({ 'x-unit': 'kg' });

/** The body mass index, kg/m². */
export function bodyMassIndex(heightCm: number, weightKg: number): number {
  return weightKg / (heightCm / 100) ** 2;
}

/**
 * Why a height and a weight cannot belong to one person, as one sentence naming both and the
 * bound; undefined when they can, or when either is not a number (each value alone is checked by
 * its schema, which says what is wrong with it).
 */
export function bodySizeProblem(heightCm: unknown, weightKg: unknown): string | undefined {
  if (typeof heightCm !== 'number' || typeof weightKg !== 'number' || !(heightCm > 0) || !Number.isFinite(weightKg)) return undefined;
  const bmi = bodyMassIndex(heightCm, weightKg);
  if (bmi >= BMI.min && bmi <= BMI.max) return undefined;
  const side = bmi < BMI.min ? `below ${BMI.min}` : `above ${BMI.max}`;
  return `${weightKg} kg at ${heightCm} cm is a body mass index of ${bmi.toFixed(1)} kg/m², ${side}: no person has that build`;
}

/** The schema-level check of a height and weight given together: the pair only, once each value is within its own bounds. */
export function bodySizePairProblem(heightCm: number | undefined, weightKg: number | undefined): string | undefined {
  if (!heightCmSchema.safeParse(heightCm).success || !weightKgSchema.safeParse(weightKg).success) return undefined;
  return bodySizeProblem(heightCm, weightKg);
}
