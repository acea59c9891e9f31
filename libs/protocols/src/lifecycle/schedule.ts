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
  assessments: string[];
}

/** A visit's target and window, anchored at the infusion (Day 0). */
export function visitWindow(visit: VisitSpec, infusedAt: string, reminderLeadDays: number): VisitWindow {
  const windowStart = addDays(infusedAt, visit.day - visit.windowBeforeDays);
  return {
    name: visit.name,
    day: visit.day,
    targetDate: addDays(infusedAt, visit.day),
    windowStart,
    windowEnd: addDays(infusedAt, visit.day + visit.windowAfterDays),
    remindAt: addDays(windowStart, -reminderLeadDays),
    assessments: visit.assessments,
  };
}

export type ScheduledVisitStatus = VisitStatus | 'due';

export interface ScheduledVisit extends Omit<VisitWindow, 'remindAt'> {
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
    const { remindAt: _remindAt, ...window } = visitWindow(visit, infusedAt, spec.reminderLeadDays);
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
