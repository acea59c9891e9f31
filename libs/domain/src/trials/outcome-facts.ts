import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  type DataIssue,
  deepFreeze,
  factsAsOf,
  isSchedulerEventType,
  latestProtocols,
  type LifecycleSpec,
  type LoggedEvent,
  OUTCOME_LAB_CODES,
  type PatientLog,
  type PatientReading,
  productPath,
  type ProductPath,
  readPatient,
  screenLog,
  trialRulesOf,
} from '#protocols';
import type { OutcomeFactsEntity, PatientEntity } from '../persistence/entities';
import { parseStoredJson, type StoredLogEntry } from '../persistence/stored-rows';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Metrics } from '../metrics';
import { type OutcomeRowHead, OutcomeFactsRows, type ReadPatient } from './outcome-facts-rows';

/** The events the outcomes read beside the registration (every other entry a person recorded is contact with the patient). */
export const OUTCOME_EVENTS = [
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

export type { ReadPatient } from './outcome-facts-rows';

/**
 * A patient's log as the outcomes read it (the whole log; `OutcomeFacts` keeps the same reading
 * folded). Every event a person recorded is contact with the patient (survival is censored at the
 * last contact); what the scheduler raised on its own (a reminder, a missed visit, the DLT window or
 * follow-up ending) is not. The outcome events feed the measures.
 */
export function outcomeLog(patient: Pick<PatientEntity, 'id' | 'cohort'>, log: StoredLogEntry[], ownWords: boolean): PatientLog {
  const { trusted, issues } = screenLog(patient.id, log, ['PATIENT_REGISTERED', ...OUTCOME_EVENTS]);
  const registration = trusted.find((e) => e.type === 'PATIENT_REGISTERED');
  return {
    patientId: patient.id,
    cohort: patient.cohort,
    birthDate: birthDateOf(registration),
    events: trusted
      .filter((e) => !isSchedulerEventType(e.type))
      .map((e) => ({
        seq: e.seq,
        type: OUTCOME_EVENTS.includes(e.type) ? e.type : 'CONTACT',
        data: ownWords ? (e.data as Record<string, unknown>) : withoutWords(e.type, e.data as Record<string, unknown>),
        occurredAt: e.occurredAt as string,
      })),
    dataIssues: registration ? issues : [...issues, unregistered(patient.id)],
  };
}

const birthDateOf = (registration: StoredLogEntry | undefined): string => {
  const birthDate = (registration?.data as { birthDate?: unknown } | undefined)?.birthDate;
  return typeof birthDate === 'string' ? birthDate : '';
};

const unregistered = (patientId: string): DataIssue => ({ patientId, seq: null, type: 'PATIENT_REGISTERED', field: 'log', problem: 'has no registration: the age is unknown' });

/** The event's data with the words the figures would show (another site's) replaced by a mark that they were given. */
function withoutWords(type: string, data: Record<string, unknown>): Record<string, unknown> {
  const field = GIVEN_WORDS[type];
  return field && typeof data[field] === 'string' ? { ...data, [field]: ANOTHER_SITES_WORDS } : data;
}

/**
 * What the outcomes need of a log, folded entry by entry: the outcome events (of the lab results,
 * those of the tests the outcomes read), the latest time of contact among the rest, and what the
 * screening left out. `odd` marks a log this cannot stand for (an entry whose time is not text),
 * which is then always read whole.
 */
export interface OutcomeFold {
  /** The last log entry folded in (the row's \`seq\` says the same; a row where the two differ is folded again from the start). */
  seq: number;
  registered: boolean;
  birthDate: string;
  events: LoggedEvent[];
  contactAt: string | null;
  issues: DataIssue[];
  odd: boolean;
}

/** Folds the entries (in seq order, past those already folded) into `fold`; a new fold when null. */
export function foldOutcomeLog(patientId: string, fold: OutcomeFold | null, entries: readonly StoredLogEntry[]): OutcomeFold {
  const { trusted, issues } = screenLog(patientId, entries, ['PATIENT_REGISTERED', ...OUTCOME_EVENTS]);
  const next: OutcomeFold = fold
    ? { ...fold, events: [...fold.events], issues: [...fold.issues, ...issues] }
    : { seq: 0, registered: false, birthDate: '', events: [], contactAt: null, issues, odd: false };
  next.seq = entries.at(-1)?.seq ?? next.seq;
  for (const e of trusted) {
    if (e.type === 'PATIENT_REGISTERED' && !next.registered) {
      next.registered = true;
      next.birthDate = birthDateOf(e);
    }
    if (isSchedulerEventType(e.type)) continue;
    if (typeof e.occurredAt !== 'string') {
      next.odd = true;
      continue;
    }
    const data = e.data as Record<string, unknown>;
    const read = OUTCOME_EVENTS.includes(e.type) && (e.type !== 'LAB_RESULT_RECORDED' || OUTCOME_LAB_CODES.includes(String(data?.code)));
    if (read) next.events.push({ seq: e.seq, type: e.type, data, occurredAt: e.occurredAt });
    else if (next.contactAt === null || e.occurredAt > next.contactAt) next.contactAt = e.occurredAt;
  }
  return next;
}

/** A patient's reading kept in the read model: as of `through`, with the product path as another site sees it. */
export interface StoredReading {
  reading: PatientReading;
  othersProduct: ProductPath | null;
  /** The screening's issues, and a missing registration. */
  issues: DataIssue[];
}

/** The reading of a fold as of its last clinical time (`through`, null when there is nothing to read or the fold is odd). */
export function readFold(
  rules: LifecycleSpec,
  patient: Pick<PatientEntity, 'id' | 'cohort' | 'siteId'>,
  fold: OutcomeFold,
): { through: string | null; stored: StoredReading | null } {
  const events: LoggedEvent[] = fold.contactAt ? [...fold.events, { type: 'CONTACT', data: {}, occurredAt: fold.contactAt }] : fold.events;
  const through = fold.odd ? null : events.reduce<string | null>((last, e) => (last === null || e.occurredAt > last ? e.occurredAt : last), null);
  const issues = fold.registered ? fold.issues : [...fold.issues, unregistered(patient.id)];
  // Nothing to read it as of: such a patient is read from its whole log.
  if (through === null) return { through, stored: null };
  const log: PatientLog = { patientId: patient.id, cohort: patient.cohort, site: patient.siteId, birthDate: fold.birthDate, events, dataIssues: [] };
  const reading = readPatient(rules, log, through);
  const othersProduct = 'facts' in reading ? productPath(events.map((e) => ({ ...e, data: withoutWords(e.type, e.data) }))) : null;
  return { through, stored: { reading, othersProduct, issues } };
}

/** The reading a caller gets as of `asOf` (at or after the stored `through`): its site named only when it may see it, another site's words only as given. */
export function readingFor(stored: StoredReading, patient: Pick<PatientEntity, 'siteId'>, seen: boolean, asOf: string): PatientReading {
  const { reading } = stored;
  if ('failure' in reading) return reading;
  // As of `asOf` first, from the stored facts themselves (their ICAHT is graded once a day: `factsAsOf`), then as the caller sees them.
  const facts = factsAsOf(reading.facts, asOf);
  return { facts: { ...facts, site: seen ? patient.siteId : null, product: seen ? facts.product : (stored.othersProduct ?? facts.product) } };
}

/** Bump when what the fold keeps or how a reading is made changes: every row is then folded again from its log. */
const READING_VERSION = 1;
const rulesKeys = new Map<LifecycleSpec, string>();
/** The rules and the reading a row was made by. */
export function rulesKey(rules: LifecycleSpec): string {
  let key = rulesKeys.get(rules);
  if (!key) {
    key = createHash('sha256')
      .update(`${READING_VERSION}:${JSON.stringify(rules)}`)
      .digest('hex');
    rulesKeys.set(rules, key);
  }
  return key;
}

/**
 * A patient's row as a reading needs it (the fold left unread), its reading parsed and frozen through:
 * the memo shares it across requests, and `factsAsOf` and `outcomesOf` cache what they compute of it.
 */
interface ReadingRow extends OutcomeRowHead {
  stored: StoredReading | null;
}

const sameHead = (a: OutcomeRowHead, b: OutcomeRowHead) => a.seq === b.seq && a.rulesKey === b.rulesKey && a.cohort === b.cohort && a.through === b.through && a.size === b.size;

/**
 * Patients folded per read of their logs. The worker's beat shares its event loop with the timers it
 * fires, so a fold is cut into batches small enough not to hold them up (one batch of patients with
 * two years of follow-up each is some 25,000 entries screened).
 */
const BATCH = 50;

/**
 * The outcomes' read model (ADR 0021): each patient's reading, kept in `outcome_facts` and folded
 * forward from the entries added since, by the worker on its maintenance beat and by a read that finds
 * a row behind its patient. It is derived, never the record: a missing row, or one behind the log, of
 * other rules or another cohort, is folded again; deleting the table loses nothing. Its statements
 * are `OutcomeFactsRows`'.
 */
@Injectable()
export class OutcomeFacts {
  private readonly logger = new Logger(OutcomeFacts.name);
  /**
   * The readings this process's requests last read or folded, by patient, parsed (least recently
   * used first): a read takes a patient's from here while its row's head (`seq`, rules, cohort,
   * `through`, the reading's size) is the one it was parsed from, and reads and parses the row only
   * when it is not. At most `OUTCOMES_MEMO_PATIENTS` patients. Only a request fills it: the worker's
   * beat folds rows it never reads again, and keeps none.
   */
  private readonly memo = new Map<string, ReadingRow>();

  constructor(
    private readonly table: OutcomeFactsRows,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'outcomesMemoPatients'>,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Each patient's stored reading, brought up to its log first where it is behind; a patient whose
   * reading cannot stand for `asOf` (a date before its last entry, an odd log) is left out, for the
   * caller to read from the whole log.
   */
  async readings(rules: LifecycleSpec, patients: readonly ReadPatient[], asOf: string): Promise<Map<string, StoredReading>> {
    const key = rulesKey(rules);
    const rows = await this.rows(patients.map((p) => p.id));
    const behind = patients.filter((p) => !current(rows.get(p.id), p, key));
    // A read answers from what it folded even when the rows could not be stored (a lock timeout, a
    // read-only replica): the answer is the log's either way, and the next read or beat folds them again.
    const { folded, unstored } = await this.refresh(rules, behind, (error) => {
      this.logger.warn({ err: error, protocolId: rules.id, patients: behind.length }, 'outcome rows folded by a read not stored; answered from the fold, to be folded again');
    });
    for (const [id, row] of folded) {
      rows.set(id, row);
      // The memo mirrors the stored rows: one the table does not hold would never match its head.
      if (!unstored.has(id)) this.remember(id, row);
    }
    this.metrics.outcomeReadings.inc({ from: 'fold' }, folded.size);
    const readings = new Map<string, StoredReading>();
    for (const p of patients) {
      const row = rows.get(p.id);
      if (row?.stored && row.through && asOf >= row.through) readings.set(p.id, row.stored);
    }
    return readings;
  }

  /** Brings the rows of up to `limit` patients that are behind their logs up to them (the worker's beat); says how many. */
  async catchUp(limit = 500): Promise<number> {
    let folded = 0;
    for (const protocol of latestProtocols()) {
      const rules = trialRulesOf(protocol.spec.id);
      if (!rules || folded >= limit) continue;
      const behind = await this.table.behind(rules.id, rulesKey(rules), limit - folded);
      folded += (await this.refresh(rules, behind)).folded.size;
    }
    return folded;
  }

  /**
   * Folds the patients' rows forward (or afresh) and stores them. A store that fails throws, unless
   * `storeFailed` is given: it is then told once, and the rest are folded without being stored (`unstored`).
   */
  private async refresh(
    rules: LifecycleSpec,
    patients: readonly ReadPatient[],
    storeFailed?: (error: unknown) => void,
  ): Promise<{ folded: Map<string, ReadingRow>; unstored: Set<string> }> {
    const refreshed = new Map<string, ReadingRow>();
    const unstored = new Set<string>();
    const key = rulesKey(rules);
    // Every folder stores its rows in the order of their ids: two folding the same patients at once
    // (a read and the worker's beat) lock the rows in one order and wait for each other, never in a
    // deadlock (in the order the patients came, a 2,000-patient trial's first read deadlocked with the beat).
    const inOrder = [...patients].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let i = 0; i < inOrder.length; i += BATCH) {
      const batch = inOrder.slice(i, i + BATCH);
      const bases = new Map<string, { seq: number; fold: OutcomeFold }>();
      const folds = await this.table.texts(
        batch.map((p) => p.id),
        'fold',
      );
      for (const p of batch) {
        const row = folds.get(p.id);
        const fold = row && (parseStoredJson(row.text) as OutcomeFold | undefined);
        if (row && fold && row.rulesKey === key && row.cohort === p.cohort && fold.seq === row.seq) bases.set(p.id, { seq: row.seq, fold });
      }
      const entries = await this.table.logsAfter(
        batch.map((p) => p.id),
        new Map(batch.map((p) => [p.id, bases.get(p.id)?.seq ?? 0])),
      );
      const rows: OutcomeFactsEntity[] = batch.map((p) => {
        const base = bases.get(p.id);
        const added = entries.get(p.id) ?? [];
        const fold = foldOutcomeLog(p.id, base?.fold ?? null, added);
        const seq = fold.seq;
        const { through, stored } = readFold(rules, p, fold);
        const reading = JSON.stringify(stored);
        refreshed.set(p.id, { seq, rulesKey: key, cohort: p.cohort, through, size: Buffer.byteLength(reading), stored: deepFreeze(stored) });
        return { patientId: p.id, protocolId: rules.id, seq, rulesKey: key, cohort: p.cohort, through, fold: JSON.stringify(fold), reading };
      });
      if (unstored.size) for (const row of rows) unstored.add(row.patientId);
      else {
        try {
          await this.table.store(rows);
        } catch (error) {
          if (!storeFailed) throw error;
          storeFailed(error);
          for (const row of rows) unstored.add(row.patientId);
        }
      }
    }
    return { folded: refreshed, unstored };
  }

  /** Keeps a reading a request read or folded (never one the worker folded), the least recently used out past the limit. */
  private remember(patientId: string, row: ReadingRow): void {
    const limit = this.config.outcomesMemoPatients;
    if (limit === 0) return;
    this.memo.delete(patientId);
    this.memo.set(patientId, row);
    // The least recently used go first: a Map iterates in insertion order.
    for (const oldest of this.memo.keys()) {
      if (this.memo.size <= limit) break;
      this.memo.delete(oldest);
    }
    this.metrics.outcomeReadingsKept.set(this.memo.size);
  }

  /**
   * The rows of the patients, their readings parsed: each row's head is read, and its reading only
   * where the memo does not hold the one that head stands for. A reading that is not JSON is left
   * out (the patient is then folded again).
   */
  private async rows(ids: readonly string[]): Promise<Map<string, ReadingRow>> {
    const rows = new Map<string, ReadingRow>();
    const unread: string[] = [];
    let fromMemo = 0;
    let parsed = 0;
    for (const [patientId, head] of await this.table.heads(ids)) {
      const kept = this.memo.get(patientId);
      if (kept && sameHead(kept, head)) {
        rows.set(patientId, kept);
        this.remember(patientId, kept);
        fromMemo += 1;
      } else unread.push(patientId);
    }
    for (const [patientId, row] of await this.table.texts(unread, 'reading')) {
      const stored = deepFreeze(parseStoredJson(row.text) as StoredReading | null | undefined);
      if (stored === undefined) continue;
      const { text, ...head } = row;
      const read = { ...head, size: Buffer.byteLength(text), stored };
      rows.set(patientId, read);
      this.remember(patientId, read);
      parsed += 1;
    }
    this.metrics.outcomeReadings.inc({ from: 'memo' }, fromMemo);
    this.metrics.outcomeReadings.inc({ from: 'row' }, parsed);
    return rows;
  }
}

/** Whether the row stands for the patient's log as the patient row gives it. */
function current(row: ReadingRow | undefined, patient: ReadPatient, key: string): boolean {
  return row !== undefined && row.rulesKey === key && row.cohort === patient.cohort && row.seq >= patient.lastSeq;
}
