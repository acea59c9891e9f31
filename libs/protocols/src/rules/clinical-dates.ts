import { z } from 'zod';

/**
 * Dates a clinical record can hold. Nothing in a CAR-T trial happened before 1900 (no patient alive
 * today, nor their birth, is older), and nothing is recorded as having happened more than a few
 * minutes after the server's clock: the tolerance allows for a client clock slightly ahead, not for
 * a date that has not come yet. The 1900 floor is a fixed range (400 from the schema); the future is
 * read against the server clock by the engine, which passes `now` in (422, as for `occurredAt`).
 */
export const EARLIEST_CLINICAL_DATE = '1900-01-01';
export const FUTURE_TOLERANCE_MINUTES = 5;
const FUTURE_TOLERANCE_MS = FUTURE_TOLERANCE_MINUTES * 60_000;

const notBefore1900 = `must not be before ${EARLIEST_CLINICAL_DATE}`;
/** The UTC calendar day of an instant or of a date; undefined when it is neither. */
const utcDay = (at: string): string | undefined => {
  if (at.length === 10) return at;
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
};
/** An unparseable value passes: the format check beside it says what is wrong with it, once. */
const onOrAfter1900 = (at: string) => (utcDay(at) ?? EARLIEST_CLINICAL_DATE) >= EARLIEST_CLINICAL_DATE;

/** A calendar date (`1991-07-14`), 1900 or later. */
export const clinicalDate = z.iso.date().refine(onOrAfter1900, notBefore1900);
/** A date-time with an offset or `Z`, 1900 or later. */
export const clinicalDateTime = z.iso.datetime({ offset: true }).refine(onOrAfter1900, notBefore1900);
/** A date alone stands for that whole day. */
export const clinicalDateOrDateTime = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).refine(onOrAfter1900, notBefore1900);

/**
 * The oldest a person has lived: Jeanne Calment, 122 years and 164 days (Guinness World Records).
 * A patient registered today was born less than 123 years ago.
 */
export const OLDEST_AGE_YEARS = 122;

/** Why a birth date cannot be a living patient's on `now` (one sentence each): not yet come, or too long ago. */
export function birthDateRefusals(birthDate: string, now: string): string[] {
  if (isInFuture(birthDate, now)) return [`birthDate ${birthDate} is in the future`];
  const today = now.slice(0, 10);
  const earliest = `${String(Number(today.slice(0, 4)) - OLDEST_AGE_YEARS - 1).padStart(4, '0')}${today.slice(4)}`;
  return birthDate <= earliest ? [`birthDate ${birthDate} would make the patient older than ${OLDEST_AGE_YEARS} years, the oldest anyone has lived`] : [];
}

/** The dates an event's `data` carries besides its `occurredAt`, by event type. */
const DATED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  ADVERSE_EVENT_REPORTED: ['onset', 'improvedToGrade1At', 'resolvedAt'],
  DLT_ADJUDICATED: ['onset'],
  LAB_RESULT_RECORDED: ['collectedAt'],
};

/** Each date an event carries, named as the caller sent it: `occurredAt`, `data.onset` … */
export function eventDates(event: { type: string; occurredAt: string; data: Record<string, unknown> }): Array<{ field: string; at: string }> {
  const fromData = (DATED_FIELDS[event.type] ?? [])
    .map((key) => ({ field: `data.${key}`, at: event.data[key] }))
    .filter((d): d is { field: string; at: string } => typeof d.at === 'string');
  return [{ field: 'occurredAt', at: event.occurredAt }, ...fromData];
}

/**
 * Whether a date lies more than the tolerance after `now`. A date without a time stands for its
 * whole day, so it is in the future only from the next UTC day on (with the same tolerance).
 */
export function isInFuture(at: string, now: string): boolean {
  const latest = Date.parse(now) + FUTURE_TOLERANCE_MS;
  if (at.length === 10) return at > new Date(latest).toISOString().slice(0, 10);
  return Date.parse(at) > latest;
}

/** One sentence per date of the event's data that has not come yet (the engine refuses `occurredAt` itself). */
export function futureDateRefusals(event: { type: string; occurredAt: string; data: Record<string, unknown> }, now: string): string[] {
  return eventDates(event)
    .filter((d) => d.field !== 'occurredAt' && isInFuture(d.at, now))
    .map((d) => `${d.field} ${d.at} is more than ${FUTURE_TOLERANCE_MINUTES} minutes in the future`);
}

/**
 * One sentence per date of the event (its `occurredAt` and its data's dates) before the patient was
 * born. Compared by UTC calendar day: something on the day of birth is not before it.
 */
export function beforeBirthRefusals(event: { type: string; occurredAt: string; data: Record<string, unknown> }, birthDate: string): string[] {
  return eventDates(event)
    .filter((d) => (utcDay(d.at) ?? birthDate) < birthDate)
    .map((d) => `${d.field} ${d.at} is before the patient's birth date ${birthDate}`);
}
