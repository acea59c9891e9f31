import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { zipSync, strToU8 } from 'fflate';
import type { Protocol, TrialState } from '#protocols';
import { protocolOf, requireProtocol } from '../engine/require-protocol';
import { PatientEntity, PatientEventEntity, TrialEntity } from '../persistence/entities';
import type { Actor } from '../engine/actor';
import { Clock } from '../engine/clock';
import { replayLog } from '../audit/replay';
import { PatientService } from '../patients/patient-service';
import { toPatientView } from '../patients/patient-view';
import { patientFhirBundle } from './fhir-bundle';
import { researchStudyStatus } from './fhir-terms';
import { sdtmTables, type SdtmDomain } from './sdtm';
import { toCsv } from './csv';
import type { LoggedEvent, PatientExportInput } from './export-input';

/** The columns of the patient row an export reads: everything but the stored snapshot (the replay gives the record). */
const EXPORTED_PATIENT_COLUMNS = {
  id: true, subjectId: true, siteId: true, protocolId: true, protocolVersion: true, cohort: true, state: true, status: true,
  version: true, lastSeq: true, lastHash: true, day0: true, doseLevel: true, registeredAt: true, updatedAt: true,
} as const;

/** FHIR R4 and CDISC SDTM exports of the event log. */
@Injectable()
export class ExportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly patients: PatientService,
    private readonly clock: Clock,
  ) {}

  async fhir(patientId: string, actor: Actor) {
    const patient = await this.patients.visible(patientId, actor);
    const [input] = await this.inputs([patient]);
    const protocol = protocolOf(patient);
    const now = this.clock.now().toISOString();
    const status = await this.studyStatus(protocol, now);
    return patientFhirBundle({ ...input, protocol: { ...protocol.spec, ...(status ? { status } : {}) }, generatedAt: now });
  }

  /** SDTM domains of a protocol version, for the patients of the caller's sites: one CSV, or all of them in a zip. */
  async sdtm(protocolId: string, options: { version?: number; domain?: SdtmDomain }, actor: Actor) {
    const protocol = requireProtocol(protocolId, options.version);
    const patients = await this.dataSource.getRepository(PatientEntity).find({
      where: {
        protocolId: protocol.id,
        protocolVersion: protocol.version,
        ...(actor.siteIds === 'all' ? {} : { siteId: In(actor.siteIds) }),
      },
      select: EXPORTED_PATIENT_COLUMNS,
      order: { registeredAt: 'ASC', id: 'ASC' },
    });
    const tables = sdtmTables({ protocol: protocol.spec, patients: await this.inputs(patients) });
    const name = `${protocol.id}-v${protocol.version}`;
    // The patients exported, for the access audit.
    const patientIds = patients.map((p) => p.id);
    if (options.domain) {
      return { fileName: `${name}-${options.domain.toLowerCase()}.csv`, contentType: 'text/csv; charset=utf-8', body: Buffer.from(toCsv(tables[options.domain])), patientIds };
    }
    const files = Object.fromEntries(Object.entries(tables).map(([domain, table]) => [`${domain.toLowerCase()}.csv`, strToU8(toCsv(table))]));
    return { fileName: `${name}-sdtm.zip`, contentType: 'application/zip', body: Buffer.from(zipSync(files)), patientIds };
  }

  /** The R4 status of the patient's study, from the trial row (none before the trial has one). */
  private async studyStatus(protocol: Protocol, now: string) {
    const trial = await this.dataSource.getRepository(TrialEntity).findOneBy({ protocolId: protocol.id, protocolVersion: protocol.version });
    return trial ? researchStudyStatus(protocol.spec, trial.state as unknown as TrialState, now) : undefined;
  }

  /** Each patient's log, replayed once: the record it ends in and the engine's answer to each event. */
  private async inputs(patients: PatientEntity[]): Promise<PatientExportInput[]> {
    if (!patients.length) return [];
    const logs = await this.logsOf(patients.map((p) => p.id));
    const now = this.clock.now();
    return patients.map((patient) => {
      const protocol = protocolOf(patient);
      const log = logs.get(patient.id) ?? [];
      const { final, answers } = replayLog(protocol, log, { answers: true });
      if (!final) throw new Error(`the log of patient ${patient.id} has no registration to replay from`);
      return {
        patient,
        record: toPatientView(patient, protocol, now, final).record,
        events: log,
        computed: (event) => answers.get(event.seq),
        responseCriteria: protocol.spec.responseCriteria,
      };
    });
  }

  private async logsOf(patientIds: string[]): Promise<Map<string, LoggedEvent[]>> {
    const events = await this.dataSource.getRepository(PatientEventEntity).find({
      where: { patientId: In(patientIds) },
      select: { patientId: true, seq: true, type: true, data: true, actor: true, actorName: true, occurredAt: true, recordedAt: true },
      order: { patientId: 'ASC', seq: 'ASC' },
    });
    const logs = new Map<string, LoggedEvent[]>();
    for (const { patientId, ...event } of events) {
      const log = logs.get(patientId);
      if (log) log.push(event);
      else logs.set(patientId, [event]);
    }
    return logs;
  }
}
