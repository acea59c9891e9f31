import { Injectable } from '@nestjs/common';
import { type EntityManager, In, IsNull, Not } from 'typeorm';
import { ManufacturingBookingEntity, ManufacturingSiteEntity, ManufacturingSiteTrialEntity, PatientEntity } from '../persistence/entities';
import { TransactionRunner } from '../persistence/transaction-runner';
import { insertRows } from '../persistence/insert-rows';
import type { IsoWeek } from './iso-week';
import type { TakenSlots } from './booking-rules';

/** Statuses that hold a slot of their week. */
const HOLDS_SLOT = ['booked', 'consumed'] as const;
/** Statuses of a booking still to be used. */
const PENDING = ['booked', 'queued'] as const;

/** The manufacturing sites, the trials they serve and the patients' bookings of their slots. */
@Injectable()
export class ManufacturingRepository {
  constructor(private readonly tx: TransactionRunner) {}

  sites(manager: EntityManager = this.tx.manager): Promise<ManufacturingSiteEntity[]> {
    return manager.find(ManufacturingSiteEntity, { order: { name: 'ASC', id: 'ASC' } });
  }

  site(manager: EntityManager, id: string): Promise<ManufacturingSiteEntity | null> {
    return manager.findOneBy(ManufacturingSiteEntity, { id });
  }

  /** The site's row, locked `FOR UPDATE` on PostgreSQL (SQLite runs one writer at a time): every change to its slots takes it first. */
  lockSite(manager: EntityManager, id: string): Promise<ManufacturingSiteEntity | null> {
    return manager.findOne(ManufacturingSiteEntity, { where: { id }, lock: this.tx.rowLock });
  }

  /** The id of the site that makes product for a trial, if any. */
  async siteServing(manager: EntityManager, protocolId: string): Promise<string | undefined> {
    return (await manager.findOneBy(ManufacturingSiteTrialEntity, { protocolId }))?.manufacturingSiteId;
  }

  /** Every site's trials. */
  trials(manager: EntityManager = this.tx.manager): Promise<ManufacturingSiteTrialEntity[]> {
    return manager.find(ManufacturingSiteTrialEntity, { order: { protocolId: 'ASC' } });
  }

  insertSite(manager: EntityManager, site: ManufacturingSiteEntity) {
    return insertRows(manager, ManufacturingSiteEntity, site);
  }

  async updateSite(manager: EntityManager, site: ManufacturingSiteEntity): Promise<void> {
    const { id, ...fields } = site;
    await manager.update(ManufacturingSiteEntity, { id }, fields);
  }

  /** Replaces the trials a site serves; a trial another site serves makes the insert fail as a duplicate key. */
  async setTrials(manager: EntityManager, siteId: string, protocolIds: readonly string[]): Promise<void> {
    await manager.delete(ManufacturingSiteTrialEntity, { manufacturingSiteId: siteId });
    if (protocolIds.length) {
      await insertRows(
        manager,
        ManufacturingSiteTrialEntity,
        protocolIds.map((protocolId) => ({ protocolId, manufacturingSiteId: siteId })),
      );
    }
  }

  /** The patient's pending booking, booked or queued (at most one: a partial unique index). */
  pendingBookingOf(manager: EntityManager, patientId: string): Promise<ManufacturingBookingEntity | null> {
    return manager.findOneBy(ManufacturingBookingEntity, { patientId, status: In([...PENDING]) });
  }

  /** The patient's slot as it stands: the pending booking, else the latest consumed one (the product being or already made). */
  async currentBookingOf(manager: EntityManager, patientId: string): Promise<ManufacturingBookingEntity | null> {
    return (await this.currentBookingsOf([patientId], manager))[0] ?? null;
  }

  /** The current booking (see currentBookingOf) of each of these patients that has one. */
  async currentBookingsOf(patientIds: readonly string[], manager: EntityManager = this.tx.manager): Promise<ManufacturingBookingEntity[]> {
    if (!patientIds.length) return [];
    const rows = await manager.find(ManufacturingBookingEntity, { where: { patientId: In([...patientIds]), status: Not('cancelled') }, order: { createdAt: 'DESC', id: 'ASC' } });
    const current = new Map<string, ManufacturingBookingEntity>();
    for (const row of rows) {
      const seen = current.get(row.patientId);
      if (!seen || (seen.status === 'consumed' && row.status !== 'consumed')) current.set(row.patientId, row);
    }
    return [...current.values()];
  }

  /** Slots taken per week at a site, in the weeks given. */
  async takenSlots(manager: EntityManager, siteId: string, weeks: readonly IsoWeek[]): Promise<TakenSlots> {
    if (!weeks.length) return new Map();
    const rows = await manager
      .createQueryBuilder(ManufacturingBookingEntity, 'b')
      .select('b.week', 'week')
      .addSelect('COUNT(*)', 'n')
      .where('b.manufacturing_site_id = :siteId', { siteId })
      .andWhere('b.status IN (:...held)', { held: HOLDS_SLOT })
      .andWhere('b.week IN (:...weeks)', { weeks })
      .groupBy('b.week')
      .getRawMany<{ week: string; n: string | number }>();
    return new Map(rows.map((row) => [row.week, Number(row.n)]));
  }

  /** The bookings holding a slot at a site in the weeks given, with the patients' site and subject. */
  async slotsIn(manager: EntityManager, siteId: string, weeks: readonly IsoWeek[]): Promise<Array<ManufacturingBookingEntity & { patientSiteId: string; subjectId: string }>> {
    if (!weeks.length) return [];
    return this.withPatients(manager, { manufacturingSiteId: siteId, status: In([...HOLDS_SLOT]), week: In([...weeks]) });
  }

  /** The site's queue, unordered (the rules order it), with the patients' site and subject. */
  queue(manager: EntityManager, siteId: string): Promise<Array<ManufacturingBookingEntity & { patientSiteId: string; subjectId: string }>> {
    return this.withPatients(manager, { manufacturingSiteId: siteId, status: 'queued', week: IsNull() });
  }

  insertBooking(manager: EntityManager, booking: ManufacturingBookingEntity) {
    return insertRows(manager, ManufacturingBookingEntity, booking);
  }

  async updateBooking(manager: EntityManager, id: string, fields: Partial<Pick<ManufacturingBookingEntity, 'status' | 'week' | 'cancelReason' | 'updatedAt'>>): Promise<void> {
    await manager.update(ManufacturingBookingEntity, { id }, fields);
  }

  /** Whether `error` is the database refusing a duplicate key (a trial another site serves). */
  isDuplicate(error: unknown): boolean {
    return this.tx.dialect.isUniqueViolation(error);
  }

  private async withPatients(manager: EntityManager, where: Record<string, unknown>) {
    const bookings = await manager.findBy(ManufacturingBookingEntity, where);
    if (!bookings.length) return [];
    const patients = await manager.find(PatientEntity, { where: { id: In(bookings.map((b) => b.patientId)) }, select: { id: true, siteId: true, subjectId: true } });
    const byId = new Map(patients.map((p) => [p.id, p]));
    return bookings.map((b) => ({ ...b, patientSiteId: byId.get(b.patientId)?.siteId ?? '', subjectId: byId.get(b.patientId)?.subjectId ?? '' }));
  }
}
