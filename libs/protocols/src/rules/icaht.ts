/**
 * Immune effector cell-associated haematotoxicity (ICAHT), neutropenic, graded from the absolute
 * neutrophil count by the EHA/EBMT consensus: Rejeski K, Subklewe M, Aljurf M, et al. Immune effector
 * cell-associated hematotoxicity: EHA/EBMT consensus grading and best practice recommendations.
 * Blood 2023;142(10):865–877.
 *
 * Early ICAHT (day 0 to day +30), by the cumulative days of ANC ≤ 500/µL and ≤ 100/µL:
 *
 * | grade | ANC ≤ 500/µL          | ANC ≤ 100/µL |
 * |-------|-----------------------|--------------|
 * | 1     | < 7 days              | –            |
 * | 2     | 7–13 days             | –            |
 * | 3     | ≥ 14 days             | ≥ 7 days     |
 * | 4     | never above 500/µL    | ≥ 14 days    |
 *
 * "Never above 500/µL" is every day from day 0 to day +30 at or below it (31 days). As the
 * consensus (and its follow-up on thrombocytopenia, Rejeski et al., Blood Adv 2024) counts, a
 * recovery lasting fewer than 3 days between two spells below the threshold is counted with them.
 *
 * Late ICAHT (after day +30), by the ANC: ≤ 1500/µL grade 1, ≤ 1000 grade 2, ≤ 500 grade 3, ≤ 100
 * grade 4, on at least two occasions (the consensus asks for two measurements or a non-transient
 * neutropenia): the grade is the one the second-lowest count on a distinct day reaches.
 *
 * Counts are in ×10⁹/L, the engine's unit (500/µL = 0.5 ×10⁹/L).
 *
 * Sampling gaps, the engine's reading (the consensus counts days, labs sample some days): each day
 * takes the lowest count collected that day. A day without a sample between two samples on the same
 * side of a threshold takes that side; between samples on opposite sides, or after the last sample,
 * it is unknown. `grade` counts unknown days as above the threshold (what the samples prove),
 * `worstPossibleGrade` as below it (what they cannot exclude); the two agree once the series has no
 * gap that could change the grade.
 */

export interface AncSample {
  /** Study day of the collection (Day 0 = the infusion day). */
  day: number;
  /** ANC in ×10⁹/L. */
  value: number;
  /** The collection instant, by which a corrected result replaces the sample it corrects (absent on samples recorded before it was kept). */
  at?: string;
}

export const EARLY_ICAHT_LAST_DAY = 30;
/** A recovery shorter than this many days is counted with the neutropenia around it. */
const STABLE_RECOVERY_DAYS = 3;

export interface EarlyIcaht {
  grade: number;
  worstPossibleGrade: number;
  /** Days from 0 to 30 the samples show at or below 500/µL (short recoveries included). */
  daysAtOrBelow500: number;
  daysAtOrBelow100: number;
  /** Days whose side of 500/µL the samples cannot tell. */
  unknownDays: number;
}

export interface LateIcaht {
  grade: number;
  /** The two lowest counts after day 30 on distinct days, lowest first. */
  lowest: AncSample[];
}

export interface IcahtGrade {
  early: EarlyIcaht;
  late: LateIcaht;
}

export interface IcahtOptions {
  /** The study day the series is read on: later days have not happened yet. Day 30 when not given. */
  throughDay?: number;
  /** The last study day that counts (progression or relapse, after which cytopenia is not ICAHT). */
  censorDay?: number;
}

type Side = 'below' | 'above' | 'unknown';

/** The lowest count of each sampled day, by day. */
function lowestByDay(samples: readonly AncSample[]): Map<number, number> {
  const byDay = new Map<number, number>();
  for (const s of samples) byDay.set(s.day, Math.min(byDay.get(s.day) ?? Number.POSITIVE_INFINITY, s.value));
  return byDay;
}

