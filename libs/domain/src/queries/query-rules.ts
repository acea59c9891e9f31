import { median } from '#protocols';
import type { DataQueryEntity, PatientEventEntity } from '../persistence/entities';

const DAY_MS = 86_400_000;

/** The fields of a log entry a query may name besides those of its data. */
const ENTRY_FIELDS = ['occurredAt', 'reason'] as const;

/**
 * The value a query's `field` names in a log entry: `occurredAt` or `reason` of the entry, else a
 * dotted path into its data (`grade`, `crs.temperatureC`, `attestations.0`). Undefined when the
 * entry has no such field; only the entry's own keys count (no `constructor`, no `__proto__`).
 */
export function fieldOf(entry: Pick<PatientEventEntity, 'data' | 'occurredAt' | 'reason'>, field: string): unknown {
  if ((ENTRY_FIELDS as readonly string[]).includes(field)) return entry[field as (typeof ENTRY_FIELDS)[number]] ?? undefined;
  let value: unknown = entry.data;
  for (const key of field.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    if (Array.isArray(value) && !/^\d+$/.test(key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Whole days a query has been waiting: from its raising to now, or to its closing once closed. */
export function queryAgeDays(query: Pick<DataQueryEntity, 'raisedAt' | 'closedAt'>, now: Date): number {
  const end = query.closedAt ? Date.parse(query.closedAt) : now.getTime();
  return Math.max(0, Math.floor((end - Date.parse(query.raisedAt)) / DAY_MS));
}

/** A site's queries in figures: how many in each status, how long the unclosed ones have waited, how long closing took. */
export interface SiteQueryFigures {
  siteId: string;
  open: number;
  answered: number;
  closed: number;
  /** Days the oldest query not closed has waited; null when none is. */
  oldestOpenDays: number | null;
  /** Median days the queries not closed have waited. */
  medianOpenDays: number | null;
  /** Median days from raising to closing, over the closed ones. */
  medianDaysToClose: number | null;
}

/** Per site, in site order. */
export function siteQueryFigures(queries: ReadonlyArray<Pick<DataQueryEntity, 'siteId' | 'status' | 'raisedAt' | 'closedAt'>>, now: Date): SiteQueryFigures[] {
  const bySite = new Map<string, typeof queries>();
  for (const q of queries) bySite.set(q.siteId, [...(bySite.get(q.siteId) ?? []), q]);
  return [...bySite.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([siteId, mine]) => {
      const waiting = mine.filter((q) => q.status !== 'closed').map((q) => queryAgeDays(q, now));
      const closed = mine.filter((q) => q.status === 'closed').map((q) => queryAgeDays(q, now));
      return {
        siteId,
        open: mine.filter((q) => q.status === 'open').length,
        answered: mine.filter((q) => q.status === 'answered').length,
        closed: closed.length,
        oldestOpenDays: waiting.length ? Math.max(...waiting) : null,
        medianOpenDays: median(waiting),
        medianDaysToClose: median(closed),
      };
    });
}
