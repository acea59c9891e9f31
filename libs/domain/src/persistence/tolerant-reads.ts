import type { EntityManager, EntityTarget, FindOptionsWhere, ObjectLiteral } from 'typeorm';
import { PatientEntity, PatientEventEntity } from './entities';

/**
 * The log entries `where` picks, in seq order, by patient. Read the way a check must read what it
 * checks: each row's JSON columns parsed on their own, and a text that is not JSON kept as the text
 * (TypeORM's `simple-json` would fail the whole query on one such row). An entry whose data was
 * changed into something that is not JSON then fails its hash, and the check names it.
 */
export async function readLogs(
  manager: EntityManager,
  where: FindOptionsWhere<PatientEventEntity> | FindOptionsWhere<PatientEventEntity>[],
): Promise<Map<string, PatientEventEntity[]>> {
  const events = await readTolerantly(manager, PatientEventEntity, where, { patientId: 'ASC', seq: 'ASC' });
  const logs = new Map<string, PatientEventEntity[]>();
  for (const event of events) {
    const log = logs.get(event.patientId);
    if (log) log.push(event);
    else logs.set(event.patientId, [event]);
  }
  return logs;
}

/** Patient rows, the snapshot parsed row by row as above: a snapshot that is not JSON differs from its replay. */
export function readPatientsTolerantly(manager: EntityManager, where: FindOptionsWhere<PatientEntity>): Promise<PatientEntity[]> {
  return readTolerantly(manager, PatientEntity, where, { id: 'ASC' });
}

async function readTolerantly<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  where: FindOptionsWhere<T> | FindOptionsWhere<T>[],
  order: Record<string, 'ASC' | 'DESC'>,
): Promise<T[]> {
  const alias = 'row';
  const metadata = manager.connection.getMetadata(entity);
  const rows: Array<Record<string, unknown>> = await manager
    .createQueryBuilder(entity, alias)
    .setFindOptions({ where, order: order as never })
    .getRawMany();
  return rows.map((row) => {
    const value: Record<string, unknown> = {};
    for (const column of metadata.columns) {
      const raw = row[`${alias}_${column.databaseName}`];
      value[column.propertyName] = column.type === 'simple-json' && typeof raw === 'string' ? parseOrKeep(raw) : raw;
    }
    return value as T;
  });
}

function parseOrKeep(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
