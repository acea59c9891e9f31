import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { endsStudy } from '#protocols';
import { AccessLog, type Caller } from '../audit/access-log';
import type { BookingStatus, ManufacturingBookingEntity, ManufacturingSiteEntity } from '../persistence/entities';
import { bookableWeeks, type Capacity, earliestFreeWeek, expectedRelease, firstWeekFor, promotions, queuePosition } from './booking-rules';
import { isoWeekOf, type IsoWeek, weekStart } from './iso-week';
import { ManufacturingRepository } from './manufacturing-repository';

/** A patient's slot as the API shows it (`manufacturingSlot` of a patient, the worklist's manufacturing list). */
export interface ManufacturingSlot {
  manufacturingSiteId: string;
  manufacturingSiteName: string;
  status: Exclude<BookingStatus, 'cancelled'>;
  /** `YYYY-Www`; null while queued. */
  week: string | null;
  /** The Monday of the week, `YYYY-MM-DD`. */
  weekStart: string | null;
  expectedRelease: string | null;
  /** 1 for the head of the queue; null when booked. */
  queuePosition: number | null;
}

/**
 * The patient events that take or free a slot, applied in the event's own transaction (on the
 * locked path, never lock-free): ENROLLED books one, MANUFACTURING_STARTED consumes it,
 * REMANUFACTURE_ORDERED books another for the product made again, and an event that ends the study
 * frees the pending one.
 */
export function touchesSlots(type: string): boolean {
  return type === 'ENROLLED' || type === CONSUMES_SLOT || type === BOOKS_AGAIN || endsStudy(type);
}

/** Manufacturing has begun in the slot: it is in use, no longer moved, and not freed when the patient leaves. */
const CONSUMES_SLOT = 'MANUFACTURING_STARTED';

/** The product is to be made again (from retained cells or a new apheresis): it needs a slot of its own. */
const BOOKS_AGAIN = 'REMANUFACTURE_ORDERED';

/** What the engine tells the ledger of one event it is writing. */
export interface SlotEvent {
  patientId: string;
  protocolId: string;
  type: string;
  occurredAt: string;
  /** The event ends the patient's participation (the state became off study). */
  leftStudy: boolean;
}

/**
 * Takes and frees manufacturing slots inside a caller's transaction (README, "Manufacturing
 * capacity"; ADR 0019). Every change of a site's slots locks the site's row first (after the patient
 * row and the trial row the engine holds), so two enrollments never both take a week's last slot; and
 * every freed slot goes to the head of that site's queue in the same transaction. Each change is in
 * the access audit, so a monitor sees who moved which slot.
 */
@Injectable()
export class SlotLedger {
  constructor(
    private readonly repository: ManufacturingRepository,
    private readonly access: AccessLog,
  ) {}

  /**
   * The slot side of a patient event, in its transaction: the patient's slot after it (null: no slot),
   * or undefined when the event does not concern slots.
   */
  async afterEvent(manager: EntityManager, event: SlotEvent, caller: Caller, now: Date): Promise<ManufacturingSlot | null | undefined> {
    if (event.type === 'ENROLLED') return this.book(manager, event, caller, now, 'enrollment');
    if (event.type === BOOKS_AGAIN) return this.book(manager, event, caller, now, 'remanufacture');
    if (event.type === CONSUMES_SLOT) return this.consume(manager, event, now);
    if (event.leftStudy) return this.releaseOnLeaving(manager, event, caller, now);
    return undefined;
  }

  /**
   * ENROLLED (and REMANUFACTURE_ORDERED): the earliest week with a free slot from the event's week
   * within the horizon, at the site serving the trial, else the queue. Patients already queued are
   * served first. No site serving the trial: no slot (enrollment goes on; README, "Manufacturing capacity").
   */
  private async book(manager: EntityManager, event: SlotEvent, caller: Caller, now: Date, at: 'enrollment' | 'remanufacture'): Promise<ManufacturingSlot | null> {
    const siteId = await this.repository.siteServing(manager, event.protocolId);
    if (!siteId) return this.currentSlot(manager, event.patientId);
    const site = await this.repository.lockSite(manager, siteId);
    if (!site) return null;
    // A patient never holds two pending slots (the partial unique index says so too).
    const pending = await this.repository.pendingBookingOf(manager, event.patientId);
    if (pending) return this.viewOf(manager, site, pending);
    await this.fillFromQueue(manager, site, caller, now);
    const current = isoWeekOf(now);
    const weeks = bookableWeeks(current, site.horizonWeeks);
    const taken = await this.repository.takenSlots(manager, site.id, weeks);
    const week = earliestFreeWeek(firstWeekFor(event.occurredAt, now), current, site, taken);
    const stamp = now.toISOString();
    const booking: ManufacturingBookingEntity = {
      id: randomUUID(),
      patientId: event.patientId,
      manufacturingSiteId: site.id,
      week: week ?? null,
      status: week ? 'booked' : 'queued',
      queuedAt: week ? null : stamp,
      cancelReason: null,
      createdAt: stamp,
      updatedAt: stamp,
    };
    await this.repository.insertBooking(manager, booking);
    const slot = await this.viewOf(manager, site, booking);
    await this.audit(manager, caller, 'manufacturing.slot-book', booking, { week: slot.week, queuePosition: slot.queuePosition, at });
    return slot;
  }

