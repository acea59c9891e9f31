import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { In, type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { type InboxStatus, LabCodeMappingEntity, LabMessageEntity, LabPatientIdentifierEntity, LabResultEntity, PatientEntity } from '../persistence/entities';
import { insertRows } from '../persistence/insert-rows';
import { TransactionRunner } from '../persistence/transaction-runner';

/** Bound values per statement, well within PostgreSQL's 65,535 and SQLite's 32,766. */
const MAX_BOUND_VALUES = 10_000;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One result's look-up: the site, its control id, the identifiers it gives the patient, its code. */
export interface LookUpRequest {
  siteId: string;
  controlId: string;
  identifiers: string[];
  code: { system: string; code: string };
}

export interface LookUp {
  duplicate: boolean;
  /** The patients of the site whose subject id is one of the identifiers. */
  patientIds: string[];
  /** The patients an identifier the site saved names (an MRN matched by a person, a rollover's subject id). */
  savedPatientIds: string[];
  mappedCode?: string;
}

/** The lab intake's tables: messages as received, results by control id (the inbox among them), the sites' mappings. */
@Injectable()
export class LabIntakeRepository {
  constructor(private readonly tx: TransactionRunner) {}

  private get manager(): EntityManager {
    return this.tx.manager;
  }

  /**
   * Records messages and their results together (one statement on PostgreSQL, one transaction on
   * SQLite), and answers, for each message, the ids of its results that were written: a result whose
   * control id the site already has (a duplicate sent on another connection meanwhile) is not
   * written twice.
   */
  async record(entries: Array<{ message: LabMessageEntity; results: LabResultEntity[] }>): Promise<Array<Set<string>>> {
    const postgres = this.tx.dialect.name === 'postgres';
    const messages = entries.map((e) => e.message);
    const results = entries.flatMap((e) => e.results);
    const perStatement = (target: EntityTarget<ObjectLiteral>) => Math.max(1, Math.floor(MAX_BOUND_VALUES / this.manager.connection.getMetadata(target).columns.length));
    const newResults = (rows: LabResultEntity[], from: number) => {
      const r = this.insertStatement(LabResultEntity, rows, from);
      return { text: `${r.text} ON CONFLICT (site_id, control_id) DO NOTHING RETURNING id`, values: r.values };
    };
    let written: Array<{ id: string }> = [];
    if (postgres && messages.length + results.length <= perStatement(LabResultEntity)) {
      // The usual case, one statement: the messages, and their results as one data-modifying CTE.
      const m = this.insertStatement(LabMessageEntity, messages, 1);
      if (!results.length) await this.manager.query(m.text, m.values);
      else {
        const r = newResults(results, m.values.length + 1);
        written = await this.manager.query<Array<{ id: string }>>(`WITH messages AS (${m.text}) ${r.text}`, [...m.values, ...r.values]);
      }
    } else {
      // One transaction of statements each within the database's limit of bound values.
      written = await this.tx.run(async (manager) => {
        for (const rows of chunks(messages, perStatement(LabMessageEntity))) {
          const m = this.insertStatement(LabMessageEntity, rows, 1);
          await manager.query(m.text, m.values);
        }
        const ids: Array<{ id: string }> = [];
        for (const rows of chunks(results, perStatement(LabResultEntity))) {
          const r = newResults(rows, 1);
          ids.push(...(await manager.query<Array<{ id: string }>>(r.text, r.values)));
        }
        return ids;
      });
    }
    const ids = new Set(written.map((row) => row.id));
    return entries.map((e) => new Set(e.results.filter((row) => ids.has(row.id)).map((row) => row.id)));
  }

  /** Replaces a message's outcome, when a result of it turned out a duplicate on writing. */
  async setMessageOutcome(id: string, outcome: Pick<LabMessageEntity, 'acknowledgement' | 'outcome' | 'results'>): Promise<void> {
    await this.manager.update(LabMessageEntity, { id }, outcome);
  }

  /**
   * An INSERT of whole entities in plain SQL, its values as the driver stores them (JSON columns as
   * text), numbered from `from` on PostgreSQL, `?` in order on SQLite. TypeORM's own insert builds
   * the same statement at several times the cost, on the path every lab message takes.
   */
  private insertStatement<T extends ObjectLiteral>(target: EntityTarget<T>, rows: T[], from: number): { text: string; values: unknown[] } {
    const { driver } = this.manager.connection;
    const metadata = this.manager.connection.getMetadata(target);
    const values: unknown[] = [];
    const placeholder = this.tx.dialect.name === 'postgres' ? () => `$${from + values.length - 1}` : () => '?';
    const tuples = rows.map((row) => {
      const marks = metadata.columns.map((column) => {
        values.push(driver.preparePersistentValue(column.getEntityValue(row), column));
        return placeholder();
      });
      return `(${marks.join(', ')})`;
    });
    return { text: `INSERT INTO ${metadata.tableName} (${metadata.columns.map((c) => c.databaseName).join(', ')}) VALUES ${tuples.join(', ')}`, values };
  }

  /**
   * What each result needs looked up, all in one round trip: whether the site already has a result
   * under its control id, the patients of the site the identifiers name (by subject id, and by an
   * identifier the site saved), and the site's mapping of the code.
   */
  async lookUp(requests: LookUpRequest[]): Promise<LookUp[]> {
    const values: unknown[] = [];
    const postgres = this.tx.dialect.name === 'postgres';
    const bind = (value: unknown) => (values.push(value), postgres ? `$${values.length}` : '?');
    const list = (items: string[]) => items.map(bind).join(', ');
    const parts = requests.flatMap(({ siteId, controlId, identifiers, code }, n) => [
      `SELECT ${n} AS n, 'duplicate' AS kind, id AS value FROM lab_results WHERE site_id = ${bind(siteId)} AND control_id = ${bind(controlId)}`,
      ...(identifiers.length
        ? [
            `SELECT ${n}, 'patient', id FROM patients WHERE site_id = ${bind(siteId)} AND subject_id IN (${list(identifiers)})`,
            `SELECT ${n}, 'saved', i.patient_id FROM lab_patient_identifiers i JOIN patients p ON p.id = i.patient_id AND p.site_id = i.site_id WHERE i.site_id = ${bind(siteId)} AND i.identifier IN (${list(identifiers)})`,
          ]
        : []),
      `SELECT ${n}, 'mapping', lab_code FROM lab_code_mappings WHERE site_id = ${bind(siteId)} AND code_system = ${bind(code.system)} AND code = ${bind(code.code)}`,
    ]);
    const rows = await this.manager.query<Array<{ n: number | string; kind: string; value: string }>>(parts.join(' UNION ALL '), values);
    return requests.map((_, n) => {
      const own = rows.filter((r) => Number(r.n) === n);
      return {
        duplicate: own.some((r) => r.kind === 'duplicate'),
        patientIds: [...new Set(own.filter((r) => r.kind === 'patient').map((r) => r.value))],
        savedPatientIds: [...new Set(own.filter((r) => r.kind === 'saved').map((r) => r.value))],
        mappedCode: own.find((r) => r.kind === 'mapping')?.value,
      };
    });
  }

  result(id: string): Promise<LabResultEntity | null> {
    return this.manager.findOne(LabResultEntity, { where: { id } });
  }

  /** The latest result recorded for the patient's test collected at that instant: what a correction corrects. */
  latestAccepted(patientId: string, labCode: string, collectedAt: string): Promise<LabResultEntity | null> {
    return this.manager.findOne(LabResultEntity, { where: { patientId, labCode, collectedAt, outcome: 'accepted' }, order: { seq: 'DESC' } });
  }

  /** Ends an open inbox item; false when someone else resolved it first. */
  async closeInboxItem(
    id: string,
    change: Pick<LabResultEntity, 'resolvedBy' | 'resolvedAt' | 'resolution'> & Partial<LabResultEntity> & { inboxStatus: InboxStatus },
  ): Promise<boolean> {
    const updated = await this.manager.update(LabResultEntity, { id, inboxStatus: 'open' }, change);
    return (updated.affected ?? 0) > 0;
  }

  async setInboxReason(id: string, reason: string): Promise<void> {
    await this.manager.update(LabResultEntity, { id, inboxStatus: 'open' }, { reason });
  }

  inbox(filter: { siteIds: string[] | 'all'; status?: InboxStatus; limit: number; offset: number }): Promise<[LabResultEntity[], number]> {
    return this.manager.findAndCount(LabResultEntity, {
      where: {
        outcome: 'inbox',
        ...(filter.status ? { inboxStatus: filter.status } : {}),
        ...(filter.siteIds === 'all' ? {} : { siteId: In(filter.siteIds) }),
      },
      order: { receivedAt: 'ASC', id: 'ASC' },
      take: filter.limit,
      skip: filter.offset,
    });
  }

  messages(filter: { siteIds: string[] | 'all'; limit: number; offset: number }): Promise<[LabMessageEntity[], number]> {
    return this.manager.findAndCount(LabMessageEntity, {
      where: filter.siteIds === 'all' ? {} : { siteId: In(filter.siteIds) },
      order: { receivedAt: 'DESC', id: 'ASC' },
      take: filter.limit,
      skip: filter.offset,
    });
  }

  async patientSite(patientId: string): Promise<string | undefined> {
    const patient = await this.manager.findOne(PatientEntity, { select: { id: true, siteId: true }, where: { id: patientId } });
    return patient?.siteId;
  }

  mappings(siteIds: string[] | 'all'): Promise<LabCodeMappingEntity[]> {
    return this.manager.find(LabCodeMappingEntity, { where: siteIds === 'all' ? {} : { siteId: In(siteIds) }, order: { siteId: 'ASC', codeSystem: 'ASC', code: 'ASC' } });
  }

  /** Saves (or replaces) a site's mapping of one of its codes. */
  async saveMapping(mapping: Omit<LabCodeMappingEntity, 'id'>): Promise<void> {
    await this.manager.delete(LabCodeMappingEntity, { siteId: mapping.siteId, codeSystem: mapping.codeSystem, code: mapping.code });
    await insertRows(this.manager, LabCodeMappingEntity, { id: randomUUID(), ...mapping });
  }

  /** Saves the identifiers a lab gave for a patient, so the next result with one of them is matched. */
  async saveIdentifiers(siteId: string, identifiers: string[], patientId: string, by: { createdBy: string; createdAt: string }): Promise<void> {
    // An identifier longer than the column is not saved (it is matched by a person each time), rather than failing after the event;
    // nor is one that is another patient's subject id at the site: it names that patient, and saving it would send that patient's results here.
    const others = await this.manager.find(PatientEntity, { select: { id: true, subjectId: true }, where: { siteId, subjectId: In(identifiers) } });
    const taken = new Set(others.filter((p) => p.id !== patientId).map((p) => p.subjectId));
    for (const identifier of identifiers.filter((id) => id.length <= 200 && !taken.has(id))) {
      await this.manager.delete(LabPatientIdentifierEntity, { siteId, identifier });
      await insertRows(this.manager, LabPatientIdentifierEntity, { id: randomUUID(), siteId, identifier, patientId, ...by });
    }
  }
}
