import { DAY_MS, realWaitMs, scaleFor, SimClock, simulatedAt } from './clock';

const ORIGIN = Date.parse('2026-03-02T09:00:00Z');

describe('the scaled clock', () => {
  it('runs `scale` times as fast from the origin, as the engine reads it (origin + (now − origin) × scale)', () => {
    expect(simulatedAt(ORIGIN, 86_400, ORIGIN)).toBe(ORIGIN);
    expect(simulatedAt(ORIGIN, 86_400, ORIGIN + 1000)).toBe(ORIGIN + DAY_MS);
    expect(simulatedAt(ORIGIN, 1, ORIGIN + 5000)).toBe(ORIGIN + 5000);
  });

  it('waits the simulated distance divided by the scale, and not at all for a past instant', () => {
    expect(realWaitMs(ORIGIN, 86_400, ORIGIN, ORIGIN + 10 * DAY_MS)).toBe(10_000);
    expect(realWaitMs(ORIGIN, 86_400, ORIGIN + 2000, ORIGIN + 10 * DAY_MS)).toBe(8000);
    expect(realWaitMs(ORIGIN, 86_400, ORIGIN + 2000, ORIGIN)).toBe(0);
  });

  it('makes a scale from study days per second', () => {
    expect(scaleFor(1)).toBe(86_400);
    expect(scaleFor(14.5)).toBe(1_252_800);
  });

  it('counts whole study days since the origin', () => {
    let real = ORIGIN;
    const clock = new SimClock(ORIGIN, scaleFor(10), () => real);
    real += 250;
    expect(clock.now()).toBe(ORIGIN + 2.5 * DAY_MS);
    expect(clock.studyDay()).toBe(2);
    expect(clock.nowIso()).toBe('2026-03-04T21:00:00.000Z');
  });
});
