import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, type FindOptionsWhere, In } from 'typeorm';
import { PatientEntity, PatientEventEntity, TrialEntity } from '../entities';
import { PATIENT_ROW_COLUMNS, readPatientRows, readStoredLogs, type StoredLogEntry } from '../stored-rows';

/** A protocol version: the patients pinned to it, the trial row of it. */
export interface ProtocolVersionKey {
  id: string;
  version: number;
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

  /** The protocol version's patients (at `siteIds` when given), every column but the snapshot, in registration order. */
  ofProtocol(protocol: ProtocolVersionKey, siteIds: string[] | 'all' = 'all'): Promise<PatientEntity[]> {
    return this.dataSource.getRepository(PatientEntity).find({
      where: { protocolId: protocol.id, protocolVersion: protocol.version, ...(siteIds === 'all' ? {} : { siteId: In(siteIds) }) },
      select: PATIENT_ROW_COLUMNS,
      order: { registeredAt: 'ASC', id: 'ASC' },
    });
  }

  /** Site and subject of the given patients. */
  subjects(ids: string[]): Promise<Array<Pick<PatientEntity, 'id' | 'siteId' | 'subjectId'>>> {
    return this.dataSource.getRepository(PatientEntity).find({ where: { id: In(ids) }, select: { id: true, siteId: true, subjectId: true } });
  }

  /** One page of a patient's log, after `afterSeq`, in seq order. */
  entries(patientId: string, page: { afterSeq: number; limit: number }): Promise<PatientEventEntity[]> {
    return this.dataSource.getRepository(PatientEventEntity).find({ where: { patientId }, order: { seq: 'ASC' }, skip: page.afterSeq, take: page.limit });
  }

  /** Every entry of the given patients' logs, in seq order, by patient, each JSON column parsed on its own. */
  logs(patientIds: readonly string[]): Promise<Map<string, StoredLogEntry[]>> {
    return readStoredLogs(this.dataSource, patientIds);
  }

  /** The trial row of a protocol version, if the trial has started. */
  trial(protocol: ProtocolVersionKey): Promise<TrialEntity | null> {
    return this.dataSource.getRepository(TrialEntity).findOneBy({ protocolId: protocol.id, protocolVersion: protocol.version });
  }
}
