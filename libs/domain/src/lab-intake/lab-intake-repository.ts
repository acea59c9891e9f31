import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { In, type EntityManager } from 'typeorm';
import { type InboxStatus, LabCodeMappingEntity, LabMessageEntity, LabPatientIdentifierEntity, LabResultEntity, PatientEntity } from '../persistence/entities';
import { insertRows } from '../persistence/insert-rows';
import { TransactionRunner } from '../persistence/transaction-runner';

/** The lab intake's tables: messages as received, results by control id (the inbox among them), the sites' mappings. */
@Injectable()
export class LabIntakeRepository {
  constructor(private readonly tx: TransactionRunner) {}

  private get manager(): EntityManager {
    return this.tx.manager;
  }

  async insertMessage(message: LabMessageEntity): Promise<void> {
    await insertRows(this.manager, LabMessageEntity, message);
  }

  /** Inserts a result under its control id; false when the site already has one under it (a duplicate sent meanwhile). */
  async insertResult(result: LabResultEntity): Promise<boolean> {
    try {
      await insertRows(this.manager, LabResultEntity, result);
      return true;
    } catch (error) {
      if (this.tx.dialect.isUniqueViolation(error)) return false;
      throw error;
    }
  }

  resultByControlId(siteId: string, controlId: string): Promise<LabResultEntity | null> {
    return this.manager.findOne(LabResultEntity, { where: { siteId, controlId } });
  }

  result(id: string): Promise<LabResultEntity | null> {
    return this.manager.findOne(LabResultEntity, { where: { id } });
  }

  /** The latest result recorded for the patient's test collected at that instant: what a correction corrects. */
  latestAccepted(patientId: string, labCode: string, collectedAt: string): Promise<LabResultEntity | null> {
    return this.manager.findOne(LabResultEntity, { where: { patientId, labCode, collectedAt, outcome: 'accepted' }, order: { seq: 'DESC' } });
  }

  /** Ends an open inbox item; false when someone else resolved it first. */
  async closeInboxItem(
    id: string,
    change: Pick<LabResultEntity, 'resolvedBy' | 'resolvedAt' | 'resolution'> & Partial<LabResultEntity> & { inboxStatus: InboxStatus },
  ): Promise<boolean> {
    const updated = await this.manager.update(LabResultEntity, { id, inboxStatus: 'open' }, change);
    return (updated.affected ?? 0) > 0;
  }

  async setInboxReason(id: string, reason: string): Promise<void> {
    await this.manager.update(LabResultEntity, { id, inboxStatus: 'open' }, { reason });
  }

  inbox(filter: { siteIds: string[] | 'all'; status?: InboxStatus; limit: number; offset: number }): Promise<[LabResultEntity[], number]> {
    return this.manager.findAndCount(LabResultEntity, {
      where: {
        outcome: 'inbox',
        ...(filter.status ? { inboxStatus: filter.status } : {}),
        ...(filter.siteIds === 'all' ? {} : { siteId: In(filter.siteIds) }),
      },
      order: { receivedAt: 'ASC', id: 'ASC' },
      take: filter.limit,
      skip: filter.offset,
    });
  }

  messages(filter: { siteIds: string[] | 'all'; limit: number; offset: number }): Promise<[LabMessageEntity[], number]> {
    return this.manager.findAndCount(LabMessageEntity, {
      where: filter.siteIds === 'all' ? {} : { siteId: In(filter.siteIds) },
      order: { receivedAt: 'DESC', id: 'ASC' },
      take: filter.limit,
      skip: filter.offset,
    });
  }

  /** The patients at the site whose subject id, or an identifier the site saved for them, is one of these. */
  async patientsAt(siteId: string, identifiers: string[]): Promise<string[]> {
    if (!identifiers.length) return [];
    const [bySubject, saved] = await Promise.all([
      this.manager.find(PatientEntity, { select: { id: true }, where: { siteId, subjectId: In(identifiers) } }),
      this.manager.find(LabPatientIdentifierEntity, { where: { siteId, identifier: In(identifiers) } }),
    ]);
    return [...new Set([...bySubject.map((p) => p.id), ...saved.map((s) => s.patientId)])];
  }

  async patientSite(patientId: string): Promise<string | undefined> {
    const patient = await this.manager.findOne(PatientEntity, { select: { id: true, siteId: true }, where: { id: patientId } });
    return patient?.siteId;
  }

  async mappedCode(siteId: string, codeSystem: string, code: string): Promise<string | undefined> {
    return (await this.manager.findOne(LabCodeMappingEntity, { where: { siteId, codeSystem, code } }))?.labCode;
  }

  mappings(siteIds: string[] | 'all'): Promise<LabCodeMappingEntity[]> {
    return this.manager.find(LabCodeMappingEntity, { where: siteIds === 'all' ? {} : { siteId: In(siteIds) }, order: { siteId: 'ASC', codeSystem: 'ASC', code: 'ASC' } });
  }

  /** Saves (or replaces) a site's mapping of one of its codes. */
  async saveMapping(mapping: Omit<LabCodeMappingEntity, 'id'>): Promise<void> {
    await this.manager.delete(LabCodeMappingEntity, { siteId: mapping.siteId, codeSystem: mapping.codeSystem, code: mapping.code });
    await insertRows(this.manager, LabCodeMappingEntity, { id: randomUUID(), ...mapping });
  }

  /** Saves the identifiers a lab gave for a patient, so the next result with one of them is matched. */
  async saveIdentifiers(siteId: string, identifiers: string[], patientId: string, by: { createdBy: string; createdAt: string }): Promise<void> {
    // An identifier longer than the column is not saved (it is matched by a person each time), rather than failing after the event.
    for (const identifier of identifiers.filter((id) => id.length <= 200)) {
      await this.manager.delete(LabPatientIdentifierEntity, { siteId, identifier });
      await insertRows(this.manager, LabPatientIdentifierEntity, { id: randomUUID(), siteId, identifier, patientId, ...by });
    }
  }
}
