import type { PatientContext, VisitStatus } from './context';
import type { LifecycleSpec, VisitSpec } from './spec';
import { addDays } from './clinical-time';

export interface VisitWindow {
  name: string;
  day: number;
  targetDate: string;
  windowStart: string;
  windowEnd: string;
  remindAt: string;
  /** When a still-open window's closing is announced: a day before it closes, never before it opens. */
  closingNoticeAt: string;
  assessments: string[];
}

/** A visit's target and window, anchored at the infusion (Day 0). */
export function visitWindow(visit: VisitSpec, infusedAt: string, reminderLeadDays: number, closingNoticeDays = 1): VisitWindow {
  const windowStart = addDays(infusedAt, visit.day - visit.windowBeforeDays);
  const windowEnd = addDays(infusedAt, visit.day + visit.windowAfterDays);
  const closingNotice = addDays(windowEnd, -closingNoticeDays);
  return {
    name: visit.name,
    day: visit.day,
    targetDate: addDays(infusedAt, visit.day),
    windowStart,
    windowEnd,
    remindAt: addDays(windowStart, -reminderLeadDays),
    closingNoticeAt: closingNotice > windowStart ? closingNotice : windowStart,
    assessments: visit.assessments,
  };
}

export type ScheduledVisitStatus = VisitStatus | 'due';

export interface ScheduledVisit extends Omit<VisitWindow, 'remindAt' | 'closingNoticeAt'> {
  status: ScheduledVisitStatus;
  completedAt?: string;
  outOfWindow?: boolean;
}

/**
 * The patient's schedule of assessments as a site sees it on `now`: `planned` before the window
 * opens, `due` while it is open, `done` or `missed` once settled. Before infusion there is no
 * Day 0, so the visits have no dates yet.
 */
export function patientSchedule(spec: LifecycleSpec, context: PatientContext, now: string): ScheduledVisit[] {
  const infusedAt = context.infusion?.infusedAt;
  if (!infusedAt) return [];
  return spec.schedule.map((visit) => {
    const { remindAt: _remindAt, closingNoticeAt: _closing, ...window } = visitWindow(visit, infusedAt, spec.reminderLeadDays);
    const record = context.visits[visit.name];
    let status: ScheduledVisitStatus = record?.status ?? 'planned';
    if (status === 'planned' && now >= window.windowStart && now <= window.windowEnd) status = 'due';
    return {
      ...window,
      status,
      ...(record?.completedAt ? { completedAt: record.completedAt } : {}),
      ...(record?.outOfWindow ? { outOfWindow: true } : {}),
    };
  });
}
