import fc from 'fast-check';
import { kaplanMeier, type SurvivalObservation } from './kaplan-meier';

/**
 * Freireich et al. (1963), as Gehan (1965) gives it: weeks in remission on 6-MP, 21 patients,
 * * censored (written here as negative). Kleinbaum & Klein, Collett, and MASS (`gehan`) all use it.
 */
const sixMp: SurvivalObservation[] = [6, 6, 6, -6, 7, -9, 10, -10, -11, 13, 16, -17, -19, -20, 22, 23, -25, -32, -32, -34, -35].map((weeks) => ({
  time: Math.abs(weeks),
  event: weeks > 0,
}));

describe('Kaplan–Meier', () => {
  /*
   * R: summary(survfit(Surv(time, cens) ~ 1, data = subset(MASS::gehan, treat == '6-MP'), conf.type = 'log-log'))
   *  time n.risk n.event survival std.err lower 95% CI upper 95% CI
   *     6     21       3    0.857  0.0764        0.620        0.952
   *     7     17       1    0.807  0.0869        0.563        0.923
   *    10     15       1    0.753  0.0963        0.503        0.889
   *    13     12       1    0.690  0.1068        0.432        0.849
   *    16     11       1    0.627  0.1141        0.368        0.805
   *    22      7       1    0.538  0.1282        0.268        0.747
   *    23      6       1    0.448  0.1346        0.188        0.680
   *
   * By hand at week 6: S = 18/21 = 0.8571; Greenwood Σ d/(n(n−d)) = 3/(21·18) = 0.007937, so
   * se(log S) = 0.08909 and se(S) = 0.8571 · 0.08909 = 0.0764. Log-log: A = 1.96 · 0.08909 / |ln 0.8571|
   * = 0.17462 / 0.15415 = 1.1328; lower = 0.8571^exp(1.1328) = 0.8571^3.104 = 0.620,
   * upper = 0.8571^exp(−1.1328) = 0.8571^0.3222 = 0.952.
   * At week 7: S = 0.8571 · 16/17 = 0.8067; Σ = 0.007937 + 1/(17·16) = 0.011613, se(S) = 0.8067 · 0.10777 = 0.0869.
   */
  const printed: Array<[number, number, number, number, number, number, number]> = [
    [6, 21, 3, 0.857, 0.0764, 0.62, 0.952],
    [7, 17, 1, 0.807, 0.0869, 0.563, 0.923],
    [10, 15, 1, 0.753, 0.0963, 0.503, 0.889],
    [13, 12, 1, 0.69, 0.1068, 0.432, 0.849],
    [16, 11, 1, 0.627, 0.1141, 0.368, 0.805],
    [22, 7, 1, 0.538, 0.1282, 0.268, 0.747],
    [23, 6, 1, 0.448, 0.1346, 0.188, 0.68],
  ];

  it.each(printed)('6-MP arm at week %p: %p at risk, %p relapsed', (time, atRisk, events, survival, standardError, lower, upper) => {
    const point = kaplanMeier(sixMp).points.find((candidate) => candidate.time === time)!;
    expect(point).toMatchObject({ atRisk, events });
    expect(point.survival).toBeCloseTo(survival, 3);
    expect(point.standardError).toBeCloseTo(standardError, 4);
    expect(point.lower).toBeCloseTo(lower, 3);
    expect(point.upper).toBeCloseTo(upper, 3);
  });

  it('6-MP arm: median 23 weeks, 95% CI from 13 weeks, upper limit not reached', () => {
    // the lower curve first reaches ≤ 0.5 at week 13 (0.432; 0.503 at week 10); the upper one never does (0.680 last)
    const estimate = kaplanMeier(sixMp);
    expect(estimate).toMatchObject({ median: 23, medianCi: { lower: 13, upper: null }, n: 21, events: 9 });
  });

  it('keeps censoring-only times as steps, with the censored counted at risk at their own time', () => {
    const { points } = kaplanMeier(sixMp);
    expect(points.map(({ time, atRisk, events, censored }) => [time, atRisk, events, censored])).toEqual([
      [6, 21, 3, 1],
      [7, 17, 1, 0],
      [9, 16, 0, 1],
      [10, 15, 1, 1],
      [11, 13, 0, 1],
      [13, 12, 1, 0],
      [16, 11, 1, 0],
      [17, 10, 0, 1],
      [19, 9, 0, 1],
      [20, 8, 0, 1],
      [22, 7, 1, 0],
      [23, 6, 1, 0],
      [25, 5, 0, 1],
      [32, 4, 0, 2],
      [34, 2, 0, 1],
      [35, 1, 0, 1],
    ]);
    expect(points[2]!.survival).toBe(points[1]!.survival);
  });

  it('has S = 1 with a degenerate interval before the first event', () => {
    const { points } = kaplanMeier([
      { time: 2, event: false },
      { time: 5, event: true },
      { time: 8, event: false },
    ]);
    expect(points[0]).toEqual({ time: 2, atRisk: 3, events: 0, censored: 1, survival: 1, standardError: 0, lower: 1, upper: 1 });
    // S(5) = 1 − 1/2 = 0.5: the median is the first time S ≤ 0.5
    expect(points[1]!.survival).toBe(0.5);
  });

  it('reaches 0 when the last patient at risk has the event, where the Greenwood error is undefined', () => {
    // S = 2/3, 1/3, 0
    const estimate = kaplanMeier([1, 2, 3].map((time) => ({ time, event: true })));
    [2 / 3, 1 / 3, 0].forEach((survival, index) => expect(estimate.points[index]!.survival).toBeCloseTo(survival, 12));
    expect(estimate.points[2]).toMatchObject({ standardError: null, lower: null, upper: null });
    expect(estimate.median).toBe(2);
    // the lower curve reaches 0.5 at time 1 (0.667^exp(1.96 · 0.4082 / 0.4055) = 0.054); the upper one is
    // 0.774 at time 2 (1/3^exp(−1.96 · 0.8165 / 1.0986)) and undefined once S = 0
    expect(estimate.medianCi).toEqual({ lower: 1, upper: null });
    // Greenwood at time 1: se(S) = 0.6667 · √(1/(3·2)) = 0.2722
    expect(estimate.points[0]!.standardError).toBeCloseTo(0.2722, 4);
  });

  it('takes the first time S ≤ 0.5 as the median, even when the curve sits at 0.5', () => {
    // R's survfit would report 3.5 (midway to the next event) here
    const estimate = kaplanMeier([
      { time: 1, event: true },
      { time: 3, event: true },
      { time: 4, event: false },
      { time: 4, event: false },
    ]);
    expect(estimate.points[1]!.survival).toBe(0.5);
    expect(estimate.median).toBe(3);
  });

  it('takes a curve at 0.5 up to floating-point error as at 0.5', () => {
    // 22 at risk, 7 events at time 1; 15 at risk, 4 events at time 2: S(2) = 15/22 · 11/15 = 1/2 exactly,
    // but (1 − 7/22) · (1 − 4/15) is 0.5000000000000001 in floating point. The other 11 are censored at 5.
    const observations: SurvivalObservation[] = [
      ...Array.from({ length: 7 }, () => ({ time: 1, event: true })),
      ...Array.from({ length: 4 }, () => ({ time: 2, event: true })),
      ...Array.from({ length: 11 }, () => ({ time: 5, event: false })),
    ];
    const estimate = kaplanMeier(observations);
    expect(estimate.points[1]).toMatchObject({ time: 2, atRisk: 15, events: 4 });
    expect(estimate.points[1]!.survival).toBeGreaterThan(0.5);
    expect(estimate.points[1]!.survival).toBeCloseTo(0.5, 12);
    // R's survfit would report 3.5 (midway between 2 and the end of follow-up at 5); see the header
    expect(estimate.median).toBe(2);
  });

  it('has no median while the curve stays above 0.5, nor without patients', () => {
    expect(kaplanMeier([{ time: 3, event: false }])).toEqual({
      points: [{ time: 3, atRisk: 1, events: 0, censored: 1, survival: 1, standardError: 0, lower: 1, upper: 1 }],
      median: null,
      medianCi: { lower: null, upper: null },
      n: 1,
      events: 0,
    });
    expect(kaplanMeier([])).toEqual({ points: [], median: null, medianCi: { lower: null, upper: null }, n: 0, events: 0 });
  });

  it('widens the interval with the confidence level', () => {
    const at = (confidence: 0.9 | 0.95 | 0.99) => kaplanMeier(sixMp, { confidence }).points[0]!;
    expect(at(0.9).lower!).toBeGreaterThan(at(0.95).lower!);
    expect(at(0.95).lower!).toBeGreaterThan(at(0.99).lower!);
    expect(at(0.9).upper!).toBeLessThan(at(0.95).upper!);
    expect(at(0.95).upper!).toBeLessThan(at(0.99).upper!);
  });

  it('refuses negative or missing times and an unsupported confidence level', () => {
    expect(() => kaplanMeier([{ time: -1, event: true }])).toThrow(/non-negative/);
    expect(() => kaplanMeier([{ time: Number.NaN, event: true }])).toThrow(RangeError);
    expect(() => kaplanMeier([{ time: 3, event: 'yes' as never }])).toThrow(new RangeError('an observation must say whether the event happened, got yes'));
    expect(() => kaplanMeier(sixMp, { confidence: 0.8 as 0.9 })).toThrow(/0.9, 0.95 or 0.99/);
  });

  it('is a non-increasing curve inside its interval, whatever the order of the patients', () => {
    const observation = fc.record({ time: fc.integer({ min: 0, max: 60 }), event: fc.boolean() });
    fc.assert(
      fc.property(fc.array(observation, { maxLength: 40 }), (observations) => {
        const estimate = kaplanMeier(observations);
        estimate.points.forEach((point, index) => {
          if (index > 0) expect(point.survival).toBeLessThanOrEqual(estimate.points[index - 1]!.survival);
          if (point.lower !== null && point.upper !== null) {
            expect(point.lower).toBeGreaterThanOrEqual(0);
            expect(point.lower).toBeLessThanOrEqual(point.survival + 1e-12);
            expect(point.upper).toBeGreaterThanOrEqual(point.survival - 1e-12);
            expect(point.upper).toBeLessThanOrEqual(1);
          }
        });
        expect(kaplanMeier([...observations].reverse())).toEqual(estimate);
      }),
    );
  });
});

describe('Kaplan-Meier median confidence interval, both ends', () => {
  it('10 patients with an event on days 1 to 10: median 5, 95% CI from day 1 to day 8', () => {
    // Greenwood: Var log S(8) = Σ 1/(n(n−1)) for n = 10 … 3 = 1/2 − 1/10 = 0.4; log-log upper bound
    // 0.2^exp(−1.96·√0.4 / |log 0.2|) = 0.475 ≤ 0.5, while at day 7 it is 0.3^exp(−1.96·√(1/3 − 1/10) / |log 0.3|) = 0.578.
    const estimate = kaplanMeier(Array.from({ length: 10 }, (_, index) => ({ time: index + 1, event: true })));
    expect(estimate.median).toBe(5);
    expect(estimate.medianCi).toEqual({ lower: 1, upper: 8 });
    expect(estimate.points[7]!.upper).toBeCloseTo(0.4747, 4);
    expect(estimate.points[6]!.upper).toBeCloseTo(0.5779, 4);
  });
});
