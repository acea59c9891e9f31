import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { zipSync, strToU8 } from 'fflate';
import { requireProtocol } from '../engine/require-protocol';
import { PatientEntity, PatientEventEntity } from '../persistence/entities';
import type { Actor } from '../engine/actor';
import { Clock } from '../engine/clock';
import { WorkflowEngine } from '../engine/workflow-engine';
import { replayLog } from '../audit/replay';
import { PatientService } from '../patients/patient-service';
import { toPatientView } from '../patients/patient-view';
import { patientFhirBundle } from './fhir-bundle';
import { sdtmTables, type SdtmDomain } from './sdtm';
import { toCsv } from './csv';
import type { PatientExportInput } from './export-input';

/** FHIR R4 and CDISC SDTM exports of the event log. */
@Injectable()
export class ExportService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly patients: PatientService,
    private readonly engine: WorkflowEngine,
    private readonly clock: Clock,
  ) {}

  async fhir(patientId: string, actor: Actor) {
    const patient = await this.patients.visible(patientId, actor);
    const [input] = await this.inputs([patient]);
    const protocol = this.engine.protocolOf(patient);
    return patientFhirBundle({ ...input, protocol: protocol.spec, generatedAt: this.clock.now().toISOString() });
  }

  /** SDTM domains of a protocol version: one CSV, or all of them in a zip. */
  async sdtm(protocolId: string, options: { version?: number; domain?: SdtmDomain }) {
    const protocol = requireProtocol(protocolId, options.version);
    const patients = await this.dataSource.getRepository(PatientEntity).find({
      where: { protocolId: protocol.id, protocolVersion: protocol.version },
      order: { registeredAt: 'ASC', id: 'ASC' },
    });
    const tables = sdtmTables({ protocol: protocol.spec, patients: await this.inputs(patients) });
    const name = `${protocol.id}-v${protocol.version}`;
    if (options.domain) {
      return { fileName: `${name}-${options.domain.toLowerCase()}.csv`, contentType: 'text/csv; charset=utf-8', body: Buffer.from(toCsv(tables[options.domain])) };
    }
    const files = Object.fromEntries(Object.entries(tables).map(([domain, table]) => [`${domain.toLowerCase()}.csv`, strToU8(toCsv(table))]));
    return { fileName: `${name}-sdtm.zip`, contentType: 'application/zip', body: Buffer.from(zipSync(files)) };
  }

  private async inputs(patients: PatientEntity[]): Promise<PatientExportInput[]> {
    if (!patients.length) return [];
    const events = await this.dataSource.getRepository(PatientEventEntity).find({
      where: { patientId: In(patients.map((p) => p.id)) },
      order: { patientId: 'ASC', seq: 'ASC' },
    });
    const now = this.clock.now();
    return patients.map((patient) => {
      const protocol = this.engine.protocolOf(patient);
      const log = events.filter((e) => e.patientId === patient.id);
      return {
        patient,
        record: toPatientView(patient, protocol, now).record,
        events: log,
        computed: ((answers) => (event: { seq: number }) => answers.get(event.seq))(replayLog(protocol, log).answers),
        responseCriteria: protocol.spec.responseCriteria,
      };
    });
  }
}
