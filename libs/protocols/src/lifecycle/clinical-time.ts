export const DAY_MS = 24 * 60 * 60 * 1000;

/** `at` plus a number of days (may be fractional or negative), as ISO 8601 UTC. */
export function addDays(at: string, days: number): string {
  return new Date(Date.parse(at) + days * DAY_MS).toISOString();
}

/** Milliseconds from `from` to `to`, never negative: a moment already past is due at once. */
export function msUntil(from: string, to: string): number {
  return Math.max(0, Date.parse(to) - Date.parse(from));
}

/**
 * The study day of `at`: whole UTC calendar days from the calendar day of `day0` (the infusion),
 * which is Day 0. A sample drawn on the 28th day after the infusion is Day 28 whatever the hour of
 * either, and one drawn the day before the infusion is Day −1.
 */
export function studyDay(at: string, day0: string): number {
  const calendarDay = (instant: string) => Math.floor(Date.parse(instant) / DAY_MS);
  return calendarDay(at) - calendarDay(day0);
}

/**
 * A clinical date or date-time as an instant. A date without a time ("2026-03-01") stands for that
 * whole day: its start, except on the day of `anchor` (the infusion), where it is taken as the anchor
 * itself, so a Day-0 event dated only by day is not "before the infusion".
 */
export function clinicalInstant(at: string, anchor?: string): string {
  if (at.length !== 10) return new Date(at).toISOString();
  const startOfDay = `${at}T00:00:00.000Z`;
  return anchor && anchor.slice(0, 10) === at && anchor > startOfDay ? anchor : startOfDay;
}
