import fc from 'fast-check';
import { cappedBsa, mostellerBsa } from './bsa';

describe('Mosteller body surface area', () => {
  it('gives the published example: 170 cm, 70 kg → 1.82 m²', () => {
    expect(mostellerBsa(170, 70)).toBe(1.82);
  });

  it('rounds to 2 decimals', () => {
    expect(mostellerBsa(180, 80)).toBe(2); // √4 exactly
    expect(mostellerBsa(120, 25)).toBe(0.91); // √0.8333 = 0.9129
    expect(mostellerBsa(160, 60)).toBe(1.63); // √2.6667 = 1.6330
  });

  it('rounds a BSA exactly half-way up', () => {
    // √(52.5 × 52.5 / 3600) = 0.875 exactly: a dosing sheet writes 0.88, never 0.87.
    expect(mostellerBsa(52.5, 52.5)).toBe(0.88);
    expect(mostellerBsa(57.5, 20.7)).toBe(0.58);
  });

  it('says which measurement is wrong, in its unit', () => {
    expect(() => mostellerBsa(0, 70)).toThrow(new RangeError('height must be a positive number of cm, got 0'));
    expect(() => mostellerBsa(170, -1)).toThrow(new RangeError('weight must be a positive number of kg, got -1'));
  });

  it.each([
    [0, 70],
    [-170, 70],
    [170, 0],
    [170, -1],
    [Number.NaN, 70],
    [170, Number.POSITIVE_INFINITY],
  ])('refuses height %p cm and weight %p kg', (heightCm, weightKg) => {
    expect(() => mostellerBsa(heightCm, weightKg)).toThrow(RangeError);
  });

  it('is monotone non-decreasing in height and in weight', () => {
    const size = fc.double({ min: 1, max: 300, noNaN: true });
    fc.assert(
      fc.property(size, size, size, size, (h1, h2, w1, w2) => {
        const [hLow, hHigh] = h1 <= h2 ? [h1, h2] : [h2, h1];
        const [wLow, wHigh] = w1 <= w2 ? [w1, w2] : [w2, w1];
        expect(mostellerBsa(hLow, w1)).toBeLessThanOrEqual(mostellerBsa(hHigh, w1));
        expect(mostellerBsa(h1, wLow)).toBeLessThanOrEqual(mostellerBsa(h1, wHigh));
      }),
    );
  });
});

describe('BSA cap', () => {
  it('leaves the BSA alone without a cap or under it', () => {
    expect(cappedBsa(2.3)).toEqual({ bsaM2: 2.3, capped: false });
    expect(cappedBsa(1.82, 2)).toEqual({ bsaM2: 1.82, capped: false });
    expect(cappedBsa(2, 2)).toEqual({ bsaM2: 2, capped: false });
  });

  it('doses from the cap above it', () => {
    expect(cappedBsa(2.01, 2)).toEqual({ bsaM2: 2, capped: true });
  });

  it('refuses a non-positive BSA or cap', () => {
    expect(() => cappedBsa(0)).toThrow(RangeError);
    expect(() => cappedBsa(1.8, 0)).toThrow(RangeError);
    expect(() => cappedBsa(1.8, Number.NaN)).toThrow(RangeError);
    expect(() => cappedBsa(0)).toThrow(new RangeError('body surface area must be a positive number of m², got 0'));
    expect(() => cappedBsa(1.8, 0)).toThrow(new RangeError('body surface area cap must be a positive number of m², got 0'));
  });
});
