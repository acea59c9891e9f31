import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PatientEntity, PatientEventEntity } from '../persistence/entities';
import { verifyChain } from './hash-chain';

/** Walks patients' hash chains and names the first broken entry. */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async verify(patientId?: string) {
    const patients = patientId
      ? await this.dataSource.getRepository(PatientEntity).find({ where: { id: patientId }, select: { id: true } })
      : await this.dataSource.getRepository(PatientEntity).find({ select: { id: true }, order: { id: 'ASC' } });
    let entries = 0;
    for (const { id } of patients) {
      const log = await this.dataSource.getRepository(PatientEventEntity).find({ where: { patientId: id }, order: { seq: 'ASC' } });
      entries += log.length;
      const broken = verifyChain(log);
      if (broken) return { ok: false, patientsChecked: patients.length, entriesChecked: entries, firstBroken: { patientId: id, ...broken } };
    }
    return { ok: true, patientsChecked: patients.length, entriesChecked: entries, firstBroken: null };
  }
}
