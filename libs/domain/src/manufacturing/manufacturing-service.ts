import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { findProtocol } from '#protocols';
import { AccessLog, type Caller } from '../audit/access-log';
import { AlreadyExistsError, NotFoundError, RefusedError, SlotFullError } from '../errors';
import { type Actor, canSeeSite } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import * as machine from '../kernel/machine-boundary';
import { protocolOf } from '../kernel/require-protocol';
import { type ManufacturingBookingEntity, type ManufacturingSiteEntity, PatientEntity } from '../persistence/entities';
import { TransactionRunner } from '../persistence/transaction-runner';
import { bookableWeeks, chosenWeekRefusals, expectedRelease, freeSlots, queueOrder } from './booking-rules';
import { addWeeks, isoWeekOf, isoWeekProblems, weekStart, weeksFrom } from './iso-week';
import { ManufacturingRepository } from './manufacturing-repository';
import { type ManufacturingSlot, queueEntries, SlotLedger, slotView } from './slot-ledger';

/** What an admin says of a manufacturing site. */
export interface ManufacturingSiteInput {
  name: string;
  protocolIds: string[];
  slotsPerWeek: number;
  releaseDays: number;
  horizonWeeks: number;
}

/** A patient's slot after a read or a change. */
export interface SlotAnswer {
  patientId: string;
  slot: ManufacturingSlot | null;
  previous?: ManufacturingSlot | null;
  promoted?: number;
}

/**
 * Manufacturing sites and their weekly slots (README, "Manufacturing capacity"; ADR 0019): an admin
 * defines the sites; coordinators and investigators read the capacity and move their own patients'
 * slots. Every change runs in one transaction that locks the patient's row, then the site's, with
 * its access-audit rows; a freed slot goes to the head of that site's queue in that transaction.
 */
@Injectable()
export class ManufacturingService {
  constructor(
    private readonly repository: ManufacturingRepository,
    private readonly ledger: SlotLedger,
    private readonly tx: TransactionRunner,
    private readonly access: AccessLog,
    private readonly clock: Clock,
  ) {}

  async sites() {
    const [sites, trials] = await Promise.all([this.repository.sites(), this.repository.trials()]);
    return sites.map((site) =>
      siteAnswer(
        site,
        trials.filter((t) => t.manufacturingSiteId === site.id).map((t) => t.protocolId),
      ),
    );
  }

  async create(id: string, input: ManufacturingSiteInput, caller: Caller) {
    refuseUnknownTrials(input.protocolIds);
    const at = this.clock.now().toISOString();
    const site: ManufacturingSiteEntity = {
      id,
      name: input.name,
      slotsPerWeek: input.slotsPerWeek,
      releaseDays: input.releaseDays,
      horizonWeeks: input.horizonWeeks,
      createdAt: at,
      updatedAt: at,
    };
    return this.withTrialsTaken(input.protocolIds, async (manager) => {
      if (await this.repository.site(manager, id)) throw new AlreadyExistsError(`Manufacturing site ${id} already exists.`);
      await this.trialsFree(manager, id, input.protocolIds);
      await this.repository.insertSite(manager, site);
      await this.repository.setTrials(manager, id, unique(input.protocolIds));
      await this.access.record(caller, 'manufacturing.site-create', [{ subject: id, details: { ...input } }], manager);
      return siteAnswer(site, unique(input.protocolIds));
    });
  }

  /** Replaces a site's definition; more slots or a longer horizon books the head of its queue at once. */
  async update(id: string, input: ManufacturingSiteInput, caller: Caller) {
    refuseUnknownTrials(input.protocolIds);
    return this.withTrialsTaken(input.protocolIds, async (manager) => {
      const before = await this.repository.lockSite(manager, id);
      if (!before) throw new NotFoundError(`Manufacturing site ${id} does not exist.`);
      await this.trialsFree(manager, id, input.protocolIds);
      const { name, slotsPerWeek, releaseDays, horizonWeeks } = input;
      const site: ManufacturingSiteEntity = { ...before, name, slotsPerWeek, releaseDays, horizonWeeks, updatedAt: this.clock.now().toISOString() };
      await this.repository.updateSite(manager, site);
      await this.repository.setTrials(manager, id, unique(input.protocolIds));
      await this.access.record(caller, 'manufacturing.site-update', [{ subject: id, details: { ...input } }], manager);
      await this.ledger.fillFromQueue(manager, site, caller, this.clock.now());
      return siteAnswer(site, unique(input.protocolIds));
    });
  }

