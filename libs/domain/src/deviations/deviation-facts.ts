import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, In } from 'typeorm';
import {
  type DataIssue,
  type DeviationLogEntry,
  findProtocol,
  latestProtocols,
  PROTOCOLS,
  screenLog,
  type StandingDeviations,
  standingDeviations,
  unreadableEntry,
} from '#protocols';
import { DeviationFactsEntity, PatientEntity } from '../persistence/entities';
import { parseStoredJson, readStoredLogs, type StoredLogEntry } from '../persistence/stored-rows';
import { TransactionRunner } from '../persistence/transaction-runner';
import { protocolOf } from '../kernel/require-protocol';
import { contextOf, type PersistedSnapshot, persistSnapshot, restoreMachine } from '../kernel/machine-boundary';
import { continueReplay, type LogEntry, type ReplayEnd, replayLog } from '../audit/replay';

/** The entries the deviation rules read beside the replayed record (trial/protocol-deviations.ts: late DLTs, the site's own). */
export const DEVIATION_EVENTS = ['ADVERSE_EVENT_REPORTED', 'DLT_ADJUDICATED', 'DLT_WINDOW_CLOSED', 'PROTOCOL_DEVIATION_RECORDED'];

/** The patient row's fields a fold depends on: the replay starts on its protocol version and cohort when the registration names none. */
export type FoldPatient = Pick<PatientEntity, 'id' | 'protocolId' | 'protocolVersion' | 'cohort' | 'lastSeq'>;

/**
 * What the deviations need of a log, folded entry by entry: where the replay of the trusted entries
 * ended (the protocol version and the machine's snapshot: the record), the entries the rules read,
 * and the issues met on the way (the screening's, then the replay's, each in log order).
 */
export interface DeviationFold {
  /** The last log entry folded in (the row's `seq` says the same; a row where the two differ is folded again from the start). */
  seq: number;
  /** Null before the registration, or when the replay could not start: such a fold is never folded onto, only again from the start. */
  replay: { protocolId: string; version: number; cohort: string | null; snapshot: PersistedSnapshot } | null;
  entries: DeviationLogEntry[];
  screened: DataIssue[];
  unreadable: DataIssue[];
}

/** A patient's deviations kept in the read model: those no date changes and the open visits (null: none to list), and the data issues. */
export interface StoredDeviations {
  standing: StandingDeviations | null;
  issues: DataIssue[];
}

/**
 * Folds the entries (in seq order, past those already folded) into `fold` (a new fold when null or
 * when it has no replay to go on from) and reads it: the same steps as reading the whole log
 * (`DeviationService.readLog`), the replay taken up where it ended.
 */
export function foldDeviationLog(patient: FoldPatient, fold: DeviationFold | null, added: readonly StoredLogEntry[]): { fold: DeviationFold; stored: StoredDeviations } {
  const base = fold?.replay ? fold : null;
  // A kept replay that cannot be restored is no fold to go on from: the caller folds the whole log instead.
  const from = base?.replay ? resumed(base.replay) : null;
  const { trusted, issues } = screenLog(patient.id, added);
  // Screened: every trusted entry has an ISO 8601 occurredAt and data its schema takes.
  const log = trusted as LogEntry[];
  const next: DeviationFold = {
    seq: added.at(-1)?.seq ?? base?.seq ?? 0,
    replay: null,
    entries: [...(base?.entries ?? []), ...log.filter((e) => DEVIATION_EVENTS.includes(e.type))],
    screened: [...(base?.screened ?? []), ...issues],
    unreadable: [...(base?.unreadable ?? [])],
  };
  const options = { answers: true as const, onUnreadable: (entry: LogEntry, error: unknown) => next.unreadable.push(unreadableEntry(patient.id, entry, error)) };
  let failure: DataIssue | null = null;
  let standing: StandingDeviations | null = null;
  try {
    const end: ReplayEnd | undefined = from ? continueReplay(from, log, options) : registered(replayLog(protocolOf(patient), log, options));
    if (end) {
      next.replay = { protocolId: end.protocol.id, version: end.protocol.version, cohort: end.protocol.cohort, snapshot: persistSnapshot(end.protocol, end.final) };
      standing = standingDeviations(end.protocol.spec, contextOf(end.final), next.entries);
    }
  } catch (error) {
    failure = unreadableEntry(patient.id, { type: null }, error, 'record');
  }
  return { fold: next, stored: { standing, issues: [...next.screened, ...next.unreadable, ...(failure ? [failure] : [])] } };
}

const registered = (replay: { final: ReplayEnd['final'] | undefined; protocol: ReplayEnd['protocol'] }): ReplayEnd | undefined =>
  replay.final ? { final: replay.final, protocol: replay.protocol } : undefined;

