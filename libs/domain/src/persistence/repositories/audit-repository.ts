import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, type FindOptionsWhere, MoreThan } from 'typeorm';
import { type PatientEntity, PatientEventEntity } from '../entities';
import { readLogs, readPatientsTolerantly } from '../tolerant-reads';

/** The patients and their logs as the audit checks them: read tolerantly, so a tampered row is named, not a failed read. */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  patients(where: FindOptionsWhere<PatientEntity>): Promise<PatientEntity[]> {
    return readPatientsTolerantly(this.dataSource.manager, where);
  }

  logs(where: FindOptionsWhere<PatientEventEntity> | FindOptionsWhere<PatientEventEntity>[]): Promise<Map<string, PatientEventEntity[]>> {
    return readLogs(this.dataSource.manager, where);
  }

  /** One page of every patient's log, by patient id then seq, after the entry `after`. */
  logPage(after: { patientId: string; seq: number } | undefined, take: number): Promise<PatientEventEntity[]> {
    return this.dataSource.getRepository(PatientEventEntity).find({
      where: after ? [{ patientId: MoreThan(after.patientId) }, { patientId: after.patientId, seq: MoreThan(after.seq) }] : {},
      order: { patientId: 'ASC', seq: 'ASC' },
      take,
    });
  }
}