/** The side of `threshold` each day from 0 to `lastDay` is on, as the samples show it. */
function sides(byDay: Map<number, number>, threshold: number, lastDay: number): Side[] {
  const days = [...byDay.keys()].sort((a, b) => a - b);
  const sideOf = (value: number): Side => (value <= threshold ? 'below' : 'above');
  const result: Side[] = [];
  for (let day = 0; day <= lastDay; day++) {
    const own = byDay.get(day);
    if (own !== undefined) {
      result.push(sideOf(own));
      continue;
    }
    const before = days.filter((d) => d < day).at(-1);
    const after = days.find((d) => d > day);
    if (before === undefined || after === undefined) {
      result.push('unknown');
      continue;
    }
    const [a, b] = [sideOf(byDay.get(before)!), sideOf(byDay.get(after)!)];
    result.push(a === b ? a : 'unknown');
  }
  return result;
}

/** Days counted below: the `below` days, and any spell of fewer than 3 other days between two of them. */
function countedDays(below: boolean[]): number {
  const counted = [...below];
  const marked = below.flatMap((b, day) => (b ? [day] : []));
  for (let i = 1; i < marked.length; i++) {
    const gap = marked[i] - marked[i - 1] - 1;
    if (gap > 0 && gap < STABLE_RECOVERY_DAYS) for (let day = marked[i - 1] + 1; day < marked[i]; day++) counted[day] = true;
  }
  return counted.filter(Boolean).length;
}

function earlyGrade(days500: number, days100: number): number {
  if (days100 >= 14 || days500 >= EARLY_ICAHT_LAST_DAY + 1) return 4;
  if (days100 >= 7 || days500 >= 14) return 3;
  if (days500 >= 7) return 2;
  return days500 >= 1 ? 1 : 0;
}

function gradeEarly(samples: readonly AncSample[], lastDay: number): EarlyIcaht {
  const byDay = lowestByDay(samples);
  const at500 = sides(byDay, 0.5, lastDay);
  const at100 = sides(byDay, 0.1, lastDay);
  const proven = (s: Side[]) => countedDays(s.map((x) => x === 'below'));
  const possible = (s: Side[]) => countedDays(s.map((x) => x !== 'above'));
  const daysAtOrBelow500 = proven(at500);
  const daysAtOrBelow100 = proven(at100);
  return {
    grade: earlyGrade(daysAtOrBelow500, daysAtOrBelow100),
    worstPossibleGrade: earlyGrade(possible(at500), possible(at100)),
    daysAtOrBelow500,
    daysAtOrBelow100,
    unknownDays: at500.filter((x) => x === 'unknown').length,
  };
}

function lateGradeOf(value: number): number {
  if (value <= 0.1) return 4;
  if (value <= 0.5) return 3;
  if (value <= 1.0) return 2;
  return value <= 1.5 ? 1 : 0;
}

function gradeLate(samples: readonly AncSample[]): LateIcaht {
  const lowest = [...lowestByDay(samples.filter((s) => s.day > EARLY_ICAHT_LAST_DAY)).entries()]
    .map(([day, value]) => ({ day, value }))
    .sort((a, b) => a.value - b.value || a.day - b.day)
    .slice(0, 2);
  return { grade: lowest.length < 2 ? 0 : lateGradeOf(lowest[1].value), lowest };
}

/** Early and late ICAHT of an ANC series (any order; samples before Day 0 only bound the gaps). */
export function gradeIcaht(samples: readonly AncSample[], options: IcahtOptions = {}): IcahtGrade {
  const censorDay = options.censorDay ?? Number.POSITIVE_INFINITY;
  const counted = samples.filter((s) => s.day <= censorDay);
  const lastEarlyDay = Math.min(EARLY_ICAHT_LAST_DAY, options.throughDay ?? EARLY_ICAHT_LAST_DAY, censorDay);
  return { early: gradeEarly(counted, lastEarlyDay), late: gradeLate(counted) };
}
