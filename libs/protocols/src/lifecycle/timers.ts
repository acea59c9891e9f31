import type { SchedulerEventType } from '../policy/vocabulary';
import type { PatientContext } from './context';
import type { LifecycleSpec } from './spec';
import { visitWindow } from './schedule';
import { addDays } from './clinical-time';

/** The send ids of the machine's timers: one of each per patient at a time. */
export const timerIds = {
  dltWindow: 'dlt-window',
  dltWindowEnding: 'dlt-window-ending',
  visitClosing: (visit: string) => `visit-closing.${visit}`,
  followUpEnd: 'follow-up-end',
  visitReminder: (visit: string) => `visit-reminder.${visit}`,
  visitMissed: (visit: string) => `visit-missed.${visit}`,
  apheresisStability: 'apheresis-stability',
  postThawLimit: 'post-thaw-limit',
};

/**
 * Timers that watch for an entry (the custody chain's next hand-off) rather than mark a moment of
 * the trial (a DLT window's close). When the step that starts one is itself entered after the limit
 * passed (a late entry), the watch falls due `ENTRY_WATCH_GRACE_MS` after that entry instead of at
 * once, so the next step, entered with it, is not taken for missing.
 */
export const ENTRY_WATCH_TIMERS: readonly string[] = [timerIds.apheresisStability, timerIds.postThawLimit];
export const ENTRY_WATCH_GRACE_MS = 60 * 60_000;

/** A timer as the record calls for it: the scheduler event it raises and when it falls due. */
export interface PlannedTimer {
  sendId: string;
  type: SchedulerEventType;
  data: Record<string, unknown>;
  dueAt: string;
}

/**
 * The timers of the follow-up phase, derived from the record alone: the end of follow-up (Day 0 plus
 * the protocol's follow-up) and, for each visit still planned, its reminder, its closing notice and
 * its missed mark. A visit done, missed or not required has none. The machine raises these on
 * infusion (and on a rollover's start); a migration re-derives them under the new version.
 */
export function followUpTimers(spec: LifecycleSpec, context: PatientContext): PlannedTimer[] {
  const day0 = context.infusion?.infusedAt;
  if (!day0) return [];
  const timers: PlannedTimer[] = [{ sendId: timerIds.followUpEnd, type: 'FOLLOW_UP_ENDED', data: {}, dueAt: addDays(day0, spec.followUpDays) }];
  for (const visit of spec.schedule) {
    const status = context.visits[visit.name]?.status ?? 'planned';
    if (status !== 'planned') continue;
    const window = visitWindow(visit, day0, spec.reminderLeadDays, spec.closingNoticeDays ?? 1);
    const data = { visit: visit.name };
    timers.push(
      { sendId: timerIds.visitReminder(visit.name), type: 'VISIT_REMINDER', data, dueAt: window.remindAt },
      { sendId: timerIds.visitClosing(visit.name), type: 'VISIT_WINDOW_CLOSING', data, dueAt: window.closingNoticeAt },
      { sendId: timerIds.visitMissed(visit.name), type: 'VISIT_MISSED', data, dueAt: window.windowEnd },
    );
  }
  return timers;
}

/** The DLT window's two timers: the warning before it ends and its close, from the record's `closesAt`. */
export function dltWindowTimers(spec: LifecycleSpec, context: PatientContext): PlannedTimer[] {
  const closesAt = context.dltWindow?.closesAt;
  if (!closesAt) return [];
  return [
    { sendId: timerIds.dltWindowEnding, type: 'DLT_WINDOW_ENDING', data: {}, dueAt: addDays(closesAt, -(spec.dltEndingNoticeDays ?? 2)) },
    { sendId: timerIds.dltWindow, type: 'DLT_WINDOW_CLOSED', data: {}, dueAt: closesAt },
  ];
}

/**
 * Visits whose window closed before `at` (a rollover or an amendment reaching the patient late):
 * they can no longer happen, so they are not required, with the reason. Visits already settled are left as they are.
 */
export function visitsClosedBefore(spec: LifecycleSpec, context: PatientContext, at: string, names: readonly string[], why: string): PatientContext['visits'] {
  const day0 = context.infusion?.infusedAt;
  if (!day0) return {};
  const closed: PatientContext['visits'] = {};
  for (const visit of spec.schedule) {
    if (!names.includes(visit.name) || (context.visits[visit.name]?.status ?? 'planned') !== 'planned') continue;
    const { windowEnd } = visitWindow(visit, day0, spec.reminderLeadDays, spec.closingNoticeDays ?? 1);
    if (windowEnd <= at) closed[visit.name] = { status: 'notRequired', reason: `its window closed on ${windowEnd.slice(0, 10)}, before ${why} on ${at.slice(0, 10)}` };
  }
  return closed;
}
