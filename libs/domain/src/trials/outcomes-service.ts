import { Injectable } from '@nestjs/common';
import { type DataIssue, type PatientReading, readPatient, trialOutcomesOf } from '#protocols';
import { requireProtocol, requireTrialRules } from '../kernel/require-protocol';
import type { PatientEntity } from '../persistence/entities';
import { PatientRepository } from '../persistence/repositories/patient-repository';
import { Clock } from '../kernel/clock';
import { type Actor, canSeeSite } from '../kernel/actor';
import { OutcomeFacts, outcomeLog, readingFor } from './outcome-facts';

export { ANOTHER_SITES_WORDS } from './outcome-facts';

/** Trial outcomes (`GET /trials/:protocolId/outcomes`): a read model computed from the event log. */
@Injectable()
export class OutcomesService {
  constructor(
    private readonly patientRows: PatientRepository,
    private readonly clock: Clock,
    private readonly facts: OutcomeFacts,
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
    // Each patient's reading from the read model (ADR 0021); the patients it cannot stand for as of
    // `asOf` (a date before their last entry, an odd log) are read from their whole logs.
    const kept = await this.facts.readings(rules, patients, asOf);
    const logs = await this.patientRows.logs(patients.filter((p) => !kept.has(p.id)).map((p) => p.id));
    const screened: DataIssue[] = [];
    const readings: PatientReading[] = patients.map((p) => {
      const seen = canSeeSite(actor, p.siteId);
      const stored = kept.get(p.id);
      if (stored) {
        screened.push(...stored.issues);
        return readingFor(stored, p, seen, asOf);
      }
      const log = { ...outcomeLog(p, logs.get(p.id) ?? [], seen), site: seen ? p.siteId : null };
      screened.push(...(log.dataIssues ?? []));
      return readPatient(rules, log, asOf);
    });
    // One trial, one reading of its measures: the trial's rules (the newest version's) for every patient.
    const outcomes = trialOutcomesOf(rules, screened, readings, asOf);
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
