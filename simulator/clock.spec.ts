import { DAY_MS } from '#protocols';
import { scaleFor, SimClock } from './clock';

const ORIGIN = Date.parse('2026-03-02T09:00:00Z');

describe('the scaled clock', () => {
  let real = ORIGIN;
  beforeEach(() => {
    real = ORIGIN;
    jest.spyOn(Date, 'now').mockImplementation(() => real);
  });
  afterEach(() => jest.restoreAllMocks());

  it('runs `scale` times as fast from the origin, as the engine reads it (origin + (now − origin) × scale)', () => {
    const clock = new SimClock(ORIGIN, 86_400);
    expect(clock.now()).toBe(ORIGIN);
    real = ORIGIN + 1000;
    expect(clock.now()).toBe(ORIGIN + DAY_MS);
    real = ORIGIN + 250;
    expect(new SimClock(ORIGIN, scaleFor(10)).now()).toBe(ORIGIN + 2.5 * DAY_MS);
    real = ORIGIN + 5000;
    expect(new SimClock(ORIGIN, 1).now()).toBe(ORIGIN + 5000);
  });

  it('waits the simulated distance divided by the scale, and not at all for a past instant', () => {
    const clock = new SimClock(ORIGIN, 86_400);
    expect(clock.realWaitMs(ORIGIN + 10 * DAY_MS)).toBe(10_000);
    real = ORIGIN + 2000;
    expect(clock.realWaitMs(ORIGIN + 10 * DAY_MS)).toBe(8000);
    expect(clock.realWaitMs(ORIGIN)).toBe(0);
  });

  it('makes a scale from study days per second', () => {
    expect(scaleFor(1)).toBe(86_400);
    expect(scaleFor(14.5)).toBe(1_252_800);
  });
});
