import { gradeIcaht, type AncSample } from './icaht';

/** A daily series: `value` on each day from `from` to `to`, both included. */
const daily = (from: number, to: number, value: number): AncSample[] => Array.from({ length: to - from + 1 }, (_, i) => ({ day: from + i, value }));
/** Daily samples from day 0 to day 30: `low` on the days given, 2.0 ×10⁹/L on the others. */
function series(lowDays: number, low = 0.3): AncSample[] {
  return [...daily(0, lowDays - 1, low), ...daily(lowDays, 30, 2.0)];
}

describe('early ICAHT (Rejeski et al., Blood 2023): days of ANC ≤ 500/µL and ≤ 100/µL from day 0 to day 30', () => {
  it.each([
    // ≤ 500/µL: < 7 days grade 1, 7–13 grade 2, ≥ 14 grade 3
    [0, 0],
    [1, 1],
    [6, 1],
    [7, 2],
    [13, 2],
    [14, 3],
    [30, 3],
  ])('%p days at 300/µL is grade %p', (days, grade) => {
    const early = gradeIcaht(series(days)).early;
    expect(early.grade).toBe(grade);
    expect(early.daysAtOrBelow500).toBe(days);
    expect(early.worstPossibleGrade).toBe(grade);
  });

  it('500/µL exactly is at or below the threshold; 510 is not', () => {
    expect(gradeIcaht(series(7, 0.5)).early.grade).toBe(2);
    expect(gradeIcaht(series(7, 0.51)).early.grade).toBe(0);
  });

  it('never above 500/µL from day 0 to day 30 (31 days) is grade 4', () => {
    expect(gradeIcaht(daily(0, 30, 0.4)).early).toMatchObject({ grade: 4, daysAtOrBelow500: 31 });
  });

  it.each([
    // ≤ 100/µL: ≥ 7 days grade 3, ≥ 14 days grade 4
    [6, 2],
    [7, 3],
    [13, 3],
    [14, 4],
  ])('%p days at 100/µL (of 10 or more days ≤ 500/µL) is grade %p', (days100, grade) => {
    const samples = [...daily(0, days100 - 1, 0.1), ...daily(days100, 9, 0.3), ...daily(10, 30, 2.0)].filter((s) => s.day <= 30);
    // 14 days at 100 makes 14 days at ≤ 500 too (grade 3 by that column); the ≤ 100 column decides grade 4.
    expect(gradeIcaht(samples).early.grade).toBe(grade);
  });

  it('a recovery of fewer than 3 days between two spells is counted with them; 3 days is a recovery', () => {
    // 5 days low, 2 days up, 5 days low: 12 days counted (grade 2); with 3 days up: 10 days (grade 2 still, by count)
    const twoDaysUp = [...daily(0, 4, 0.3), ...daily(5, 6, 0.8), ...daily(7, 11, 0.3), ...daily(12, 30, 2.0)];
    expect(gradeIcaht(twoDaysUp).early.daysAtOrBelow500).toBe(12);
    const threeDaysUp = [...daily(0, 4, 0.3), ...daily(5, 7, 0.8), ...daily(8, 12, 0.3), ...daily(13, 30, 2.0)];
    expect(gradeIcaht(threeDaysUp).early.daysAtOrBelow500).toBe(10);
  });

  it('takes the lowest count of a day sampled twice', () => {
    expect(gradeIcaht([...series(0), { day: 3, value: 0.2 }]).early.daysAtOrBelow500).toBe(1);
  });

  it('counts an unsampled day between two low samples as low, and one between a low and a normal sample as unknown', () => {
    // Day 2: 300, day 9: 200, day 12: 2000; daily 2000 otherwise. Days 2–9 are low (8 days), days 10–11 are unknown.
    const samples = [...daily(0, 1, 2.0), { day: 2, value: 0.3 }, { day: 9, value: 0.2 }, ...daily(12, 30, 2.0)];
    const early = gradeIcaht(samples).early;
    expect(early).toEqual({ grade: 2, worstPossibleGrade: 2, daysAtOrBelow500: 8, daysAtOrBelow100: 0, unknownDays: 2 });
  });

  it('shows when a gap could change the grade: proven grade 1, possibly grade 3', () => {
    // Low on day 1 to day 5, then nothing until day 20 (2000): days 6–19 are unknown.
    const samples = [{ day: 0, value: 2.0 }, ...daily(1, 5, 0.3), { day: 20, value: 2.0 }];
    expect(gradeIcaht(samples).early).toMatchObject({ grade: 1, worstPossibleGrade: 3, daysAtOrBelow500: 5, unknownDays: 14 + 10 });
  });

  it('reads the series as of a day: days not yet come are neither counted nor unknown', () => {
    const samples = daily(0, 8, 0.3);
    expect(gradeIcaht(samples, { throughDay: 8 }).early).toMatchObject({ grade: 2, worstPossibleGrade: 2, unknownDays: 0 });
    expect(gradeIcaht(samples, { throughDay: 20 }).early).toMatchObject({ grade: 2, worstPossibleGrade: 3, unknownDays: 12 });
  });

  it('stops counting at the censoring day (progression or relapse)', () => {
    expect(gradeIcaht(daily(0, 30, 0.3), { censorDay: 10 }).early).toMatchObject({ grade: 2, daysAtOrBelow500: 11 });
  });

  it('has grade 0 and nothing proven without samples', () => {
    expect(gradeIcaht([]).early).toEqual({ grade: 0, worstPossibleGrade: 4, daysAtOrBelow500: 0, daysAtOrBelow100: 0, unknownDays: 31 });
  });
});

describe('late ICAHT (after day 30): ANC ≤ 1500 / ≤ 1000 / ≤ 500 / ≤ 100 per µL on two occasions', () => {
  const late = (...values: number[]) => gradeIcaht(values.map((value, i) => ({ day: 31 + i * 7, value }))).late.grade;

  it.each([
    [1.51, 0],
    [1.5, 1],
    [1.01, 1],
    [1.0, 2],
    [0.51, 2],
    [0.5, 3],
    [0.11, 3],
    [0.1, 4],
    [0, 4],
  ])('two counts of %p ×10⁹/L are grade %p', (value, grade) => {
    expect(late(value, value)).toBe(grade);
  });

  it('grades by the second-lowest count: one low count alone is not late ICAHT', () => {
    expect(late(0.05)).toBe(0);
    expect(late(0.05, 2.0)).toBe(0);
    expect(late(0.05, 0.9, 2.0)).toBe(2);
  });

  it('two counts on the same day are one occasion', () => {
    expect(
      gradeIcaht([
        { day: 40, value: 0.3 },
        { day: 40, value: 0.4 },
      ]).late.grade,
    ).toBe(0);
  });

  it('does not count day 30 and before, nor counts after the censoring day', () => {
    expect(
      gradeIcaht([
        { day: 30, value: 0.3 },
        { day: 31, value: 0.3 },
      ]).late.grade,
    ).toBe(0);
    expect(
      gradeIcaht(
        [
          { day: 31, value: 0.3 },
          { day: 45, value: 0.3 },
        ],
        { censorDay: 40 },
      ).late.grade,
    ).toBe(0);
  });
});
