import { Inject, Injectable } from '@nestjs/common';
import { protocolDeviations, screenLog, unreadableEntry } from '#protocols';
import { Readable } from 'node:stream';
import type { Protocol, ProtocolDeviation, TrialState, DataIssue } from '#protocols';
import { protocolOf, requireProtocol, requireTrialRules } from '../kernel/require-protocol';
import type { PatientEntity } from '../persistence/entities';
import { PatientRepository, type TrialCut } from '../persistence/repositories/patient-repository';
import type { StoredLogEntry } from '../persistence/stored-rows';
import { type AccessEntry, AccessLog, type Caller } from '../audit/access-log';
import type { Actor } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { replayLog } from '../audit/replay';
import { contextOf } from '../kernel/machine-boundary';
import { PatientService } from '../patients/patient-service';
import { toPatientView } from '../patients/patient-view';
import { dataIssuesBundle, patientFhirBundle } from './fhir-bundle';
import { researchStudyStatus } from './fhir-terms';
import { exportFailure, type SdtmDomain, type SdtmProtocol, sdtmRowsOf } from './sdtm';
import { domainCsv, type ExportedPatient, type ExportSummary, sdtmZip } from './sdtm-stream';
import type { LoggedEvent, PatientExportInput } from './export-input';

/** FHIR R4 and CDISC SDTM exports of the event log. */
@Injectable()
export class ExportService {
  constructor(
    private readonly patientRows: PatientRepository,
    private readonly patients: PatientService,
    private readonly clock: Clock,
    private readonly access: AccessLog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
   *
   * Streamed (ADR 0022): `body` reads the patients a page at a time in USUBJID order and makes the
   * rows as it goes, so the memory it holds does not grow with the trial; `summary` is complete
   * once `body` has ended. Each page's patients are in the access audit before any of their rows
   * is made (an export of no patient, one record without a patient).
   */
  sdtm(protocolId: string, options: { version?: number; domain?: SdtmDomain }, caller: Caller): SdtmExport {
    const rules = requireTrialRules(protocolId);
    const version = options.version === undefined ? undefined : requireProtocol(rules.id, options.version).version;
    const name = version === undefined ? rules.id : `${rules.id}-v${version}`;
    const fileName = options.domain ? `${name}-${options.domain.toLowerCase()}.csv` : `${name}-sdtm.zip`;
    const audit: AccessEntry = { subject: fileName, details: { domain: options.domain ?? 'all' } };
    const patients = this.exportedPatients({ id: rules.id, version }, rules, caller, audit);
    const summary: ExportSummary = { dataIssues: 0 };
    if (options.domain) {
      return { fileName, contentType: 'text/csv; charset=utf-8', body: Readable.from(domainCsv(options.domain, patients, summary), { objectMode: false }), summary };
    }
    return { fileName, contentType: 'application/zip', body: Readable.from(sdtmZip(patients, summary, this.config.exportSpoolDir), { objectMode: false }), summary };
  }

  /**
   * The trial's patients at the caller's sites, each screened, replayed and made into rows, in
   * USUBJID order: a page of patients, then their logs in reads of at most LOG_ENTRIES_PER_READ
   * entries, never the whole trial. One "as of" for the whole export.
   */
  private async *exportedPatients(cut: TrialCut, rules: SdtmProtocol, caller: Caller, audit: AccessEntry): AsyncGenerator<ExportedPatient> {
    const now = this.clock.now();
    let afterSubjectId: string | null = null;
    let exported = 0;
    for (;;) {
      const page = await this.patientRows.trialPage(cut, caller.actor.siteIds, { afterSubjectId, limit: PATIENTS_PER_PAGE });
      if (!page.length) break;
      await this.access.record(
        caller,
        'export.sdtm',
        page.map((patient) => ({ ...audit, patientId: patient.id })),
      );
      exported += page.length;
      for (const part of byLogLength(page, LOG_ENTRIES_PER_READ)) {
        const logs = await this.patientRows.logs(part.map((p) => p.id));
        for (const patient of part) {
          const log = logs.get(patient.id) ?? [];
          logs.delete(patient.id);
          yield exportedPatient(rules, patient, () => this.input(patient, log, now));
        }
      }
      if (page.length < PATIENTS_PER_PAGE) break;
      afterSubjectId = page[page.length - 1].subjectId;
    }
    if (!exported) await this.access.record(caller, 'export.sdtm', [audit]);
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
    return patients.map((patient) => this.input(patient, logs.get(patient.id) ?? [], now));
  }

  /** One patient's log screened and replayed, as of `now`. */
  private input(patient: PatientEntity, storedLog: StoredLogEntry[], now: Date): PatientExportInput {
    const protocol = protocolOf(patient);
    const { trusted, issues } = screenLog(patient.id, storedLog);
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
  }
}

/** Patients per page of the SDTM export: the rows of one page, and their access records, are read at a time. */
const PATIENTS_PER_PAGE = 100;

/** At most this many log entries are read (and held) at a time, unless one patient's log alone is longer. */
const LOG_ENTRIES_PER_READ = 20_000;

/** A streamed SDTM export: its name and type for the headers, the bytes, and what is known once they have all been read. */
export interface SdtmExport {
  fileName: string;
  contentType: string;
  body: Readable;
  summary: ExportSummary;
}

/** The page's patients in runs whose logs (as long as their last seq) hold at most `entries` entries together; a longer log is a run of its own. */
function byLogLength(page: PatientEntity[], entries: number): PatientEntity[][] {
  const runs: PatientEntity[][] = [];
  let run: PatientEntity[] = [];
  let held = 0;
  for (const patient of page) {
    if (run.length && held + patient.lastSeq > entries) {
      runs.push(run);
      run = [];
      held = 0;
    }
    run.push(patient);
    held += patient.lastSeq;
  }
  if (run.length) runs.push(run);
  return runs;
}

/** A patient's rows of every domain, or, when its record cannot be read or exported, the data issue saying why (the others are exported). */
function exportedPatient(rules: SdtmProtocol, patient: PatientEntity, input: () => PatientExportInput): ExportedPatient {
  let dataIssues: DataIssue[] = [];
  try {
    const built = input();
    dataIssues = built.dataIssues;
    return { patient, rows: sdtmRowsOf(rules, built), dataIssues, failure: null };
  } catch (error) {
    return { patient, rows: null, dataIssues, failure: exportFailure(patient.id, error) };
  }
}

/** A registration with no demographics: the replay of a log that has none starts from it. */
const REGISTRATION_PLACEHOLDER = { seq: 0, type: 'PATIENT_REGISTERED', data: {}, occurredAt: '' };
