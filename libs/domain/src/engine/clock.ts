/** The engine's only source of "now" (recordedAt, the default occurredAt); tests replace it. */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}
