import type { ServiceStack } from '#testing';

/**
 * Patients in bulk. One template patient is walked through the real API (registration, screening,
 * signed eligibility, enrollment, manufacturing, lymphodepletion, infusion); the benchmark's other
 * patients are copies of its row, made in SQL because walking 100,000 patients through ten events
 * each would be a benchmark of its own. A copy's log starts after the template's head (its first
 * event chains to the template's last hash): the copies are load, not audited records. Their ids
 * are UUIDs that start with `idPrefix` (8 hex digits), so a scenario finds its own with LIKE.
 */
export async function clonePatients(stack: ServiceStack, templateId: string, idPrefix: string, count: number): Promise<string[]> {
  if (!/^[0-9a-f]{8}$/.test(idPrefix)) throw new Error(`a clone id prefix is 8 hex digits (ids are UUIDs): ${idPrefix}`);
  await stack.query(
    `INSERT INTO patients (id, subject_id, site_id, protocol_id, protocol_version, cohort, state, status, snapshot, version,
                           last_seq, last_hash, day0, dose_level, registered_at, updated_at)
     SELECT $2 || '-0000-4000-8000-' || lpad(i::text, 12, '0'), $2 || '-S' || i, site_id, protocol_id, protocol_version, cohort, state, status, snapshot,
            version, last_seq, last_hash, day0, dose_level, registered_at, updated_at
       FROM patients CROSS JOIN generate_series(1, $3::int) AS i
      WHERE id = $1`,
    [templateId, idPrefix, count],
  );
  return Array.from({ length: count }, (_, i) => `${idPrefix}-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
}
