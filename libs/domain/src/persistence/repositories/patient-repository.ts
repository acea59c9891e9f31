import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, type FindOptionsWhere, In, MoreThan } from 'typeorm';
import { dialectFor } from '../dialects/dialect';
import { PatientEntity, PatientEventEntity, TrialEntity } from '../entities';
import { PATIENT_ROW_COLUMNS, readPatientRows, readStoredLogs, type StoredLogEntry } from '../stored-rows';

/** A patient row as the driver returns it: numbers may come as text, the snapshot as its stored JSON text. */
export interface RawPatientRow {
  id: string;
  subjectId: string;
  protocolId: string;
  protocolVersion: number | string;
  cohort: string | null;
  doseLevel: number | string | null;
  lastSeq: number | string;
  /** The stored JSON text (or, on a driver that parses it, the value). */
  snapshot: unknown;
}

/** A trial (a protocol, every version), or one version of it: the patients it counts. */
export interface TrialCut {
  id: string;
  /** Only the patients pinned to this version; every version's when absent. */
  version?: number;
}

/** How many patients a version of a trial has. */
export interface VersionCount {
  version: number;
  patients: number;
}

/**
 * The patients, their logs and the trial rows as the read services read them (the engine writes
 * them through EventWriter and TrialLedger). A row or entry whose stored JSON is not JSON reads as a
 * data issue of that patient, never as a failed read of the others.
 */
