import type { LogEntry } from '../api/types';

/** One adverse event and the reports of it: a later report of the same term and onset is a follow-up, not another AE. */
export interface AdverseEventGroup {
  term: string;
  onset: string;
  reports: number;
}

/**
 * The patient's AEs from the log, each with its reports grouped, in onset order. The same AE is the
 * same term (in any case) with the same onset, as the engine counts a follow-up report
 * (libs/protocols/src/lifecycle/record.ts, recordAdverseEvent).
 */
export function adverseEventGroups(entries: readonly LogEntry[]): AdverseEventGroup[] {
  const groups = new Map<string, AdverseEventGroup>();
  for (const entry of entries) {
    if (entry.type !== 'ADVERSE_EVENT_REPORTED') continue;
    const { term, onset } = entry.data as { term?: unknown; onset?: unknown };
    if (typeof term !== 'string' || typeof onset !== 'string') continue;
    const key = `${term.toLowerCase()}\u0000${onset}`;
    const seen = groups.get(key);
    if (seen) seen.reports += 1;
    else groups.set(key, { term, onset, reports: 1 });
  }
  return [...groups.values()].sort((a, b) => a.onset.localeCompare(b.onset) || a.term.localeCompare(b.term));
}
