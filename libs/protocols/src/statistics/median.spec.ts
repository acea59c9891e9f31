import fc from 'fast-check';
import { median, medianAndRange } from './median';

describe('median and range', () => {
  it('takes the middle value of an odd number of values, whatever their order', () => {
    // 12 14 17 21 31 → 17
    expect(median([21, 14, 31, 12, 17])).toBe(17);
    expect(medianAndRange([21, 14, 31, 12, 17])).toEqual({ n: 5, median: 17, min: 12, max: 31 });
  });

  it('takes the mean of the two middle values of an even number of values', () => {
    // 13 16 | 19 30 → (16 + 19) / 2 = 17.5
    expect(median([30, 13, 19, 16])).toBe(17.5);
    expect(medianAndRange([30, 13, 19, 16])).toEqual({ n: 4, median: 17.5, min: 13, max: 30 });
    // R: median(c(3, 8)) = 5.5
    expect(median([8, 3])).toBe(5.5);
  });

  it('sorts numerically, not as text', () => {
    // as text 100 < 25 < 9; as numbers 9 25 100
    expect(median([100, 9, 25])).toBe(25);
  });

  it('gives one value as its own median and range, and nothing for no values', () => {
    expect(medianAndRange([6])).toEqual({ n: 1, median: 6, min: 6, max: 6 });
    expect(medianAndRange([])).toEqual({ n: 0, median: null, min: null, max: null });
    expect(median([])).toBeNull();
  });

  it('refuses a value that is not a finite number', () => {
    expect(() => median([1, Number.NaN])).toThrow(/finite numbers, got NaN/);
    expect(() => medianAndRange([Number.POSITIVE_INFINITY])).toThrow(RangeError);
  });

  it('leaves the values given as they were', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('lies within the range, with no more than half the values on either side of it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 50 }), (values) => {
        const { median: m, min, max, n } = medianAndRange(values);
        expect(n).toBe(values.length);
        expect(m).toBeGreaterThanOrEqual(min!);
        expect(m).toBeLessThanOrEqual(max!);
        // at most half the values lie strictly below the median, and at most half strictly above it
        expect(values.filter((v) => v < m!).length).toBeLessThanOrEqual(n / 2);
        expect(values.filter((v) => v > m!).length).toBeLessThanOrEqual(n / 2);
      }),
    );
  });
});
