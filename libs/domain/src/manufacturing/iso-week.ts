/**
 * ISO 8601 week dates (ISO 8601-1:2019, §5.2.4.2): weeks start on Monday, week 1 of a year is the
 * week holding that year's first Thursday (so 4 January is always in week 1), and a year has 52 or
 * 53 weeks. Written `YYYY-Www` (`2026-W53`), which sorts as text in time order. Counted in UTC:
 * the engine keeps every instant in UTC and a manufacturing site's own time zone is not modelled.
 */

const DAY_MS = 86_400_000;
const WEEK_PATTERN = /^(\d{4})-W(\d{2})$/;

/** An ISO week, `YYYY-Www`. */
export type IsoWeek = string;

/** Midnight UTC of the Monday of the ISO week that holds `day`. */
function mondayOf(day: Date): number {
  const midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  const weekday = (day.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return midnight - weekday * DAY_MS;
}

/** Midnight UTC of the Monday of week 1 of an ISO year: the Monday of the week holding 4 January. */
function firstMonday(isoYear: number): number {
  const fourth = new Date(Date.UTC(isoYear, 0, 4));
  fourth.setUTCFullYear(isoYear); // years 0–99 (Date.UTC maps them to 1900–1999)
  return mondayOf(fourth);
}

/** The ISO week that holds an instant (UTC). */
export function isoWeekOf(at: Date | string): IsoWeek {
  const day = typeof at === 'string' ? new Date(at) : at;
  const monday = mondayOf(day);
  // The ISO year is the calendar year of the week's Thursday.
  const isoYear = new Date(monday + 3 * DAY_MS).getUTCFullYear();
  const week = Math.floor((monday - firstMonday(isoYear)) / (7 * DAY_MS)) + 1;
  return `${String(isoYear).padStart(4, '0')}-W${String(week).padStart(2, '0')}`;
}

/** Midnight UTC of the Monday a week starts on. */
export function weekStart(week: IsoWeek): Date {
  const match = WEEK_PATTERN.exec(week);
  if (!match) throw new Error(`not an ISO week: ${week}`);
  return new Date(firstMonday(Number(match[1])) + (Number(match[2]) - 1) * 7 * DAY_MS);
}

/** The week `n` weeks after `week` (before it, for a negative `n`). */
export function addWeeks(week: IsoWeek, n: number): IsoWeek {
  return isoWeekOf(new Date(weekStart(week).getTime() + n * 7 * DAY_MS));
}

/** `count` consecutive weeks from `from`, `from` first. */
export function weeksFrom(from: IsoWeek, count: number): IsoWeek[] {
  return Array.from({ length: Math.max(0, count) }, (_, i) => addWeeks(from, i));
}

/**
 * Why a text is not an ISO week the engine books (empty when it is one): the form `YYYY-Www`, a week
 * 01–53, a week 53 only in a year that has one, and a year from 2000 to 2999.
 */
export function isoWeekProblems(text: string, field = 'week'): string[] {
  const match = WEEK_PATTERN.exec(text);
  if (!match) return [`${field} must be an ISO 8601 week written YYYY-Www (e.g. 2027-W05), not "${text}"`];
  const [year, week] = [Number(match[1]), Number(match[2])];
  if (year < 2000 || year > 2999) return [`${field} ${text} is not a year the service books (2000 to 2999)`];
  if (week < 1 || week > 53) return [`${field} ${text} has no week ${match[2]}: ISO weeks run from W01 to W52 or W53`];
  if (isoWeekOf(weekStart(text)) !== text) return [`${field} ${text} does not exist: ${year} has 52 ISO weeks`];
  return [];
}

/** The calendar day (`YYYY-MM-DD`) `days` days after a week's Monday. */
export function dayAfterWeekStart(week: IsoWeek, days: number): string {
  return new Date(weekStart(week).getTime() + days * DAY_MS).toISOString().slice(0, 10);
}
