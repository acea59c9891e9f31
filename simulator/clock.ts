import { ScaledClock } from '#domain';
import { DAY_MS } from '#protocols';

/**
 * Simulated time: the engine's own scaled clock (`CLOCK_ORIGIN` and `TIME_SCALE`, ScaledClock in
 * libs/domain/src/engine/clock.ts), from the origin on `scale` simulated milliseconds per real one.
 * The simulator and the engine use the same origin and scale, so they agree on "now".
 */

/** The time scale for a number of simulated days per real second. */
export function scaleFor(daysPerSecond: number): number {
  return (daysPerSecond * DAY_MS) / 1000;
}

export class SimClock {
  private readonly clock: ScaledClock;

  constructor(
    readonly origin: number,
    readonly scale: number,
  ) {
    this.clock = new ScaledClock(origin, scale);
  }

  /** Simulated now, ms since the epoch. */
  now(): number {
    return this.clock.now().getTime();
  }

  /** Real milliseconds until simulated time reaches `target` (0 when it is past). */
  realWaitMs(target: number): number {
    return Math.max(0, (target - this.now()) / this.scale);
  }

  /** Resolves once simulated time reaches `target` (ms since the epoch). */
  until(target: number): Promise<void> {
    const wait = this.realWaitMs(target);
    return wait > 0 ? new Promise((done) => setTimeout(done, Math.ceil(wait))) : Promise.resolve();
  }

  /** Resolves after a number of simulated days. */
  days(days: number): Promise<void> {
    return this.until(this.now() + days * DAY_MS);
  }
}

/** ISO 8601 of an instant (ms since the epoch). */
export const iso = (at: number) => new Date(at).toISOString();
