import fc from 'fast-check';
import { carTKinetics } from './pharmacokinetics';

describe('CAR-T kinetics', () => {
  it('Cmax, Tmax and AUC0–28 by the linear trapezoid rule', () => {
    // copies/µg gDNA on days 0, 7, 14, 28:
    //   (0 + 1000)/2 · 7 = 3 500; (1000 + 5000)/2 · 7 = 21 000; (5000 + 800)/2 · 14 = 40 600 → 65 100
    const samples = [
      { day: 0, value: 0 },
      { day: 7, value: 1000 },
      { day: 14, value: 5000 },
      { day: 28, value: 800 },
    ];
    expect(carTKinetics(samples)).toEqual({ cmax: 5000, tmax: 14, auc: 65_100, samples: 4 });
  });

  it('ignores samples before the infusion and after the window, in any order', () => {
    const samples = [
      { day: 35, value: 100 },
      { day: 14, value: 5000 },
      { day: -3, value: 9000 },
      { day: 0, value: 0 },
      { day: 28, value: 800 },
      { day: 7, value: 1000 },
    ];
    expect(carTKinetics(samples)).toEqual({ cmax: 5000, tmax: 14, auc: 65_100, samples: 4 });
  });

  // Worked by hand: each trapezoid is (value before + value after)/2 × days between; without a day-0
  // sample the first one starts at (day 0, 0), and the value at day 28 between the last sample in the
  // window (d1, v1) and the first after it (d2, v2) is v1 + (v2 − v1) · (28 − d1)/(d2 − d1).
  it('anchors the area at (day 0, 0) without a day-0 sample, and does not extrapolate past the last sample', () => {
    // days 4 and 10 only: (0 + 200)/2 · 4 + (200 + 600)/2 · 6 = 400 + 2 400
    expect(
      carTKinetics([
        { day: 4, value: 200 },
        { day: 10, value: 600 },
      ]),
    ).toEqual({ cmax: 600, tmax: 10, auc: 2800, samples: 2 });
    // day 10 only: (0 + 600)/2 · 10 = 3 000
    expect(carTKinetics([{ day: 10, value: 600 }])).toEqual({ cmax: 600, tmax: 10, auc: 3000, samples: 1 });
  });

  it('interpolates to the end of the window towards the first later sample', () => {
    // days 7, 21 and 35: (0 + 1000)/2 · 7 = 3 500; (1000 + 3000)/2 · 14 = 28 000; at day 28
    // 3000 + (500 − 3000) · 7/14 = 1 750, so (3000 + 1750)/2 · 7 = 16 625 → 48 125
    const samples = [
      { day: 35, value: 500 },
      { day: 7, value: 1000 },
      { day: 21, value: 3000 },
      { day: 42, value: 100 },
    ];
    expect(carTKinetics(samples)).toEqual({ cmax: 3000, tmax: 21, auc: 48_125, samples: 2 });
    // with a day-0 sample there is no anchor: (50 + 1000)/2 · 7 = 3 675 instead of 3 500
    expect(carTKinetics([{ day: 0, value: 50 }, ...samples]).auc).toBe(48_300);
    // no area from the anchor and a later sample alone
    expect(carTKinetics([{ day: 35, value: 500 }])).toEqual({ cmax: null, tmax: null, auc: 0, samples: 0 });
  });

  it('takes the earliest day when the peak is reached twice', () => {
    // (0 + 300)/2 · 4 + (300 + 300)/2 · 5 + (300 + 100)/2 · 5 = 600 + 1 500 + 1 000
    expect(
      carTKinetics([
        { day: 9, value: 300 },
        { day: 4, value: 300 },
        { day: 14, value: 100 },
      ]),
    ).toEqual({ cmax: 300, tmax: 4, auc: 3100, samples: 3 });
  });

  it('takes another window and fractional days', () => {
    // days 0, 0.5, 14 within 14 days: (0 + 10)/2 · 0.5 + (10 + 30)/2 · 13.5 = 2.5 + 270
    const samples = [
      { day: 0, value: 0 },
      { day: 0.5, value: 10 },
      { day: 14, value: 30 },
      { day: 21, value: 50 },
    ];
    expect(carTKinetics(samples, 14)).toEqual({ cmax: 30, tmax: 14, auc: 272.5, samples: 3 });
  });

  it('has no peak without samples in the window', () => {
    expect(carTKinetics([])).toEqual({ cmax: null, tmax: null, auc: 0, samples: 0 });
    expect(carTKinetics([{ day: -1, value: 5 }])).toEqual({ cmax: null, tmax: null, auc: 0, samples: 0 });
  });

  it('refuses two samples on one day, negative values and a window that is not a positive number of days', () => {
    expect(() =>
      carTKinetics([
        { day: 7, value: 1 },
        { day: 7, value: 2 },
      ]),
    ).toThrow(/two samples on day 7/);
    expect(() => carTKinetics([{ day: 7, value: -1 }])).toThrow(/non-negative/);
    expect(() => carTKinetics([{ day: Number.NaN, value: 1 }])).toThrow(new RangeError('a sample day must be a number, got NaN'));
    expect(() => carTKinetics([], 0)).toThrow(/positive number of days/);
    expect(() =>
      carTKinetics([
        { day: 7, value: 1 },
        { day: 35, value: 1 },
        { day: 35, value: 2 },
      ]),
    ).toThrow(/two samples on day 35/);
  });

  it('keeps the AUC between the lowest value times the days sampled and the highest value times the window', () => {
    const sample = fc.record({ day: fc.integer({ min: -5, max: 40 }), value: fc.double({ min: 0, max: 1e6, noNaN: true }) });
    const distinctDays = fc.uniqueArray(sample, { selector: (s) => s.day, maxLength: 20 });
    fc.assert(
      fc.property(distinctDays, (samples) => {
        const result = carTKinetics(samples);
        const used = samples.filter(({ day }) => day >= 0 && day <= 28);
        expect(result.samples).toBe(used.length);
        if (used.length === 0) {
          expect(result.auc).toBe(0);
          return;
        }
        const days = used.map(({ day }) => day);
        const span = Math.max(...days) - Math.min(...days);
        const values = used.map(({ value }) => value);
        expect(result.cmax).toBe(Math.max(...values));
        expect(result.auc).toBeGreaterThanOrEqual(Math.min(...values) * span * (1 - 1e-12));
        // the anchor is 0 and the interpolated end lies between two samples, one of them after the window
        const highest = Math.max(...samples.filter(({ day }) => day >= 0).map(({ value }) => value));
        expect(result.auc).toBeLessThanOrEqual(highest * 28 * (1 + 1e-12));
      }),
    );
  });
});