@Injectable()
export class PatientRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Patient rows by id, each snapshot parsed on its own (undefined when not JSON). */
  rows(ids: readonly string[]): Promise<PatientEntity[]> {
    return readPatientRows(this.dataSource, ids);
  }

  /** The ids of one page of the patients matching `where`, in registration order, and how many match in all. */
  async page(where: FindOptionsWhere<PatientEntity>, page: { limit: number; offset: number }): Promise<[Array<{ id: string }>, number]> {
    return this.dataSource.getRepository(PatientEntity).findAndCount({
      where,
      select: { id: true },
      order: { registeredAt: 'ASC', id: 'ASC' },
      take: page.limit,
      skip: page.offset,
    });
  }

  /** The trial's patients (of one version, when cut) at `siteIds` (the caller's, or `'all'` said out loud), every column but the snapshot, in registration order. */
  ofTrial(trial: TrialCut, siteIds: string[] | 'all'): Promise<PatientEntity[]> {
    return this.dataSource.getRepository(PatientEntity).find({
      where: {
        protocolId: trial.id,
        ...(trial.version === undefined ? {} : { protocolVersion: trial.version }),
        ...(siteIds === 'all' ? {} : { siteId: In(siteIds) }),
      },
      select: PATIENT_ROW_COLUMNS,
      order: { registeredAt: 'ASC', id: 'ASC' },
    });
  }

  /**
   * One page of the trial's patients (cut and scoped as `ofTrial`), every column but the snapshot,
   * in the order of their subject ids compared byte by byte (the SDTM export's USUBJID order), those
   * after `afterSubjectId`: a keyset on the trial's unique subject ids, never an offset.
   */
  async trialPage(trial: TrialCut, siteIds: string[] | 'all', page: { afterSubjectId: string | null; limit: number }): Promise<PatientEntity[]> {
    if (siteIds !== 'all' && !siteIds.length) return [];
    const subjectId = `p.subject_id ${dialectFor(this.dataSource).byteOrder}`;
    const query = this.dataSource
      .getRepository(PatientEntity)
      .createQueryBuilder('p')
      .select(Object.keys(PATIENT_ROW_COLUMNS).map((property) => `p.${property}`))
      .where('p.protocol_id = :protocolId', { protocolId: trial.id });
    if (trial.version !== undefined) query.andWhere('p.protocol_version = :version', { version: trial.version });
    if (siteIds !== 'all') query.andWhere('p.site_id IN (:...siteIds)', { siteIds });
    if (page.afterSubjectId !== null) query.andWhere(`${subjectId} > :afterSubjectId`, { afterSubjectId: page.afterSubjectId });
    return query.orderBy(subjectId, 'ASC').limit(page.limit).getMany();
  }

  /** Site and subject of the given patients. */
  subjects(ids: string[]): Promise<Array<Pick<PatientEntity, 'id' | 'siteId' | 'subjectId'>>> {
    return this.dataSource.getRepository(PatientEntity).find({ where: { id: In(ids) }, select: { id: true, siteId: true, subjectId: true } });
  }

  /** One page of a patient's log: the entries whose seq is past `afterSeq` (by the index, not an offset), in seq order. */
  entries(patientId: string, page: { afterSeq: number; limit: number }): Promise<PatientEventEntity[]> {
    return this.dataSource.getRepository(PatientEventEntity).find({ where: { patientId, seq: MoreThan(page.afterSeq) }, order: { seq: 'ASC' }, take: page.limit });
  }

  /** Every entry of the given patients' logs, in seq order, by patient, each JSON column parsed on its own. */
  logs(patientIds: readonly string[]): Promise<Map<string, StoredLogEntry[]>> {
    return readStoredLogs(this.dataSource, patientIds);
  }

  /** The most recently updated patients (at `siteIds`), as the worklist lists them. */
  recentlyUpdated(siteIds: string[] | 'all', take: number) {
    return this.dataSource.getRepository(PatientEntity).find({
      where: siteIds === 'all' ? {} : { siteId: In(siteIds) },
      order: { updatedAt: 'DESC', id: 'ASC' },
      take,
      // Exactly the fields of the worklist's patient rows (libs/contract, worklistPatientSchema).
      select: {
        id: true,
        subjectId: true,
        siteId: true,
        protocolId: true,
        protocolVersion: true,
        cohort: true,
        state: true,
        status: true,
        doseLevel: true,
        day0: true,
        updatedAt: true,
      },
    });
  }

  /** How many patients (at `siteIds`) each protocol has in each state and status. */
  countsByState(siteIds: string[] | 'all'): Promise<Array<{ protocolId: string; state: string; status: string; n: string | number }>> {
    return this.dataSource
      .getRepository(PatientEntity)
      .createQueryBuilder('p')
      .select(['p.protocolId AS "protocolId"', 'p.state AS "state"', 'p.status AS "status"', 'COUNT(*) AS "n"'])
      .where(siteIds === 'all' ? '1 = 1' : 'p.siteId IN (:...sites)', { sites: siteIds })
      .groupBy('p.protocolId')
      .addGroupBy('p.state')
      .addGroupBy('p.status')
      .getRawMany();
  }

  /** Active patients (at `siteIds`) past Day 0, earliest Day 0 first, as raw rows: the snapshot as stored text, for the caller to parse row by row. */
  onStudyAfterDay0(siteIds: string[] | 'all', take: number): Promise<RawPatientRow[]> {
    return this.rawRows(siteIds).andWhere("p.status = 'active' AND p.day0 IS NOT NULL").orderBy('p.day0', 'ASC').addOrderBy('p.id', 'ASC').limit(take).getRawMany();
  }

  /** Active patients not yet infused who hold or await a manufacturing slot (the worklist's manufacturing list), without snapshots. */
  awaitingInfusion(siteIds: string[] | 'all', take: number): Promise<Array<{ id: string; subjectId: string; protocolId: string; state: string }>> {
    return this.dataSource
      .getRepository(PatientEntity)
      .createQueryBuilder('p')
      .select(['p.id AS "id"', 'p.subject_id AS "subjectId"', 'p.protocol_id AS "protocolId"', 'p.state AS "state"'])
      .where(siteIds === 'all' ? '1 = 1' : 'p.site_id IN (:...sites)', { sites: siteIds })
      .andWhere("p.status = 'active' AND p.day0 IS NULL")
      .andWhere("EXISTS (SELECT 1 FROM manufacturing_bookings b WHERE b.patient_id = p.id AND b.status <> 'cancelled')")
      .orderBy('p.id', 'ASC')
      .limit(take)
      .getRawMany();
  }

  /**
   * Active patients an amendment moved (a `PROTOCOL_MIGRATED` entry in their log), with their
   * snapshots: the only ones who can owe a re-consent. The entry is looked up in the partial index of
   * `PROTOCOL_MIGRATED` entries (`ix_patient_events_migrated`), whose condition this one must match
   * word for word: any other reads every entry of every log.
   */
  migratedOnStudy(siteIds: string[] | 'all', take: number): Promise<RawPatientRow[]> {
    return this.rawRows(siteIds)
      .andWhere("p.status = 'active'")
      .andWhere("EXISTS (SELECT 1 FROM patient_events e WHERE e.patient_id = p.id AND e.type = 'PROTOCOL_MIGRATED')")
      .orderBy('p.id', 'ASC')
      .limit(take)
      .getRawMany();
  }

  /** The patients at `siteIds` as raw rows (`RawPatientRow`), for a query to narrow. */
  private rawRows(siteIds: string[] | 'all') {
    return this.dataSource
      .getRepository(PatientEntity)
      .createQueryBuilder('p')
      .select(['p.id AS "id"', 'p.subject_id AS "subjectId"', 'p.protocol_id AS "protocolId"', 'p.protocol_version AS "protocolVersion"'])
      .addSelect(['p.cohort AS "cohort"', 'p.dose_level AS "doseLevel"', 'p.last_seq AS "lastSeq"', 'p.snapshot AS "snapshot"'])
      .where(siteIds === 'all' ? '1 = 1' : 'p.site_id IN (:...sites)', { sites: siteIds });
  }

  /** The trial row of a protocol (every version's patients in it), if the trial has started. */
  trial(protocolId: string): Promise<TrialEntity | null> {
    return this.dataSource.getRepository(TrialEntity).findOneBy({ protocolId });
  }

  /** The versions of a protocol that have patients (every site's), oldest first, with how many each. */
  async versionsOf(protocolId: string): Promise<VersionCount[]> {
    const rows: Array<{ version: number | string; patients: number | string }> = await this.dataSource
      .getRepository(PatientEntity)
      .createQueryBuilder('p')
      .select(['p.protocol_version AS "version"', 'COUNT(*) AS "patients"'])
      .where('p.protocol_id = :protocolId', { protocolId })
      .groupBy('p.protocol_version')
      .orderBy('p.protocol_version', 'ASC')
      .getRawMany();
    // PostgreSQL answers COUNT(*) as text (a bigint).
    return rows.map((r) => ({ version: Number(r.version), patients: Number(r.patients) }));
  }
}
