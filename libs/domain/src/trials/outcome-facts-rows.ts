import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { OutcomeFactsEntity, PatientEntity } from '../persistence/entities';
import { readStoredLogs, type StoredLogEntry } from '../persistence/stored-rows';
import { TransactionRunner } from '../persistence/transaction-runner';

/** The patient row's fields a reading depends on. */
export type ReadPatient = Pick<PatientEntity, 'id' | 'cohort' | 'siteId' | 'lastSeq'>;

/** The columns that say which reading a row holds, without the reading: what a read compares its memo with. `size`: the stored reading's length in bytes. */
export interface OutcomeRowHead {
  seq: number;
  rulesKey: string;
  cohort: string | null;
  through: string | null;
  size: number;
}

/** A row's head (but the size) and the stored text of one of its JSON columns (the fold or the reading). */
export interface OutcomeRowText {
  seq: number;
  rulesKey: string;
  cohort: string | null;
  through: string | null;
  text: string;
}

/** Patients per query by id: well under the parameters a statement takes on SQLite (32,766) and PostgreSQL (65,535). */
const IDS_PER_READ = 1000;

/**
 * The rows of `outcome_facts` and the log entries a fold reads (ADR 0021): every statement of the
 * outcomes' read model, so `OutcomeFacts` is the fold, the memo and nothing that touches the database.
 */
@Injectable()
export class OutcomeFactsRows {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tx: TransactionRunner,
  ) {}

  /** Each row's head, by patient; a patient without a row is absent. */
  async heads(ids: readonly string[]): Promise<Map<string, OutcomeRowHead>> {
    const heads = new Map<string, OutcomeRowHead>();
    const found = await this.byId<OutcomeRowHead>(ids, [
      'f.seq AS "seq"',
      'f.rules_key AS "rulesKey"',
      'f.cohort AS "cohort"',
      'f.through AS "through"',
      `${this.tx.dialect.byteLength('f.reading')} AS "size"`,
    ]);
    for (const { patientId, ...head } of found) heads.set(patientId, { ...head, seq: Number(head.seq), size: Number(head.size) });
    return heads;
  }

  /** Each row's stored fold or reading (as text, unparsed) with its head, by patient. */
  async texts(ids: readonly string[], column: 'fold' | 'reading'): Promise<Map<string, OutcomeRowText>> {
    const texts = new Map<string, OutcomeRowText>();
    const found = await this.byId<OutcomeRowText>(ids, ['f.seq AS "seq"', 'f.rules_key AS "rulesKey"', 'f.cohort AS "cohort"', 'f.through AS "through"', `f.${column} AS "text"`]);
    for (const { patientId, ...row } of found) texts.set(patientId, { ...row, seq: Number(row.seq) });
    return texts;
  }

  /** The one reader of the table by patient id, a chunk of ids per query. */
  private async byId<T>(ids: readonly string[], columns: string[]): Promise<Array<T & { patientId: string }>> {
    const found: Array<T & { patientId: string }> = [];
    for (let i = 0; i < ids.length; i += IDS_PER_READ) {
      const chunk = await this.dataSource
        .getRepository(OutcomeFactsEntity)
        .createQueryBuilder('f')
        .select(['f.patient_id AS "patientId"', ...columns])
        .where('f.patient_id IN (:...ids)', { ids: ids.slice(i, i + IDS_PER_READ) })
        .getRawMany<T & { patientId: string }>();
      found.push(...chunk);
    }
    return found;
  }

  /** The log entries of the patients past the seq `after` gives each (a patient it does not name: the whole log). */
  logsAfter(ids: readonly string[], after: ReadonlyMap<string, number>): Promise<Map<string, StoredLogEntry[]>> {
    return readStoredLogs(this.dataSource, ids, after);
  }

  /** Up to `limit` patients of the trial whose rows are missing or behind their logs, of other rules or another cohort, in the order of their ids. */
  async behind(protocolId: string, rulesKey: string, limit: number): Promise<ReadPatient[]> {
    const behind: ReadPatient[] = await this.dataSource
      .getRepository(PatientEntity)
      .createQueryBuilder('p')
      .leftJoin(OutcomeFactsEntity, 'f', 'f.patient_id = p.id')
      .select(['p.id AS "id"', 'p.cohort AS "cohort"', 'p.site_id AS "siteId"', 'p.last_seq AS "lastSeq"'])
      .where('p.protocol_id = :protocolId', { protocolId })
      .andWhere("(f.patient_id IS NULL OR f.seq < p.last_seq OR f.rules_key <> :key OR COALESCE(f.cohort, '') <> COALESCE(p.cohort, ''))", { key: rulesKey })
      .orderBy('p.id', 'ASC')
      .limit(limit)
      .getRawMany();
    return behind.map((p) => ({ ...p, lastSeq: Number(p.lastSeq) }));
  }

  /**
   * Writes the rows in one statement, each over the patient's row: two readers folding the same
   * patient write the same row; a row written from an older read is behind its log and folded again.
   */
  async store(rows: readonly OutcomeFactsEntity[]): Promise<void> {
    if (!rows.length) return;
    await this.tx.dialect.standalone((m) =>
      m
        .createQueryBuilder()
        .insert()
        .into(OutcomeFactsEntity)
        .values([...rows])
        .orUpdate(['protocol_id', 'seq', 'rules_key', 'cohort', 'through', 'fold', 'reading'], ['patient_id'])
        .execute(),
    );
  }
}
