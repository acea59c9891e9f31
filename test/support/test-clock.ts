import { Clock } from '#domain';

/** The engine's clock under a test's hand: real time shifted by however far the test has moved it. */
export class TestClock extends Clock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advanceDays(days: number): void {
    this.offsetMs += days * 24 * 3600 * 1000;
  }

  advanceMs(ms: number): void {
    this.offsetMs += ms;
  }
}