  /**
   * A site's weeks from the current one (its horizon unless `weeks` says otherwise): slots, taken and
   * free, the patients in each, and the queue. Another site's patients are counted, never named.
   */
  async capacity(siteId: string, weeks: number | undefined, actor: Actor) {
    const manager = this.tx.manager;
    const site = await this.repository.site(manager, siteId);
    if (!site) throw new NotFoundError(`Manufacturing site ${siteId} does not exist.`);
    const trials = (await this.repository.trials(manager)).filter((t) => t.manufacturingSiteId === siteId).map((t) => t.protocolId);
    const current = isoWeekOf(this.clock.now());
    const shown = weeksFrom(current, weeks ?? site.horizonWeeks);
    const bookable = new Set(bookableWeeks(current, site.horizonWeeks));
    const [taken, held, queue] = await Promise.all([
      this.repository.takenSlots(manager, siteId, shown),
      this.repository.slotsIn(manager, siteId, shown),
      this.repository.queue(manager, siteId),
    ]);
    const holder = (b: (typeof held)[number]) => {
      const named = canSeeSite(actor, b.patientSiteId);
      return {
        patientId: named ? b.patientId : null,
        subjectId: named ? b.subjectId : null,
        siteId: named ? b.patientSiteId : null,
        status: b.status as 'booked' | 'queued' | 'consumed',
      };
    };
    const byId = new Map(queue.map((b) => [b.id, b]));
    return {
      site: siteAnswer(site, trials),
      currentWeek: current,
      lastBookableWeek: addWeeks(current, site.horizonWeeks - 1),
      weeks: shown.map((week) => ({
        week,
        weekStart: weekStart(week).toISOString().slice(0, 10),
        expectedRelease: expectedRelease(week, site.releaseDays),
        slots: site.slotsPerWeek,
        taken: taken.get(week) ?? 0,
        free: freeSlots(week, site, taken),
        bookable: bookable.has(week),
        patients: held
          .filter((b) => b.week === week)
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
          .map(holder),
      })),
      queue: queueOrder(queueEntries(queue)).map((entry, i) => {
        const b = byId.get(entry.id)!;
        return { ...holder(b), position: i + 1, queuedAt: entry.queuedAt };
      }),
    };
  }

  /** The patient's slot; another site's patient is a 404. */
  async slotOf(patientId: string, actor: Actor): Promise<SlotAnswer> {
    const manager = this.tx.manager;
    await this.visiblePatient(manager, patientId, actor);
    return { patientId, slot: await this.currentSlot(manager, patientId) };
  }

  /** The current slots of these patients (the patient view, the worklist), by patient id: pending, else the latest consumed. */
  async slotsOf(patientIds: readonly string[]): Promise<Map<string, ManufacturingSlot>> {
    const manager = this.tx.manager;
    const bookings = await this.repository.currentBookingsOf(patientIds, manager);
    if (!bookings.length) return new Map();
    const sites = new Map((await this.repository.sites(manager)).map((s) => [s.id, s]));
    const queues = new Map<string, ReturnType<typeof queueEntries>>();
    const slots = new Map<string, ManufacturingSlot>();
    for (const booking of bookings) {
      const site = sites.get(booking.manufacturingSiteId);
      if (!site) continue;
      let position: number | null = null;
      if (booking.status === 'queued') {
        if (!queues.has(site.id)) queues.set(site.id, queueOrder(queueEntries(await this.repository.queue(manager, site.id))));
        position = queues.get(site.id)!.findIndex((e) => e.patientId === booking.patientId) + 1 || null;
      }
      slots.set(booking.patientId, slotView(site, booking, position));
    }
    return slots;
  }