  /**
   * Manufacturing started: the pending slot is in use from now on. A patient still queued was made
   * room for: the slot is counted in the week manufacturing started.
   */
  private async consume(manager: EntityManager, event: SlotEvent, now: Date): Promise<ManufacturingSlot | null> {
    const booking = await this.repository.pendingBookingOf(manager, event.patientId);
    if (!booking) return this.currentSlot(manager, event.patientId);
    const site = await this.repository.lockSite(manager, booking.manufacturingSiteId);
    if (!site) return null;
    const consumed = { ...booking, status: 'consumed' as const, week: booking.week ?? isoWeekOf(event.occurredAt), updatedAt: now.toISOString() };
    await this.repository.updateBooking(manager, booking.id, { status: consumed.status, week: consumed.week, updatedAt: consumed.updatedAt });
    return this.viewOf(manager, site, consumed);
  }

  /** Leaving the study before manufacturing began frees the slot (or the place in the queue); a consumed slot stays consumed. */
  private async releaseOnLeaving(manager: EntityManager, event: SlotEvent, caller: Caller, now: Date): Promise<ManufacturingSlot | null> {
    const booking = await this.repository.pendingBookingOf(manager, event.patientId);
    if (!booking) return this.currentSlot(manager, event.patientId);
    const site = await this.repository.lockSite(manager, booking.manufacturingSiteId);
    if (!site) return null;
    await this.cancel(manager, booking, `freed: the patient left the study (${event.type})`, now);
    await this.audit(manager, caller, 'manufacturing.slot-release', booking, { week: booking.week, status: booking.status, event: event.type });
    await this.fillFromQueue(manager, site, caller, now);
    return this.currentSlot(manager, event.patientId);
  }

  /** The patient's slot as it stands (pending, else the latest consumed), or null. */
  async currentSlot(manager: EntityManager, patientId: string): Promise<ManufacturingSlot | null> {
    const booking = await this.repository.currentBookingOf(manager, patientId);
    if (!booking) return null;
    const site = await this.repository.site(manager, booking.manufacturingSiteId);
    return site ? this.viewOf(manager, site, booking) : null;
  }

  /** Marks a booking cancelled. The caller holds the site's lock and fills the queue after. */
  async cancel(manager: EntityManager, booking: ManufacturingBookingEntity, reason: string, now: Date): Promise<void> {
    await this.repository.updateBooking(manager, booking.id, { status: 'cancelled', cancelReason: reason, updatedAt: now.toISOString() });
  }

  /**
   * Books the head of the site's queue into each free slot within the horizon, in queue order, each
   * promotion in the access audit under the caller who freed the slot. The caller holds the site's lock.
   */
  async fillFromQueue(manager: EntityManager, site: ManufacturingSiteEntity, caller: Caller, now: Date): Promise<number> {
    const queue = await this.repository.queue(manager, site.id);
    if (!queue.length) return 0;
    const current = isoWeekOf(now);
    const taken = await this.repository.takenSlots(manager, site.id, bookableWeeks(current, site.horizonWeeks));
    const moved = promotions(
      queue.map((b) => ({ ...b, queuedAt: b.queuedAt ?? b.createdAt })),
      current,
      site,
      taken,
    );
    for (const { entry, week } of moved) {
      await this.repository.updateBooking(manager, entry.id, { status: 'booked', week, updatedAt: now.toISOString() });
      await this.audit(manager, caller, 'manufacturing.slot-promote', entry, { week, from: 'queue' });
    }
    return moved.length;
  }

  /** The slot as the API shows it; a queued one with its place in the queue. */
  async viewOf(manager: EntityManager, site: ManufacturingSiteEntity, booking: ManufacturingBookingEntity): Promise<ManufacturingSlot> {
    return slotView(site, booking, booking.status === 'queued' ? await this.positionOf(manager, booking) : null);
  }

  private async positionOf(manager: EntityManager, booking: ManufacturingBookingEntity): Promise<number | null> {
    const queue = await this.repository.queue(manager, booking.manufacturingSiteId);
    return queuePosition(queueEntries(queue), booking.patientId) ?? null;
  }

  audit(manager: EntityManager, caller: Caller, action: SlotAction, booking: ManufacturingBookingEntity, details: Record<string, unknown>) {
    return this.access.record(caller, action, [{ patientId: booking.patientId, subject: booking.manufacturingSiteId, details }], manager);
  }
}

export type SlotAction = 'manufacturing.slot-book' | 'manufacturing.slot-rebook' | 'manufacturing.slot-cancel' | 'manufacturing.slot-release' | 'manufacturing.slot-promote';

/** Queue rows as the rules order them: a row without `queued_at` (none is written so) by its creation. */
export function queueEntries(queue: readonly ManufacturingBookingEntity[]) {
  return queue.map((b) => ({ id: b.id, patientId: b.patientId, queuedAt: b.queuedAt ?? b.createdAt }));
}

/** A live booking as the API shows it. */
export function slotView(
  site: Pick<ManufacturingSiteEntity, 'id' | 'name' | 'releaseDays'>,
  booking: Pick<ManufacturingBookingEntity, 'status' | 'week'>,
  position: number | null,
): ManufacturingSlot {
  const week = booking.status === 'queued' ? null : booking.week;
  return {
    manufacturingSiteId: site.id,
    manufacturingSiteName: site.name,
    status: booking.status as ManufacturingSlot['status'],
    week,
    weekStart: week ? weekStart(week).toISOString().slice(0, 10) : null,
    expectedRelease: week ? expectedRelease(week, site.releaseDays) : null,
    queuePosition: week ? null : position,
  };
}

/** The capacity fields of a site row. */
export const capacityOf = (site: ManufacturingSiteEntity): Capacity => ({ slotsPerWeek: site.slotsPerWeek, releaseDays: site.releaseDays, horizonWeeks: site.horizonWeeks });

export type { IsoWeek };
