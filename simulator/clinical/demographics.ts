import { DAY_MS } from '#protocols';
import { type Random, round } from '../random';

export type Sex = 'female' | 'male';

/** What POST /patients takes besides the ids. */
export interface Demographics {
  sex: Sex;
  birthDate: string;
  weightKg: number;
  heightCm: number;
}

const YEAR_MS = 365.25 * DAY_MS;

/** An adult (or adolescent) of an age within `ages` on `asOf`: height by sex, weight from a plausible BMI. */
export function drawDemographics(rng: Random, ages: readonly [number, number], asOf: number): Demographics {
  const sex: Sex = rng.chance(0.55) ? 'male' : 'female';
  const age = rng.int(ages[0], ages[1]);
  return { sex, birthDate: birthDateFor(rng, age, asOf), ...bodySize(rng, sex) };
}

/**
 * A birth date that makes the patient `age` whole years old on `asOf` and for the weeks of screening
 * after it: the birthday is at least a month past and at least two months ahead.
 */
export function birthDateFor(rng: Random, age: number, asOf: number): string {
  const sinceBirthday = rng.between(30, 300) * DAY_MS;
  return new Date(asOf - age * YEAR_MS - sinceBirthday).toISOString().slice(0, 10);
}

function bodySize(rng: Random, sex: Sex): { weightKg: number; heightCm: number } {
  const heightCm = round(sex === 'male' ? rng.normalWithin(176, 7, 155, 200) : rng.normalWithin(163, 6.5, 145, 185));
  const bmi = rng.normalWithin(24, 4, 17, 38);
  return { heightCm, weightKg: round(bmi * (heightCm / 100) ** 2, 1) };
}
