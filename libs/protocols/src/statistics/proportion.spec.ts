import fc from 'fast-check';
import { proportion } from './proportion';

describe('proportion with the exact Clopper–Pearson interval', () => {
  it.each([
    // R: binom.test(7, 20)$conf.int → 0.1539092 0.5921885
    [7, 20, 0.35, 0.154, 0.592],
    // 0 of 10: upper = 1 − 0.025^(1/10) = 0.3085
    [0, 10, 0, 0, 0.308],
    // 10 of 10: lower = 0.025^(1/10) = 0.6915
    [10, 10, 1, 0.692, 1],
  ])('%p of %p: rate %p, 95%% CI %p–%p', (successes, n, rate, lower, upper) => {
    const result = proportion(successes, n);
    expect(result).toMatchObject({ successes, n, rate });
    expect(result.ci!.lower).toBeCloseTo(lower, 3);
    expect(result.ci!.upper).toBeCloseTo(upper, 3);
  });

  it('gives the ends exactly when none or all had the outcome', () => {
    expect(proportion(0, 10).ci!.lower).toBe(0);
    expect(proportion(10, 10).ci!.upper).toBe(1);
    expect(proportion(0, 10).ci!.upper).toBeCloseTo(1 - 0.025 ** (1 / 10), 10);
  });

  it('has no rate without evaluable patients', () => {
    expect(proportion(0, 0)).toEqual({ successes: 0, n: 0, rate: null, ci: null });
  });

  it('takes another confidence level', () => {
    // 1 of 1 at 90%: lower = 0.05^(1/1)
    expect(proportion(1, 1, 0.9).ci!.lower).toBeCloseTo(0.05, 10);
    const narrower = proportion(7, 20, 0.9).ci!;
    expect(narrower.lower).toBeGreaterThan(proportion(7, 20).ci!.lower);
  });

  it('refuses counts that are not whole numbers of patients, or more successes than patients', () => {
    expect(() => proportion(3, 2)).toThrow(/from 0 to 2, got 3/);
    expect(() => proportion(-1, 2)).toThrow(RangeError);
    expect(() => proportion(1.5, 3)).toThrow(RangeError);
    expect(() => proportion(1, 2.5)).toThrow(/whole number/);
    expect(() => proportion(1, 2, 1)).toThrow(/confidence/);
    expect(() => proportion(1, 2, 0)).toThrow(new RangeError('confidence must be between 0 and 1, got 0'));
    expect(proportion(1, 2, 0.001).ci).not.toBeNull();
    expect(() => proportion(0, 2.5)).toThrow(new RangeError('the number of patients must be a whole number, got 2.5'));
    expect(() => proportion(0, -1)).toThrow(new RangeError('the number of patients must be a whole number, got -1'));
  });

  it('always holds the rate inside its interval', () => {
    const counts = fc.integer({ min: 1, max: 200 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));
    fc.assert(
      fc.property(counts, ([successes, n]) => {
        const { rate, ci } = proportion(successes, n);
        expect(ci!.lower).toBeGreaterThanOrEqual(0);
        expect(ci!.lower).toBeLessThanOrEqual(rate!);
        expect(ci!.upper).toBeGreaterThanOrEqual(rate!);
        expect(ci!.upper).toBeLessThanOrEqual(1);
      }),
    );
  });
});
