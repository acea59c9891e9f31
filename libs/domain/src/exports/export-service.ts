import { Injectable } from '@nestjs/common';
import { protocolDeviations, screenLog, unreadableEntry } from '#protocols';
import { zipSync, strToU8 } from 'fflate';
import type { Protocol, ProtocolDeviation, TrialState, DataIssue } from '#protocols';
import { protocolOf, requireProtocol, requireTrialRules } from '../kernel/require-protocol';
import type { PatientEntity } from '../persistence/entities';
import { PatientRepository } from '../persistence/repositories/patient-repository';
import type { Actor } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import { replayLog } from '../audit/replay';
import { contextOf } from '../kernel/machine-boundary';
import { PatientService } from '../patients/patient-service';
import { toPatientView } from '../patients/patient-view';
import { dataIssuesBundle, patientFhirBundle } from './fhir-bundle';
import { researchStudyStatus } from './fhir-terms';
import { sdtmTables, type SdtmDomain } from './sdtm';
import { toCsv, type ExportTable } from './csv';
import type { LoggedEvent, PatientExportInput } from './export-input';

/** FHIR R4 and CDISC SDTM exports of the event log. */
@Injectable()
export class ExportService {
  constructor(
    private readonly patientRows: PatientRepository,
    private readonly patients: PatientService,
    private readonly clock: Clock,
  ) {}

  /**
   * The patient's FHIR bundle. Stored entries the current schemas refuse are left out and listed in
   * an OperationOutcome of the bundle; a record that cannot be exported at all still answers, with
   * the study and the OperationOutcome saying why.
   */
  async fhir(patientId: string, actor: Actor) {
    const patient = await this.patients.visible(patientId, actor);
    const [input] = await this.inputs([patient]);
    const protocol = protocolOf(patient);
    const now = this.clock.now().toISOString();
    const status = await this.studyStatus(protocol, now);
    const bundleInput = { ...input, protocol: { ...protocol.spec, ...(status ? { status } : {}) }, generatedAt: now };
    try {
      return patientFhirBundle(bundleInput);
    } catch (error) {
      const issue = unreadableEntry(patient.id, { type: null }, error, 'record');
      return dataIssuesBundle(bundleInput, [...input.dataIssues, { ...issue, problem: `could not be exported: ${issue.problem.replace(/^could not be read: /, '')}` }]);
    }
  }

  /**
   * SDTM domains of a trial, for the patients of the caller's sites on every version of its protocol
   * (ADR 0011: one study, each patient replayed on its own version), or on the one `options.version`
   * cuts to (a version the protocol does not have is a 404 naming it): one CSV, or all in a zip.
   */
  async sdtm(protocolId: string, options: { version?: number; domain?: SdtmDomain }, actor: Actor) {
    const rules = requireTrialRules(protocolId);
    const version = options.version === undefined ? undefined : requireProtocol(rules.id, options.version).version;
    // Everything but the stored snapshot: the replay gives the record.
    const patients = await this.patientRows.ofTrial({ id: rules.id, version }, actor.siteIds);
    const inputs = await this.inputs(patients);
    const dataIssues = inputs.flatMap((input) => input.dataIssues);
    const tables = sdtmTables({ protocol: rules, patients: inputs }, dataIssues);
    const name = version === undefined ? rules.id : `${rules.id}-v${version}`;
    // The patients exported, for the access audit.
    const patientIds = patients.map((p) => p.id);
    if (options.domain) {
      return {
        fileName: `${name}-${options.domain.toLowerCase()}.csv`,
        contentType: 'text/csv; charset=utf-8',
        body: Buffer.from(toCsv(tables[options.domain])),
        dataIssues: dataIssues.length,
        patientIds,
      };
    }
    const files = Object.fromEntries(Object.entries(tables).map(([domain, table]) => [`${domain.toLowerCase()}.csv`, strToU8(toCsv(table))]));
    files['data-issues.csv'] = strToU8(toCsv(dataIssuesTable(dataIssues, patients)));
    return { fileName: `${name}-sdtm.zip`, contentType: 'application/zip', body: Buffer.from(zipSync(files)), dataIssues: dataIssues.length, patientIds };
  }

  /** The R4 status of the patient's study, from the trial row (none before the trial has one), under the trial's rules. */
  private async studyStatus(protocol: Protocol, now: string) {
    const trial = await this.patientRows.trial(protocol.id);
    return trial ? researchStudyStatus(requireTrialRules(protocol.id), trial.state as unknown as TrialState, now) : undefined;
  }

  /**
   * Each patient's log, screened and replayed once: the record it ends in, the engine's answer to
   * each event, and the stored entries left out (the schemas refuse them, or the replay could not
   * take them).
   */
  private async inputs(patients: PatientEntity[]): Promise<PatientExportInput[]> {
    if (!patients.length) return [];
    const logs = await this.patientRows.logs(patients.map((p) => p.id));
    const now = this.clock.now();
    return patients.map((patient) => {
      const protocol = protocolOf(patient);
      const { trusted, issues } = screenLog(patient.id, logs.get(patient.id) ?? []);
      const log = trusted as LoggedEvent[];
      const dataIssues: DataIssue[] = [...issues];
      const replayed = replayLog(protocol, log, {
        answers: true,
        onUnreadable: (entry, error) => dataIssues.push(unreadableEntry(patient.id, entry, error)),
      });
      const { final, answers } = replayed;
      if (!final) dataIssues.push({ patientId: patient.id, seq: null, type: 'PATIENT_REGISTERED', field: 'log', problem: 'has no registration to replay from' });
      const skipped = new Set(dataIssues.map((i) => i.seq));
      // A record the deviations cannot be read from is listed, and exported without them.
      let deviations: ProtocolDeviation[] = [];
      try {
        if (final) deviations = protocolDeviations(replayed.protocol.spec, contextOf(final), log, now.toISOString());
      } catch (error) {
        dataIssues.push(unreadableEntry(patient.id, { type: null }, error, 'deviations'));
      }
      return {
        patient,
        record: toPatientView(patient, protocol, now, final ?? replayLog(protocol, [REGISTRATION_PLACEHOLDER]).final).record,
        events: log.filter((e) => e.type === 'PATIENT_REGISTERED' || !skipped.has(e.seq)),
        computed: (event) => answers.get(event.seq),
        responseCriteria: protocol.spec.responseCriteria,
        dataIssues,
        deviations,
      };
    });
  }
}

/** A registration with no demographics: the replay of a log that has none starts from it. */
const REGISTRATION_PLACEHOLDER = { seq: 0, type: 'PATIENT_REGISTERED', data: {}, occurredAt: '' };

/** The stored entries an export left out, one row per problem, the patient named by its subject id. */
function dataIssuesTable(issues: readonly DataIssue[], patients: readonly PatientEntity[]): ExportTable {
  const subjects = new Map(patients.map((p) => [p.id, p.subjectId]));
  return {
    columns: ['SUBJID', 'SEQ', 'TYPE', 'FIELD', 'PROBLEM'],
    rows: issues.map((i) => ({ SUBJID: subjects.get(i.patientId) ?? null, SEQ: i.seq, TYPE: i.type, FIELD: i.field, PROBLEM: i.problem })),
  };
}
