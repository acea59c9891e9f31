/** The engine's only source of "now" (recordedAt, the default occurredAt); tests replace it. */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/**
 * A clock that runs `scale` times as fast as the wall clock from `origin` on (`CLOCK_ORIGIN` with
 * `TIME_SCALE`): study days pass in seconds, for simulations and demonstrations. Every process given
 * the same origin and scale reads the same time.
 */
export class ScaledClock extends Clock {
  constructor(
    private readonly origin: number,
    private readonly scale: number,
  ) {
    super();
  }

  now(): Date {
    return new Date(this.origin + (Date.now() - this.origin) * this.scale);
  }
}

/** The clock a configuration asks for. */
export function clockFor(config: { clockOrigin?: number; timeScale: number }): Clock {
  return config.clockOrigin === undefined ? new SystemClock() : new ScaledClock(config.clockOrigin, config.timeScale);
}