  /**
   * Books the patient into a chosen week: a week that is not one, in the past or beyond the horizon
   * is a 422, a full week a 409, nothing written. The week the patient held is freed for the head of
   * the queue in the same transaction.
   */
  async rebook(patientId: string, week: string, reason: string | undefined, caller: Caller): Promise<SlotAnswer> {
    const problems = isoWeekProblems(week);
    if (problems.length) throw new RefusedError('Slot not booked', problems);
    return this.tx.run(async (manager) => {
      const now = this.clock.now();
      const patient = await this.movablePatient(manager, patientId, caller.actor, 'booked');
      const siteId = await this.repository.siteServing(manager, patient.protocolId);
      if (!siteId) throw new RefusedError('Slot not booked', [`no manufacturing site makes product for ${patient.protocolId}`]);
      const previous = await this.repository.pendingBookingOf(manager, patientId);
      const sites = await this.lockSites(manager, [siteId, previous?.manufacturingSiteId]);
      const site = sites.get(siteId)!;
      const refusals = chosenWeekRefusals(week, isoWeekOf(now), site.horizonWeeks);
      if (refusals.length) throw new RefusedError('Slot not booked', refusals);
      const before = previous ? await this.ledger.viewOf(manager, sites.get(previous.manufacturingSiteId)!, previous) : null;
      if (previous?.status === 'booked' && previous.week === week && previous.manufacturingSiteId === siteId) return { patientId, slot: before, previous: before, promoted: 0 };
      const taken = await this.repository.takenSlots(manager, siteId, [week]);
      if (freeSlots(week, site, taken) === 0) throw new SlotFullError(week, site.name, site.slotsPerWeek);
      const at = now.toISOString();
      if (previous) await this.ledger.cancel(manager, previous, `rebooked into ${week} by ${caller.actor.name}${reason ? `: ${reason}` : ''}`, now);
      const booking: ManufacturingBookingEntity = {
        id: randomUUID(),
        patientId,
        manufacturingSiteId: siteId,
        week,
        status: 'booked',
        queuedAt: null,
        cancelReason: null,
        createdAt: at,
        updatedAt: at,
      };
      await this.repository.insertBooking(manager, booking);
      await this.ledger.audit(manager, caller, 'manufacturing.slot-rebook', booking, {
        from: before?.week ?? (before ? `queue #${before.queuePosition}` : null),
        to: week,
        reason: reason ?? null,
      });
      let promoted = 0;
      for (const freed of sites.values()) promoted += await this.ledger.fillFromQueue(manager, freed, caller, now);
      return { patientId, slot: await this.ledger.viewOf(manager, site, booking), previous: before, promoted };
    });
  }

  /** Gives up the patient's slot (or place in the queue); the head of that site's queue takes the slot in the same transaction. */
  async cancel(patientId: string, reason: string, caller: Caller): Promise<SlotAnswer> {
    return this.tx.run(async (manager) => {
      const now = this.clock.now();
      await this.movablePatient(manager, patientId, caller.actor, 'cancelled');
      const booking = await this.repository.pendingBookingOf(manager, patientId);
      if (!booking) throw new RefusedError('Slot not cancelled', ['the patient holds no manufacturing slot and is in no queue']);
      const site = (await this.lockSites(manager, [booking.manufacturingSiteId])).get(booking.manufacturingSiteId)!;
      const before = await this.ledger.viewOf(manager, site, booking);
      await this.ledger.cancel(manager, booking, `cancelled by ${caller.actor.name}: ${reason}`, now);
      await this.ledger.audit(manager, caller, 'manufacturing.slot-cancel', booking, { week: booking.week, status: booking.status, reason });
      const promoted = await this.ledger.fillFromQueue(manager, site, caller, now);
      return { patientId, slot: null, previous: before, promoted };
    });
  }

