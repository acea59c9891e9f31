import type { EntityManager } from 'typeorm';
import { PatientEntity } from '../persistence/entities';

/** The sites of a trial (a protocol, every version): every site with a patient registered on it. */
export async function trialSiteIds(manager: EntityManager, protocolId: string): Promise<string[]> {
  const rows: Array<{ siteId: string }> = await manager
    .createQueryBuilder(PatientEntity, 'p')
    .select('DISTINCT p.siteId', 'siteId')
    .where('p.protocolId = :protocolId', { protocolId })
    .getRawMany();
  return rows.map((r) => r.siteId).sort();
}
