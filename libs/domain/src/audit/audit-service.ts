import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PatientEntity, PatientEventEntity } from '../persistence/entities';
import stableStringify from 'fast-json-stable-stringify';
import { findProtocol } from '#protocols';
import { verifyChain } from './hash-chain';
import { replayLog } from './replay';
import { type Actor, canSeeSite } from '../engine/actor';
import { NotFoundError } from '../errors';

/** Walks the hash chains of the patients the caller may see and names the first broken entry. */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async verify(actor: Actor, patientId?: string) {
    const all = await this.dataSource.getRepository(PatientEntity).find({
      where: patientId ? { id: patientId } : {},
      select: { id: true, siteId: true, protocolId: true, protocolVersion: true, cohort: true, snapshot: true, lastSeq: true, lastHash: true },
      order: { id: 'ASC' },
    });
    const patients = all.filter((p) => canSeeSite(actor, p.siteId));
    if (patientId && !patients.length) throw new NotFoundError(`Patient ${patientId} does not exist.`);
    let entries = 0;
    for (const { id } of patients) {
      const log = await this.dataSource.getRepository(PatientEventEntity).find({ where: { patientId: id }, order: { seq: 'ASC' } });
      entries += log.length;
      const broken = verifyChain(log);
      if (broken) return { ok: false, patientsChecked: patients.length, entriesChecked: entries, firstBroken: { patientId: id, ...broken } };
      const patient = patients.find((p) => p.id === id)!;
      // The patient row's head must be the log's last entry: a removed newest entry is caught here.
      const last = log.at(-1);
      if (!last || last.seq !== patient.lastSeq || last.hash !== patient.lastHash) {
        return {
          ok: false,
          patientsChecked: patients.length,
          entriesChecked: entries,
          firstBroken: {
            patientId: id,
            seq: (last?.seq ?? 0) + 1,
            problem: `the patient record ends at seq ${patient.lastSeq}, but the log ends at seq ${last?.seq ?? 0}`,
          },
        };
      }
      // The stored snapshot must be what replaying the log from registration gives.
      const protocol = findProtocol(patient.protocolId, patient.protocolVersion)!.forCohort(patient.cohort);
      const replayed = replayLog(protocol, log).snapshot;
      if (stableStringify(replayed) !== stableStringify(patient.snapshot)) {
        const last = log.at(-1)?.seq ?? 0;
        return {
          ok: false,
          patientsChecked: patients.length,
          entriesChecked: entries,
          firstBroken: { patientId: id, seq: last, problem: 'the stored snapshot differs from replaying the log' },
        };
      }
    }
    return { ok: true, patientsChecked: patients.length, entriesChecked: entries, firstBroken: null };
  }
}
