/**
 * Simulated time, as the engine's scaled clock reads it (`CLOCK_ORIGIN` and `TIME_SCALE`,
 * libs/domain/src/engine/clock.ts): from the origin on, `scale` simulated milliseconds pass per real
 * millisecond. The simulator and the engine use the same origin and scale, so they agree on "now".
 */

export const DAY_MS = 86_400_000;

/** The simulated instant at a real instant (both ms since the epoch). */
export function simulatedAt(origin: number, scale: number, realNow: number): number {
  return origin + (realNow - origin) * scale;
}

/** Real milliseconds to wait, from a real instant, until the simulated instant `target` (0 when past). */
export function realWaitMs(origin: number, scale: number, realNow: number, target: number): number {
  return Math.max(0, (target - simulatedAt(origin, scale, realNow)) / scale);
}

/** The time scale for a number of simulated days per real second. */
export function scaleFor(daysPerSecond: number): number {
  return (daysPerSecond * DAY_MS) / 1000;
}

export class SimClock {
  constructor(
    readonly origin: number,
    readonly scale: number,
    private readonly realNow: () => number = Date.now,
  ) {}

  /** Simulated now, ms since the epoch. */
  now(): number {
    return simulatedAt(this.origin, this.scale, this.realNow());
  }

  /** Simulated now as ISO 8601. */
  nowIso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Whole simulated days since the origin (study day of the simulation, from 0). */
  studyDay(at = this.now()): number {
    return Math.floor((at - this.origin) / DAY_MS);
  }

  /** Resolves once simulated time reaches `target` (ms since the epoch). */
  until(target: number): Promise<void> {
    const wait = realWaitMs(this.origin, this.scale, this.realNow(), target);
    return wait > 0 ? new Promise((done) => setTimeout(done, Math.ceil(wait))) : Promise.resolve();
  }

  /** Resolves after a number of simulated days. */
  days(days: number): Promise<void> {
    return this.until(this.now() + days * DAY_MS);
  }
}

/** ISO 8601 of an instant (ms since the epoch). */
export const iso = (at: number) => new Date(at).toISOString();
