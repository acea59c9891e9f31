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

/** Windows computed per protocol and Day 0, kept at most this many Day 0s per protocol. */
const WINDOWS_CACHED_MAX = 5000;
const windowCache = new WeakMap<LifecycleSpec, Map<string, ReadonlyArray<Readonly<Omit<VisitWindow, 'remindAt' | 'closingNoticeAt'>>>>>();

/**
 * Every visit's window for a Day 0. A pure function of the protocol and Day 0, asked for on every
 * answer that shows a patient, so it is computed once per Day 0 (frozen: callers copy, never change).
 */
function scheduleWindows(spec: LifecycleSpec, infusedAt: string) {
  let byDay0 = windowCache.get(spec);
  if (!byDay0) windowCache.set(spec, (byDay0 = new Map()));
  let windows = byDay0.get(infusedAt);
  if (!windows) {
    windows = Object.freeze(
      spec.schedule.map((visit) => {
        const { remindAt: _remindAt, closingNoticeAt: _closing, ...window } = visitWindow(visit, infusedAt, spec.reminderLeadDays);
        return Object.freeze(window);
      }),
    );
    if (byDay0.size >= WINDOWS_CACHED_MAX) byDay0.clear();
    byDay0.set(infusedAt, windows);
  }
  return windows;
}

/**
 * `cancelled`: the patient left the study (withdrawn, died, lost to follow-up, follow-up completed)
 * before the visit was done or settled as missed, so it will not happen.
 */
export type ScheduledVisitStatus = VisitStatus | 'due' | 'cancelled';

export interface ScheduledVisit extends Omit<VisitWindow, 'remindAt' | 'closingNoticeAt'> {
  status: ScheduledVisitStatus;
  completedAt?: string;
  outOfWindow?: boolean;
  /** When the patient went off study, for a cancelled visit. */
  cancelledAt?: string;
  /** Why a visit an amendment added is not required of this patient. */
  reason?: string;
}

/**
 * The patient's schedule of assessments as a site sees it on `now`: `planned` before the window
 * opens, `due` while it is open, `done` or `missed` once settled, `cancelled` once the patient is off
 * study (nothing is planned, due or overdue for them any more). Before infusion there is no Day 0, so
 * the visits have no dates yet.
 */
export function patientSchedule(spec: LifecycleSpec, context: PatientContext, now: string): ScheduledVisit[] {
  const infusedAt = context.infusion?.infusedAt;
  if (!infusedAt) return [];
  const offStudy = context.offStudy;
  return scheduleWindows(spec, infusedAt).map((window) => {
    const record = context.visits[window.name];
    let status: ScheduledVisitStatus = record?.status ?? 'planned';
    if (status === 'planned' && offStudy) status = 'cancelled';
    else if (status === 'planned' && now >= window.windowStart && now <= window.windowEnd) status = 'due';
    return {
      ...window,
      status,
      ...(record?.completedAt ? { completedAt: record.completedAt } : {}),
      ...(record?.outOfWindow ? { outOfWindow: true } : {}),
      ...(status === 'cancelled' ? { cancelledAt: offStudy!.at } : {}),
      ...(record?.reason ? { reason: record.reason } : {}),
    };
  });
}
