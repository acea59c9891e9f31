import { addWeeks, dayAfterWeekStart, isoWeekOf, type IsoWeek, weeksFrom } from './iso-week';

/**
 * The rules of manufacturing slots (README, "Manufacturing capacity"; ADR 0019), as pure functions
 * over what the database holds: a site's capacity, the slots taken per week, the queue.
 */

/** What a manufacturing site offers: slots per ISO week, the days from a slot's Monday to release, how many weeks ahead it books. */
export interface Capacity {
  slotsPerWeek: number;
  releaseDays: number;
  horizonWeeks: number;
}

/** Slots taken per week (bookings `booked` or `consumed`); a week not in the map has none taken. */
export type TakenSlots = ReadonlyMap<IsoWeek, number>;

/** A patient waiting for a slot: in the order they joined the queue, then by booking id (a stable order for a tie). */
export interface QueueEntry {
  id: string;
  patientId: string;
  queuedAt: string;
}

/** The weeks a site books now: the current week and the `horizonWeeks − 1` after it. */
export function bookableWeeks(currentWeek: IsoWeek, horizonWeeks: number): IsoWeek[] {
  return weeksFrom(currentWeek, horizonWeeks);
}

/** Free slots in a week (never negative: a site whose slots were cut keeps the bookings it had). */
export function freeSlots(week: IsoWeek, site: Pick<Capacity, 'slotsPerWeek'>, taken: TakenSlots): number {
  return Math.max(0, site.slotsPerWeek - (taken.get(week) ?? 0));
}

/**
 * The week an enrollment books from: the week of the enrollment, or the current week when the
 * enrollment is recorded late (a week already past is never booked).
 */
export function firstWeekFor(enrolledAt: string, now: Date): IsoWeek {
  const enrolled = isoWeekOf(enrolledAt);
  const current = isoWeekOf(now);
  return enrolled > current ? enrolled : current;
}

/**
 * The earliest week from `from` with a free slot within the site's horizon (counted from
 * `currentWeek`), or undefined: the patient waits in the queue.
 */
export function earliestFreeWeek(from: IsoWeek, currentWeek: IsoWeek, site: Capacity, taken: TakenSlots): IsoWeek | undefined {
  return bookableWeeks(currentWeek, site.horizonWeeks).find((week) => week >= from && freeSlots(week, site, taken) > 0);
}

/** Why a coordinator may not choose this week (empty when it is bookable, full or not): a past week, or one beyond the horizon. */
export function chosenWeekRefusals(week: IsoWeek, currentWeek: IsoWeek, horizonWeeks: number): string[] {
  if (week < currentWeek) return [`week ${week} is in the past: the current week is ${currentWeek}`];
  const last = addWeeks(currentWeek, horizonWeeks - 1);
  if (week > last) return [`week ${week} is beyond the booking horizon of ${horizonWeeks} weeks: the last bookable week is ${last}`];
  return [];
}

/** The queue in the order it is served. */
export function queueOrder<T extends QueueEntry>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => a.queuedAt.localeCompare(b.queuedAt) || a.id.localeCompare(b.id));
}

/** A patient's place in the queue, 1 for the head; undefined when they are not in it. */
export function queuePosition(entries: readonly QueueEntry[], patientId: string): number | undefined {
  const index = queueOrder(entries).findIndex((entry) => entry.patientId === patientId);
  return index < 0 ? undefined : index + 1;
}

/**
 * Who leaves the queue for which week when slots are free (after a cancellation, a release, a
 * rebooking, more capacity, or a new week within the horizon): the head first, each into the
 * earliest free week, until the queue or the free slots run out. A freed slot thus goes to the head
 * of the queue, never to someone behind it.
 */
export function promotions<T extends QueueEntry>(queue: readonly T[], currentWeek: IsoWeek, site: Capacity, taken: TakenSlots): Array<{ entry: T; week: IsoWeek }> {
  const counts = new Map(taken);
  const moved: Array<{ entry: T; week: IsoWeek }> = [];
  for (const entry of queueOrder(queue)) {
    const week = earliestFreeWeek(currentWeek, currentWeek, site, counts);
    if (!week) break;
    counts.set(week, (counts.get(week) ?? 0) + 1);
    moved.push({ entry, week });
  }
  return moved;
}

/** The day the product is expected to be released: the slot's Monday plus the site's days to release. */
export function expectedRelease(week: IsoWeek, releaseDays: number): string {
  return dayAfterWeekStart(week, releaseDays);
}
