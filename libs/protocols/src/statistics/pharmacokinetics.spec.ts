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

  it('does not extrapolate to day 0 or to the end of the window', () => {
    // days 4 and 10 only: (200 + 600)/2 · 6 = 2 400
    expect(carTKinetics([
      { day: 4, value: 200 },
      { day: 10, value: 600 },
    ])).toEqual({ cmax: 600, tmax: 10, auc: 2400, samples: 2 });
    expect(carTKinetics([{ day: 10, value: 600 }])).toEqual({ cmax: 600, tmax: 10, auc: 0, samples: 1 });
  });

  it('takes the earliest day when the peak is reached twice', () => {
    // (300 + 300)/2 · 5 + (300 + 100)/2 · 5 = 1 500 + 1 000
    expect(carTKinetics([
      { day: 9, value: 300 },
      { day: 4, value: 300 },
      { day: 14, value: 100 },
    ])).toEqual({ cmax: 300, tmax: 4, auc: 2500, samples: 3 });
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
    expect(() => carTKinetics([
      { day: 7, value: 1 },
      { day: 7, value: 2 },
    ])).toThrow(/two samples on day 7/);
    expect(() => carTKinetics([{ day: 7, value: -1 }])).toThrow(/non-negative/);
    expect(() => carTKinetics([{ day: Number.NaN, value: 1 }])).toThrow(RangeError);
    expect(() => carTKinetics([], 0)).toThrow(/positive number of days/);
  });

  it('keeps the AUC between the lowest and the highest value times the days sampled', () => {
    const sample = fc.record({ day: fc.integer({ min: -5, max: 40 }), value: fc.double({ min: 0, max: 1e6, noNaN: true }) });
    const distinctDays = fc.uniqueArray(sample, { selector: (s) => s.day, maxLength: 20 });
    fc.assert(
      fc.property(distinctDays, (samples) => {
        const result = carTKinetics(samples);
        const used = samples.filter(({ day }) => day >= 0 && day <= 28);
        expect(result.samples).toBe(used.length);
        if (used.length === 0) return;
        const days = used.map(({ day }) => day);
        const span = Math.max(...days) - Math.min(...days);
        const values = used.map(({ value }) => value);
        expect(result.cmax).toBe(Math.max(...values));
        expect(result.auc).toBeGreaterThanOrEqual(Math.min(...values) * span * (1 - 1e-12));
        expect(result.auc).toBeLessThanOrEqual(Math.max(...values) * span * (1 + 1e-12));
      }),
    );
  });
});
