const DAY_MS = 86_400_000;

/** A scheduled visit as far as the overdue rule reads it: its status and its target date (ISO 8601). */
export interface VisitDue {
  status: string;
  targetDate: string;
}

/** A visit still to do: planned or due; not done, not settled as missed, not cancelled because the patient left the study. */
export function isStillToDo(status: string): boolean {
  return status === 'planned' || status === 'due';
}

/**
 * How many days a visit still to do is past its target date, in UTC calendar days as of `now`; undefined
 * when it is not overdue (done, missed, cancelled, or its target date is today or later). The
 * worklist's "overdue visits" and the console's schedule both read this.
 */
export function daysOverdue(visit: VisitDue, now: string | Date): number | undefined {
  if (!isStillToDo(visit.status)) return undefined;
  const today = new Date(now).toISOString().slice(0, 10);
  const targetDay = visit.targetDate.slice(0, 10);
  return targetDay < today ? Math.round((Date.parse(today) - Date.parse(targetDay)) / DAY_MS) : undefined;
}
