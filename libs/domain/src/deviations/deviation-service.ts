import { Injectable } from '@nestjs/common';
import { type DataIssue, deviationsAsOf, type ProtocolDeviation, screenLog, standingDeviations, unreadableEntry, type WindowCompliance } from '#protocols';
import { protocolOf, requireTrialRules } from '../kernel/require-protocol';
import type { Actor } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import { contextOf } from '../kernel/machine-boundary';
import { type LogEntry, replayLog } from '../audit/replay';
import { PatientRepository } from '../persistence/repositories/patient-repository';
import type { PatientEntity } from '../persistence/entities';
import type { StoredLogEntry } from '../persistence/stored-rows';
import { DeviationFacts, type StoredDeviations } from './deviation-facts';

/** One deviation as the trial lists it: whose it is and where. */
export interface TrialDeviation extends ProtocolDeviation {
  patientId: string;
  subjectId: string;
  siteId: string;
}

/** A site's deviations and its window compliance: visits done in their window over the visits done or missed. */
export interface SiteDeviationFigures {
  siteId: string;
  patients: number;
  deviations: number;
  major: number;
  minor: number;
  visitsInWindow: number;
  visitsOutOfWindow: number;
  visitsMissed: number;
  /** Null while no visit of the site is settled. */
  windowComplianceRate: number | null;
}

export interface DeviationFilter {
  siteId?: string;
  patientId?: string;
}

/** One patient's deviations and settled visits, as read from its log. */
export interface PatientDeviations {
  patient: Pick<PatientEntity, 'id' | 'subjectId' | 'siteId'>;
  deviations: ProtocolDeviation[];
  compliance: WindowCompliance;
}

/**
 * Protocol deviations (README, "Protocol deviations"): each patient's log of the trial is screened and
 * replayed, and its deviations derived from the record and the log (trial/protocol-deviations.ts), so
 * a deviation is never stored twice nor out of step with the record. Only the caller's sites are read.
 * What no date changes is kept per patient in the read model (`DeviationFacts`, ADR 0024), folded
 * forward from the entries added; a patient it has nothing for is read from its whole log.
 */
@Injectable()
export class DeviationService {
  constructor(
    private readonly patientRows: PatientRepository,
    private readonly clock: Clock,
    private readonly facts: DeviationFacts,
  ) {}

  /** The trial's deviations at the caller's sites (one site's, one patient's, when filtered), with each site's figures. */
  async ofTrial(protocolId: string, filter: DeviationFilter, actor: Actor) {
    const rules = requireTrialRules(protocolId);
    const now = this.clock.now().toISOString();
    const rows = await this.patientRows.ofTrial({ id: rules.id }, actor.siteIds);
    const patients = rows.filter((p) => (!filter.siteId || p.siteId === filter.siteId) && (!filter.patientId || p.id === filter.patientId));
    const { read, dataIssues } = await this.read(patients, now);
    const deviations: TrialDeviation[] = read.flatMap(({ patient, deviations }) =>
      deviations.map((d) => ({ ...d, patientId: patient.id, subjectId: patient.subjectId, siteId: patient.siteId })),
    );
    deviations.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.subjectId.localeCompare(b.subjectId)));
    return { protocolId: rules.id, asOf: now, deviations, sites: siteFigures(read), dataIssues };
  }

  /**
   * Each patient's deviations and settled visits as of `now`, in the patients' order: from the read
   * model, or from the whole log for a patient it has nothing for. A log that cannot be replayed is
   * listed as a data issue, never an error for the others.
   */
  async read(patients: readonly PatientEntity[], now: string): Promise<{ read: PatientDeviations[]; dataIssues: DataIssue[] }> {
    if (!patients.length) return { read: [], dataIssues: [] };
    const kept = await this.facts.readings(patients);
    const unkept = patients.filter((p) => !kept.has(p.id));
    const logs = unkept.length ? await this.patientRows.logs(unkept.map((p) => p.id)) : new Map<string, StoredLogEntry[]>();
    const read: PatientDeviations[] = [];
    const dataIssues: DataIssue[] = [];
    for (const patient of patients) {
      const { standing, issues } = kept.get(patient.id) ?? readLog(patient, logs.get(patient.id) ?? []);
      dataIssues.push(...issues);
      if (standing) read.push({ patient, ...deviationsAsOf(standing, now) });
    }
    return { read, dataIssues };
  }
}

/**
 * A patient's deviations from its whole log, screened and replayed from the registration: what the
 * read model keeps folded (`foldDeviationLog`), computed at once.
 */
export function readLog(patient: PatientEntity, log: readonly StoredLogEntry[]): StoredDeviations {
  const screened = screenLog(patient.id, log);
  const issues = [...screened.issues];
  // Screened: every trusted entry has an ISO 8601 occurredAt and data its schema takes.
  const trusted = screened.trusted as LogEntry[];
  try {
    const replay = replayLog(protocolOf(patient), trusted, {
      answers: true,
      onUnreadable: (entry, error) => {
        issues.push(unreadableEntry(patient.id, entry, error));
      },
    });
    if (!replay.final) return { standing: null, issues };
    return { standing: standingDeviations(replay.protocol.spec, contextOf(replay.final), trusted), issues };
  } catch (error) {
    return { standing: null, issues: [...issues, unreadableEntry(patient.id, { type: null }, error, 'record')] };
  }
}

/** Per site, in site order: its deviations by severity and its window compliance. */
export function siteFigures(read: readonly PatientDeviations[]): SiteDeviationFigures[] {
  const bySite = new Map<string, SiteDeviationFigures>();
  for (const { patient, deviations, compliance } of read) {
    const site = bySite.get(patient.siteId) ?? {
      siteId: patient.siteId,
      patients: 0,
      deviations: 0,
      major: 0,
      minor: 0,
      visitsInWindow: 0,
      visitsOutOfWindow: 0,
      visitsMissed: 0,
      windowComplianceRate: null,
    };
    site.patients += 1;
    site.deviations += deviations.length;
    site.major += deviations.filter((d) => d.severity === 'major').length;
    site.minor += deviations.filter((d) => d.severity === 'minor').length;
    site.visitsInWindow += compliance.inWindow;
    site.visitsOutOfWindow += compliance.outOfWindow;
    site.visitsMissed += compliance.missed;
    bySite.set(patient.siteId, site);
  }
  return [...bySite.values()]
    .map((site) => {
      const settled = site.visitsInWindow + site.visitsOutOfWindow + site.visitsMissed;
      return { ...site, windowComplianceRate: settled ? site.visitsInWindow / settled : null };
    })
    .sort((a, b) => a.siteId.localeCompare(b.siteId));
}