  private currentSlot(manager: EntityManager, patientId: string): Promise<ManufacturingSlot | null> {
    return this.ledger.currentSlot(manager, patientId);
  }

  private async visiblePatient(manager: EntityManager, patientId: string, actor: Actor, lock = false): Promise<PatientEntity> {
    const patient = await manager.findOne(PatientEntity, { where: { id: patientId }, ...(lock ? { lock: this.tx.rowLock } : {}) });
    if (!patient || !canSeeSite(actor, patient.siteId)) throw new NotFoundError(`Patient ${patientId} does not exist.`);
    return patient;
  }

  /** The patient, locked (the engine's order: the patient's row before the site's), if their slot may still move: enrolled, on study, manufacturing not begun. */
  private async movablePatient(manager: EntityManager, patientId: string, actor: Actor, what: 'booked' | 'cancelled'): Promise<PatientEntity> {
    const patient = await this.visiblePatient(manager, patientId, actor, true);
    const summary = what === 'booked' ? 'Slot not booked' : 'Slot not cancelled';
    if (patient.status === 'offStudy') throw new RefusedError(summary, [`the patient has left the study (${patient.state})`]);
    const context = machine.contextOf(machine.restoreMachine(protocolOf(patient), patient.snapshot));
    if (!context.enrollment) throw new RefusedError(summary, [`the patient is not enrolled yet (${patient.state}): a slot is booked at ENROLLED`]);
    // The product being made (or made): its slot is in use until an order to make it again opens another attempt.
    const attempt = context.manufacturing?.history.at(-1);
    if (attempt?.startedAt) {
      throw new RefusedError(summary, [`manufacturing has begun: attempt ${attempt.attempt} started on ${attempt.startedAt.slice(0, 10)}, so its slot is in use`]);
    }
    return patient;
  }

  /** Locks the sites' rows in id order (two requests locking two sites never wait on each other). */
  private async lockSites(manager: EntityManager, ids: Array<string | undefined>): Promise<Map<string, ManufacturingSiteEntity>> {
    const locked = new Map<string, ManufacturingSiteEntity>();
    for (const id of unique(ids.filter((x): x is string => Boolean(x))).sort()) {
      const site = await this.repository.lockSite(manager, id);
      if (site) locked.set(id, site);
    }
    return locked;
  }

  /** A trial another site serves is a 409 naming that site. */
  private async trialsFree(manager: EntityManager, siteId: string, protocolIds: readonly string[]): Promise<void> {
    for (const protocolId of protocolIds) {
      const serving = await this.repository.siteServing(manager, protocolId);
      if (serving && serving !== siteId) throw new AlreadyExistsError(`${protocolId} is already made by manufacturing site ${serving}: a trial has one manufacturing site.`);
    }
  }

  /** Runs `work` in a transaction; two admins giving one trial to two sites at once: the second gets the 409 the first would have. */
  private async withTrialsTaken<T>(protocolIds: readonly string[], work: (manager: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.tx.run(work);
    } catch (error) {
      if (this.repository.isDuplicate(error))
        throw new AlreadyExistsError(`One of ${protocolIds.join(', ')} (or the site id) was taken by another request just now: a trial has one manufacturing site.`);
      throw error;
    }
  }
}

function siteAnswer(site: ManufacturingSiteEntity, protocolIds: string[]) {
  const { id, name, slotsPerWeek, releaseDays, horizonWeeks, createdAt, updatedAt } = site;
  return { id, name, protocolIds: [...protocolIds].sort(), slotsPerWeek, releaseDays, horizonWeeks, createdAt, updatedAt };
}

function refuseUnknownTrials(protocolIds: readonly string[]): void {
  const unknown = protocolIds.filter((id) => !findProtocol(id));
  if (unknown.length)
    throw new RefusedError(
      'Manufacturing site not saved',
      unknown.map((id) => `no trial ${id} runs on this service`),
    );
}

const unique = <T>(items: readonly T[]): T[] => [...new Set(items)];
