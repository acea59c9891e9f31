import fc from 'fast-check';
import { isotonicRegression } from './isotonic';

/** The BOIN R package's `pava` (inside `select.mtd`): pool the leftmost violating pair until none is left. */
function leftmostViolatorPava(values: number[], weights: number[]): number[] {
  const x = [...values];
  const sets = x.map((_, index) => index);
  for (;;) {
    const i = x.findIndex((value, index) => index < x.length - 1 && value > x[index + 1]!);
    if (i < 0) return x;
    const [first, second] = [sets[i], sets[i + 1]];
    const members = sets.map((set, index) => (set === first || set === second ? index : -1)).filter((index) => index >= 0);
    const weight = members.reduce((sum, index) => sum + weights[index]!, 0);
    const mean = members.reduce((sum, index) => sum + x[index]! * weights[index]!, 0) / weight;
    for (const index of members) {
      x[index] = mean;
      sets[index] = first!;
    }
  }
}

describe('isotonic regression (pool-adjacent-violators)', () => {
  it('leaves a non-decreasing sequence as it is', () => {
    expect(isotonicRegression([0.1, 0.1, 0.3, 0.5])).toEqual([0.1, 0.1, 0.3, 0.5]);
    expect(isotonicRegression([])).toEqual([]);
    expect(isotonicRegression([7])).toEqual([7]);
  });

  it('pools each violating pair into its mean', () => {
    // 3 > 2 → 2.5, 2.5; 4 > 3 → 3.5, 3.5
    expect(isotonicRegression([1, 3, 2, 4, 3, 5])).toEqual([1, 2.5, 2.5, 3.5, 3.5, 5]);
  });

  it('pools backwards when a pooled block is still above the value before it', () => {
    // 4 > 3 → 3.5, 3.5; 3.5 > 2 → (4 + 3 + 2) / 3 = 3 for the three
    expect(isotonicRegression([1, 4, 3, 2, 5])).toEqual([1, 3, 3, 3, 5]);
    // a decreasing sequence becomes its mean: (4 + 3 + 2 + 1) / 4
    expect(isotonicRegression([4, 3, 2, 1])).toEqual([2.5, 2.5, 2.5, 2.5]);
  });

  it('pools with weights', () => {
    // 3 > 2 → (1·3 + 3·2) / (1 + 3) = 9/4
    expect(isotonicRegression([1, 3, 2], [1, 1, 3])).toEqual([1, 2.25, 2.25]);
    // 0.5 > 0.2 → (0.5 + 2·0.2) / 3 = 0.3; 0.3 > 0.1 → (0.9 + 0.1) / 4 = 0.25
    const pooled = isotonicRegression([0.5, 0.2, 0.1], [1, 2, 1]);
    pooled.forEach((value) => expect(value).toBeCloseTo(0.25, 12));
  });

  it('pools DLT rates by patients treated: 1/3, 0/6, 2/6 → 1/9, 1/9, 1/3', () => {
    const [first, second, third] = isotonicRegression([1 / 3, 0, 2 / 6], [3, 6, 6]);
    expect(first).toBeCloseTo(1 / 9, 12);
    expect(second).toBeCloseTo(1 / 9, 12);
    expect(third).toBeCloseTo(1 / 3, 12);
  });

  it('refuses missing or non-positive weights and values that are not numbers', () => {
    expect(() => isotonicRegression([1, 2], [1])).toThrow(/one weight per value/);
    expect(() => isotonicRegression([1, 2], [1, 0])).toThrow(/weight 2 must be a positive number/);
    expect(() => isotonicRegression([1, Number.NaN])).toThrow(/value 2/);
  });

  const weighted = fc
    .integer({ min: 1, max: 12 })
    .chain((length) =>
      fc.tuple(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: length, maxLength: length }),
        fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: length, maxLength: length }),
      ),
    );

  it('is non-decreasing, keeps the weighted total and is the fit R’s pava gives', () => {
    fc.assert(
      fc.property(weighted, ([values, weights]) => {
        const fit = isotonicRegression(values, weights);
        fit.slice(1).forEach((value, index) => expect(value).toBeGreaterThanOrEqual(fit[index]! - 1e-9));
        const total = (xs: number[]) => xs.reduce((sum, x, index) => sum + x * weights[index]!, 0);
        expect(total(fit)).toBeCloseTo(total(values), 6);
        leftmostViolatorPava(values, weights).forEach((value, index) => expect(fit[index]).toBeCloseTo(value, 6));
        isotonicRegression(fit, weights).forEach((value, index) => expect(value).toBeCloseTo(fit[index]!, 9));
      }),
    );
  });

  it('fits no worse in weighted least squares than any other non-decreasing sequence', () => {
    const other = fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 12, maxLength: 12 });
    fc.assert(
      fc.property(weighted, other, ([values, weights], candidates) => {
        const candidate = candidates.slice(0, values.length).sort((a, b) => a - b);
        const loss = (fit: number[]) => fit.reduce((sum, x, index) => sum + weights[index]! * (x - values[index]!) ** 2, 0);
        expect(loss(isotonicRegression(values, weights))).toBeLessThanOrEqual(loss(candidate) + 1e-6);
      }),
    );
  });
});
