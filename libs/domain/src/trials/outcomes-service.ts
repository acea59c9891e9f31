import { Injectable } from '@nestjs/common';
import { type DataIssue, isSchedulerEventType, screenLog, trialOutcomes, type PatientLog } from '#protocols';
import { requireProtocol, requireTrialRules } from '../kernel/require-protocol';
import type { PatientEntity } from '../persistence/entities';
import type { StoredLogEntry } from '../persistence/stored-rows';
import { PatientRepository } from '../persistence/repositories/patient-repository';
import { Clock } from '../kernel/clock';
import { type Actor, canSeeSite } from '../kernel/actor';

const OUTCOME_EVENTS = [
  'INFUSION_COMPLETED',
  'RESPONSE_ASSESSED',
  'PROGRESSION_OR_RELAPSE',
  'DEATH',
  'ADVERSE_EVENT_REPORTED',
  'LAB_RESULT_RECORDED',
  // the vein-to-vein figures
  'LEUKAPHERESIS_COMPLETED',
  'MANUFACTURING_STARTED',
  'PRODUCT_RELEASED',
  'REMANUFACTURE_ORDERED',
  'MANUFACTURING_FAILED',
  'BRIDGING_THERAPY_GIVEN',
  'WITHDRAWN',
];
/** The free text the vein-to-vein figures show, by event: written at another site, it is that site's to read (it may name a patient, a person, a place). */
const GIVEN_WORDS: Record<string, string> = { MANUFACTURING_FAILED: 'reason', WITHDRAWN: 'reason', DEATH: 'cause' };
export const ANOTHER_SITES_WORDS = '(given at another site)';

/** Trial outcomes (`GET /trials/:protocolId/outcomes`): a read model computed from the event log. */
@Injectable()
export class OutcomesService {
  constructor(
    private readonly patientRows: PatientRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * The measures count every patient of the trial, of every version of its protocol (ADR 0011), or of
   * the one version `options.version` cuts to (a version the protocol does not have is a 404 naming
   * it); the rows that name a patient (kinetics, cytokine peaks) name only the caller's own sites'
   * patients, by id and subject id, and leave the others anonymous. The vein-to-vein figures are
   * given per site for the caller's sites; the patients of the others are pooled in one row without
   * a site, and the words another site gave for a failure, death or withdrawal are counted, not shown.
   */
  async outcomes(protocolId: string, options: { version?: number; asOf?: string }, actor: Actor) {
    const rules = requireTrialRules(protocolId);
    const version = options.version === undefined ? null : requireProtocol(rules.id, options.version).version;
    const asOf = options.asOf ? new Date(options.asOf).toISOString() : this.clock.now().toISOString();
    // Every site's patients are counted; only the caller's are named (below).
    const patients = await this.patientRows.ofTrial({ id: rules.id, version: version ?? undefined }, 'all');
    const logs = await this.patientRows.logs(patients.map((p) => p.id));
    const patientLogs: PatientLog[] = patients.map((p) => {
      const seen = canSeeSite(actor, p.siteId);
      return { ...outcomeLog(p, logs.get(p.id) ?? [], seen), site: seen ? p.siteId : null };
    });
    // One trial, one reading of its measures: the trial's rules (the newest version's) for every patient.
    const outcomes = trialOutcomes(rules, patientLogs, asOf);
    const subjects = new Map(patients.filter((p) => canSeeSite(actor, p.siteId)).map((p) => [p.id, p.subjectId]));
    const named = <T extends { patientId: string }>(row: T) => {
      const subjectId = subjects.get(row.patientId);
      return subjectId === undefined ? { ...row, patientId: null, subjectId: null } : { ...row, subjectId };
    };
    // The trial and each of its cohorts: another site's patient is counted, never identified.
    const withNames = <T extends { kinetics: typeof outcomes.kinetics }>(group: T) => ({
      ...group,
      kinetics: {
        ...group.kinetics,
        perPatient: group.kinetics.perPatient.map(named),
        cytokinePeaks: group.kinetics.cytokinePeaks.map((c) => ({ ...c, peaks: c.peaks.map(named) })),
      },
    });
    return {
      ...withNames(outcomes),
      protocol: rules.id,
      version,
      versions: versionCounts(patients),
      cohorts: outcomes.cohorts.map(withNames),
      dataIssues: outcomes.dataIssues.map(named),
    };
  }
}

/** The versions the patients are on, oldest first, with how many each. */
function versionCounts(patients: ReadonlyArray<Pick<PatientEntity, 'protocolVersion'>>): Array<{ version: number; patients: number }> {
  const counts = new Map<number, number>();
  for (const p of patients) counts.set(p.protocolVersion, (counts.get(p.protocolVersion) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => a - b).map(([version, n]) => ({ version, patients: n }));
}

/**
 * A patient's log as the outcomes read it. Every event a person recorded is contact with the patient
 * (survival is censored at the last contact); what the scheduler raised on its own (a reminder, a
 * missed visit, the DLT window or follow-up ending) is not. The outcome events feed the measures.
 */
function outcomeLog(patient: Pick<PatientEntity, 'id' | 'cohort'>, log: StoredLogEntry[], ownWords: boolean): PatientLog {
  const { trusted, issues } = screenLog(patient.id, log, ['PATIENT_REGISTERED', ...OUTCOME_EVENTS]);
  const registration = trusted.find((e) => e.type === 'PATIENT_REGISTERED');
  const dataIssues: DataIssue[] = registration
    ? issues
    : [...issues, { patientId: patient.id, seq: null, type: 'PATIENT_REGISTERED', field: 'log', problem: 'has no registration: the age is unknown' }];
  const birthDate = (registration?.data as { birthDate?: unknown } | undefined)?.birthDate;
  return {
    patientId: patient.id,
    cohort: patient.cohort,
    birthDate: typeof birthDate === 'string' ? birthDate : '',
    events: trusted
      .filter((e) => !isSchedulerEventType(e.type))
      .map((e) => ({
        seq: e.seq,
        type: OUTCOME_EVENTS.includes(e.type) ? e.type : 'CONTACT',
        data: ownWords ? (e.data as Record<string, unknown>) : withoutWords(e.type, e.data as Record<string, unknown>),
        occurredAt: e.occurredAt as string,
      })),
    dataIssues,
  };
}

/** The event's data with the words the figures would show (another site's) replaced by a mark that they were given. */
function withoutWords(type: string, data: Record<string, unknown>): Record<string, unknown> {
  const field = GIVEN_WORDS[type];
  return field && typeof data[field] === 'string' ? { ...data, [field]: ANOTHER_SITES_WORDS } : data;
}