/** The replay's end a fold kept, restored as the engine restores a patient's snapshot. */
function resumed(replay: NonNullable<DeviationFold['replay']>): ReplayEnd {
  const found = findProtocol(replay.protocolId, replay.version);
  if (!found) throw new Error(`protocol ${replay.protocolId} v${replay.version} is not loaded`);
  const protocol = found.forCohort(replay.cohort);
  return { protocol, final: restoreMachine(protocol, replay.snapshot) };
}

/** Bump when what the fold keeps or how the deviations are read from it changes: every row is then folded again from its log. */
const READING_VERSION = 1;
const rulesKeys = new Map<string, string>();
/** Every version of the protocol (a log crosses them) and the reading a row was made by. */
export function deviationRulesKey(protocolId: string): string {
  let key = rulesKeys.get(protocolId);
  if (!key) {
    const versions = PROTOCOLS.filter((p) => p.id === protocolId).map((p) => p.spec);
    key = createHash('sha256')
      .update(`${READING_VERSION}:${JSON.stringify(versions)}`)
      .digest('hex');
    rulesKeys.set(protocolId, key);
  }
  return key;
}

/** A patient's row as a read needs it (the fold left unread). */
interface DeviationRow {
  seq: number;
  rulesKey: string;
  protocolVersion: number;
  cohort: string | null;
  stored: StoredDeviations;
}

/** Patients folded per read of their logs: small enough not to hold up the timers the worker's beat fires beside it (ADR 0021). */
const BATCH = 50;
/** Ids per `IN` list (SQLite and PostgreSQL cap a statement's parameters). */
const CHUNK = 1000;

/**
 * The protocol deviations' read model (ADR 0024): each patient's standing deviations, kept in
 * `deviation_facts` and folded forward from the entries added since, by the worker on its
 * maintenance beat and by a read that finds a row behind its patient, as the outcomes' (ADR 0021).
 * Derived, never the record: a missing row, one behind the log, of other rules, another cohort or
 * protocol version, or not JSON, is folded again; deleting the table loses nothing.
 */
@Injectable()
export class DeviationFacts {
  private readonly logger = new Logger(DeviationFacts.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
  ) {}

  /** Each patient's stored deviations, brought up to its log first where it is behind. */
  async readings(patients: readonly FoldPatient[]): Promise<Map<string, StoredDeviations>> {
    const rows = await this.rows(patients.map((p) => p.id));
    const behind = patients.filter((p) => !current(rows.get(p.id), p));
    // A read answers from what it folded even when it cannot store it (the worker's beat stores it later).
    for (const [id, row] of await this.refresh(behind, 'read')) rows.set(id, row);
    return new Map(patients.flatMap((p) => (rows.has(p.id) ? [[p.id, rows.get(p.id)!.stored] as const] : [])));
  }

  /** Brings the rows of up to `limit` patients that are behind their logs up to them (the worker's beat); says how many. */
  async catchUp(limit = 500): Promise<number> {
    let folded = 0;
    for (const protocol of latestProtocols()) {
      if (folded >= limit) break;
      const behind: FoldPatient[] = await this.dataSource
        .getRepository(PatientEntity)
        .createQueryBuilder('p')
        .leftJoin(DeviationFactsEntity, 'f', 'f.patient_id = p.id')
        .select(['p.id AS "id"', 'p.protocol_id AS "protocolId"', 'p.protocol_version AS "protocolVersion"', 'p.cohort AS "cohort"', 'p.last_seq AS "lastSeq"'])
        .where('p.protocol_id = :protocolId', { protocolId: protocol.id })
        .andWhere(
          "(f.patient_id IS NULL OR f.seq < p.last_seq OR f.rules_key <> :key OR f.protocol_version <> p.protocol_version OR COALESCE(f.cohort, '') <> COALESCE(p.cohort, ''))",
          { key: deviationRulesKey(protocol.id) },
        )
        .orderBy('p.id', 'ASC')
        .limit(limit - folded)
        .getRawMany();
      folded += (
        await this.refresh(
          behind.map((p) => ({ ...p, protocolVersion: Number(p.protocolVersion), lastSeq: Number(p.lastSeq) })),
          'beat',
        )
      ).size;
    }
    return folded;
  }

