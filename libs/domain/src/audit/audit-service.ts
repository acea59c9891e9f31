import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, In } from 'typeorm';
import { PatientEntity, PatientEventEntity } from '../persistence/entities';
import stableStringify from 'fast-json-stable-stringify';
import { protocolOf } from '../engine/require-protocol';
import * as machine from '../engine/machine-boundary';
import { verifyChain } from './hash-chain';
import { replayLog } from './replay';
import type { Actor } from '../engine/actor';
import { NotFoundError } from '../errors';

/** Patients whose logs are read in one query: bounds the memory a whole-trial check holds at once. */
const PATIENTS_PER_QUERY = 200;

type CheckedPatient = Pick<PatientEntity, 'id' | 'siteId' | 'protocolId' | 'protocolVersion' | 'cohort' | 'snapshot' | 'lastSeq' | 'lastHash'>;

/** Walks the hash chains of the patients the caller may see and names the first broken entry. */
@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async verify(actor: Actor, patientId?: string) {
    const patients: CheckedPatient[] = await this.dataSource.getRepository(PatientEntity).find({
      where: { ...(patientId ? { id: patientId } : {}), ...(actor.siteIds === 'all' ? {} : { siteId: In(actor.siteIds) }) },
      select: { id: true, siteId: true, protocolId: true, protocolVersion: true, cohort: true, snapshot: true, lastSeq: true, lastHash: true },
      order: { id: 'ASC' },
    });
    if (patientId && !patients.length) throw new NotFoundError(`Patient ${patientId} does not exist.`);
    let entries = 0;
    for (let from = 0; from < patients.length; from += PATIENTS_PER_QUERY) {
      const batch = patients.slice(from, from + PATIENTS_PER_QUERY);
      const logs = await this.logsOf(batch);
      for (const patient of batch) {
        const log = logs.get(patient.id) ?? [];
        entries += log.length;
        const problem = brokenEntry(patient, log);
        if (problem) return { ok: false, patientsChecked: patients.length, entriesChecked: entries, firstBroken: { patientId: patient.id, ...problem } };
      }
    }
    return { ok: true, patientsChecked: patients.length, entriesChecked: entries, firstBroken: null };
  }

  /** The logs of a batch of patients, in seq order, by patient. */
  private async logsOf(patients: CheckedPatient[]): Promise<Map<string, PatientEventEntity[]>> {
    const events = await this.dataSource.getRepository(PatientEventEntity).find({
      where: { patientId: In(patients.map((p) => p.id)) },
      order: { patientId: 'ASC', seq: 'ASC' },
    });
    const logs = new Map<string, PatientEventEntity[]>();
    for (const event of events) {
      const log = logs.get(event.patientId);
      if (log) log.push(event);
      else logs.set(event.patientId, [event]);
    }
    return logs;
  }
}

/** The first thing wrong with one patient's log: a broken chain, a head that is not the log's end, a snapshot the log does not give. */
function brokenEntry(patient: CheckedPatient, log: PatientEventEntity[]): { seq: number; problem: string } | null {
  const broken = verifyChain(log);
  if (broken) return broken;
  // The patient row's head must be the log's last entry: a removed newest entry is caught here.
  const last = log.at(-1);
  if (!last || last.seq !== patient.lastSeq || last.hash !== patient.lastHash) {
    return { seq: (last?.seq ?? 0) + 1, problem: `the patient record ends at seq ${patient.lastSeq}, but the log ends at seq ${last?.seq ?? 0}` };
  }
  // The stored snapshot must be what replaying the log from registration gives.
  const protocol = protocolOf(patient);
  const { final } = replayLog(protocol, log);
  const replayed = final && machine.persistSnapshot(protocol, final);
  if (stableStringify(replayed) !== stableStringify(patient.snapshot)) {
    return { seq: last.seq, problem: 'the stored snapshot differs from replaying the log' };
  }
  return null;
}
