import type { EntityManager } from 'typeorm';
import { PatientEntity } from '../persistence/entities';

/** The sites of a trial (a protocol version): every site with a patient registered on it. */
export async function trialSiteIds(manager: EntityManager, protocolId: string, protocolVersion: number): Promise<string[]> {
  const rows: Array<{ siteId: string }> = await manager
    .createQueryBuilder(PatientEntity, 'p')
    .select('DISTINCT p.siteId', 'siteId')
    .where('p.protocolId = :protocolId AND p.protocolVersion = :protocolVersion', { protocolId, protocolVersion })
    .getRawMany();
  return rows.map((r) => r.siteId).sort();
}