  /** Folds the patients' rows forward (or afresh) and stores them; a read's store that fails is logged, its folds still answered. */
  private async refresh(patients: readonly FoldPatient[], by: 'read' | 'beat'): Promise<Map<string, DeviationRow>> {
    const refreshed = new Map<string, DeviationRow>();
    // In the order of their ids, as the outcomes' folders store theirs: two folding the same patients wait for each other, never deadlock.
    const inOrder = [...patients].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let i = 0; i < inOrder.length; i += BATCH) {
      const batch = inOrder.slice(i, i + BATCH);
      const bases = await this.bases(batch);
      const entries = await readStoredLogs(
        this.dataSource,
        batch.map((p) => p.id),
        new Map(batch.map((p) => [p.id, bases.get(p.id)?.seq ?? 0])),
      );
      const rows: DeviationFactsEntity[] = [];
      for (const p of batch) {
        const { fold, stored } = await this.fold(p, bases.get(p.id) ?? null, entries.get(p.id) ?? []);
        const row = { seq: fold.seq, rulesKey: deviationRulesKey(p.protocolId), protocolVersion: p.protocolVersion, cohort: p.cohort };
        refreshed.set(p.id, { ...row, stored });
        rows.push({ patientId: p.id, protocolId: p.protocolId, ...row, fold: JSON.stringify(fold), reading: JSON.stringify(stored) });
      }
      try {
        // Two folding the same patient write the same row; a row written from an older read is behind its log and folded again.
        await this.tx.dialect.standalone((m) =>
          m
            .createQueryBuilder()
            .insert()
            .into(DeviationFactsEntity)
            .values(rows)
            .orUpdate(['protocol_id', 'protocol_version', 'seq', 'rules_key', 'cohort', 'fold', 'reading'], ['patient_id'])
            .execute(),
        );
      } catch (error) {
        if (by === 'beat') throw error;
        this.logger.warn(`deviation_facts: ${rows.length} rows folded on a read were not stored: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return refreshed;
  }

  /** The patient's fold brought up to its log: onto `base` with the entries added, or, when its kept replay cannot be restored, from the whole log. */
  private async fold(patient: FoldPatient, base: DeviationFold | null, added: readonly StoredLogEntry[]) {
    if (!base) return foldDeviationLog(patient, null, added);
    try {
      return foldDeviationLog(patient, base, added);
    } catch {
      const whole = await readStoredLogs(this.dataSource, [patient.id]);
      return foldDeviationLog(patient, null, whole.get(patient.id) ?? []);
    }
  }

  /** The rows of the patients, their readings parsed; a reading that is not JSON is left out (the patient is then folded again). */
  private async rows(ids: readonly string[]): Promise<Map<string, DeviationRow>> {
    const rows = new Map<string, DeviationRow>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const found = await this.dataSource.getRepository(DeviationFactsEntity).find({
        where: { patientId: In(ids.slice(i, i + CHUNK)) },
        select: { patientId: true, seq: true, rulesKey: true, protocolVersion: true, cohort: true, reading: true },
      });
      for (const row of found) {
        const stored = parseStoredJson(row.reading) as StoredDeviations | undefined;
        if (!stored || !Array.isArray(stored.issues)) continue;
        rows.set(row.patientId, { seq: Number(row.seq), rulesKey: row.rulesKey, protocolVersion: Number(row.protocolVersion), cohort: row.cohort, stored });
      }
    }
    return rows;
  }

  /** The folds of the patients that can be folded onto: of the same rules, cohort and version, their `seq` the row's. */
  private async bases(patients: readonly FoldPatient[]): Promise<Map<string, DeviationFold>> {
    const found = await this.dataSource.getRepository(DeviationFactsEntity).find({
      where: { patientId: In(patients.map((p) => p.id)) },
      select: { patientId: true, seq: true, rulesKey: true, protocolVersion: true, cohort: true, fold: true },
    });
    const byId = new Map(patients.map((p) => [p.id, p]));
    const bases = new Map<string, DeviationFold>();
    for (const row of found) {
      const patient = byId.get(row.patientId)!;
      const fold = parseStoredJson(row.fold) as DeviationFold | undefined;
      const same = row.rulesKey === deviationRulesKey(patient.protocolId) && Number(row.protocolVersion) === patient.protocolVersion && row.cohort === patient.cohort;
      if (fold?.replay && same && fold.seq === Number(row.seq) && Array.isArray(fold.entries)) bases.set(row.patientId, fold);
    }
    return bases;
  }
}

/** Whether the row stands for the patient's log as the patient row gives it. */
function current(row: DeviationRow | undefined, patient: FoldPatient): boolean {
  return (
    row !== undefined &&
    row.rulesKey === deviationRulesKey(patient.protocolId) &&
    row.protocolVersion === patient.protocolVersion &&
    row.cohort === patient.cohort &&
    row.seq >= patient.lastSeq
  );
}
