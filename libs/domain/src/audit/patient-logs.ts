import type { EntityManager, FindOptionsWhere } from 'typeorm';
import { PatientEventEntity } from '../persistence/entities';

/** The log entries `where` picks, in seq order, by patient. */
export async function readLogs(
  manager: EntityManager,
  where: FindOptionsWhere<PatientEventEntity> | FindOptionsWhere<PatientEventEntity>[],
): Promise<Map<string, PatientEventEntity[]>> {
  const events = await manager.getRepository(PatientEventEntity).find({ where, order: { patientId: 'ASC', seq: 'ASC' } });
  const logs = new Map<string, PatientEventEntity[]>();
  for (const event of events) {
    const log = logs.get(event.patientId);
    if (log) log.push(event);
    else logs.set(event.patientId, [event]);
  }
  return logs;
}
