import { Brackets, type DataSource } from 'typeorm';
import { PatientEntity, PatientEventEntity } from './entities';

/**
 * Log entries as the read models read them: straight from the rows, each JSON column parsed on its
 * own. TypeORM's `simple-json` parses every row of a query in one go, so one entry whose text is not
 * JSON would fail the whole read (a trial's outcomes, an export); here it becomes an entry without
 * data, which the read model lists as a data issue (`screenLog`) and leaves out.
 */
export interface StoredLogEntry {
  seq: number;
  type: string;
  /** The parsed data; undefined when the stored text is not JSON. */
  data: unknown;
  occurredAt: unknown;
  recordedAt: string;
  actor: string;
  actorName: string;
}

/** A row as the driver returns it: the seq may come as text, the data as the stored JSON text. */
type RawEntry = Omit<StoredLogEntry, 'seq'> & { patientId: string; seq: number | string };

/** A JSON column's value: parsed when it is text (SQLite, and PostgreSQL's text columns), as is otherwise; undefined when unparseable. */
export function parseStoredJson(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** Every column of the patient row but its snapshot: what a read that parses the snapshot itself, or needs none, selects. */
export const PATIENT_ROW_COLUMNS = {
  id: true,
  subjectId: true,
  siteId: true,
  protocolId: true,
  protocolVersion: true,
  cohort: true,
  state: true,
  status: true,
  version: true,
  lastSeq: true,
  lastHash: true,
  day0: true,
  doseLevel: true,
  registeredAt: true,
  updatedAt: true,
} as const;

/**
 * Every entry of the given patients' logs, in seq order, by patient; with `after`, only the entries
 * past the seq it gives each patient (a patient it does not name: the whole log).
 */
export async function readStoredLogs(dataSource: DataSource, patientIds: readonly string[], after?: ReadonlyMap<string, number>): Promise<Map<string, StoredLogEntry[]>> {
  const logs = new Map<string, StoredLogEntry[]>();
  if (!patientIds.length) return logs;
  const query = dataSource
    .getRepository(PatientEventEntity)
    .createQueryBuilder('e')
    .select([
      'e.patient_id AS "patientId"',
      'e.seq AS "seq"',
      'e.type AS "type"',
      'e.data AS "data"',
      'e.occurred_at AS "occurredAt"',
      'e.recorded_at AS "recordedAt"',
      'e.actor AS "actor"',
      'e.actor_name AS "actorName"',
    ])
    .where('e.patient_id IN (:...patientIds)', { patientIds });
  if (after?.size) {
    query.andWhere(
      new Brackets((past) => patientIds.forEach((id, i) => past.orWhere(`(e.patient_id = :id${i} AND e.seq > :after${i})`, { [`id${i}`]: id, [`after${i}`]: after.get(id) ?? 0 }))),
    );
  }
  const rows: RawEntry[] = await query.orderBy('e.patient_id', 'ASC').addOrderBy('e.seq', 'ASC').getRawMany();
  for (const { patientId, ...row } of rows) {
    const entry: StoredLogEntry = { ...row, seq: Number(row.seq), data: parseStoredJson(row.data) };
    const log = logs.get(patientId);
    if (log) log.push(entry);
    else logs.set(patientId, [entry]);
  }
  return logs;
}

/**
 * Patient rows by id, in one query, each snapshot parsed on its own (undefined when its stored text
 * is not JSON): a read of several patients, or of one, never fails on another row's snapshot.
 */
export async function readPatientRows(dataSource: DataSource, ids: readonly string[]): Promise<PatientEntity[]> {
  if (!ids.length) return [];
  const metadata = dataSource.getMetadata(PatientEntity);
  const rows: Array<Record<string, unknown>> = await dataSource
    .getRepository(PatientEntity)
    .createQueryBuilder('p')
    .select(metadata.columns.map((c) => `p.${c.databaseName} AS "${c.propertyName}"`))
    .where('p.id IN (:...ids)', { ids })
    .getRawMany();
  const numeric = metadata.columns.filter((c) => c.type === 'integer').map((c) => c.propertyName);
  return rows.map((row) => {
    const entity: Record<string, unknown> = { ...row, snapshot: parseStoredJson(row.snapshot) };
    for (const key of numeric) if (entity[key] !== null) entity[key] = Number(entity[key]);
    return entity as unknown as PatientEntity;
  });
}
