import { Injectable } from '@nestjs/common';
import { type DataIssue, daysOverdue, findProtocol, isStillToDo, type PatientContext } from '#protocols';
import { parseStoredJson } from '../persistence/stored-rows';
import { PatientRepository } from '../persistence/repositories/patient-repository';
import { type Actor, userIdOf } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import { protocolOf } from '../kernel/require-protocol';
import * as machine from '../kernel/machine-boundary';
import { NotificationService } from '../notifications/notification-service';
import { ManufacturingService } from '../manufacturing/manufacturing-service';
import { DataQueryService } from '../queries/data-query-service';

const DAY_MS = 86_400_000;
/** The most patients a worklist lists (most recently changed first); counts and visits cover them all. */
const LISTED_PATIENTS = 500;
/** Active patients whose schedules a worklist walks; beyond it the answer says it is truncated. */
const WALKED_PATIENTS = 5000;
const UNREAD_SHOWN = 10;

export interface WorklistVisit {
  patientId: string;
  subjectId: string;
  protocolId: string;
  visit: string;
  day: number;
  targetDate: string;
  windowStart: string;
  windowEnd: string;
}

export interface WorklistDltWindow {
  patientId: string;
  subjectId: string;
  protocolId: string;
  doseLevel: number | null;
  infusedAt: string | null;
  closesAt: string;
  daysLeft: number;
}

/**
 * A site's day on one page: its patients by trial and state, the visits to do today and those past
 * their target, the DLT windows still open and the inbox's unread notices. Only the caller's sites.
 */
@Injectable()
export class WorklistService {
  constructor(
    private readonly patientRows: PatientRepository,
    private readonly clock: Clock,
    private readonly notifications: NotificationService,
    private readonly manufacturing: ManufacturingService,
    private readonly queries: DataQueryService,
  ) {}

  async forActor(actor: Actor) {
    const now = this.clock.now();
    const nowIso = now.toISOString();
    // The listed rows need no snapshot; only the walked ones are restored.
    const patients = await this.patientRows.recentlyUpdated(actor.siteIds, LISTED_PATIENTS);
    const counts = await this.patientRows.countsByState(actor.siteIds);
    // Only patients past Day 0 have visits and DLT windows. The snapshot is read raw and parsed
    // per row, so one row that is not JSON is one data issue, not a failed worklist.
    const walked = await this.patientRows.onStudyAfterDay0(actor.siteIds, WALKED_PATIENTS + 1);
    const truncated = walked.length > WALKED_PATIENTS;
    const dueToday: WorklistVisit[] = [];
    const overdue: Array<WorklistVisit & { daysOverdue: number }> = [];
    const dltWindows: WorklistDltWindow[] = [];
    const dataIssues: Array<DataIssue & { subjectId: string }> = [];
    for (const row of walked.slice(0, WALKED_PATIENTS)) {
      const who = { patientId: row.id, subjectId: row.subjectId, protocolId: row.protocolId };
      const issue = (field: string, problem: string) => ({ ...who, seq: Number(row.lastSeq), type: null, field, problem });
      try {
        const protocol = protocolOf({ ...row, protocolVersion: Number(row.protocolVersion) });
        const snapshot = parseStoredJson(row.snapshot);
        if (typeof snapshot !== 'object' || snapshot === null) {
          dataIssues.push(issue('snapshot', 'is not a JSON object'));
          continue;
        }
        const context = machine.contextOf(machine.restoreMachine(protocol, snapshot as Record<string, unknown>));
        const odd = oddDates(context);
        if (odd.length) {
          dataIssues.push(...odd.map((field) => issue(`snapshot.context.${field}`, 'is not an ISO 8601 date-time')));
          continue;
        }
        const visits: Array<{ visit: WorklistVisit; daysOverdue?: number }> = [];
        for (const v of protocol.schedule(context, nowIso)) {
          // Only a visit still to do: overdue (past its target date), or due today.
          if (!isStillToDo(v.status)) continue;
          const visit: WorklistVisit = { ...who, visit: v.name, day: v.day, targetDate: v.targetDate, windowStart: v.windowStart, windowEnd: v.windowEnd };
          const late = daysOverdue(v, nowIso);
          if (late !== undefined) visits.push({ visit, daysOverdue: late });
          else if (v.status === 'due') visits.push({ visit });
        }
        const window = context.dltWindow;
        // Everything of this patient is computed before anything is listed: an error leaves no half of it behind.
        for (const { visit, daysOverdue } of visits) {
          if (daysOverdue === undefined) dueToday.push(visit);
          else overdue.push({ ...visit, daysOverdue });
        }
        if (window && !window.closedAt) {
          dltWindows.push({
            ...who,
            doseLevel: row.doseLevel === null ? null : Number(row.doseLevel),
            infusedAt: context.infusion?.infusedAt ?? null,
            closesAt: window.closesAt,
            daysLeft: Math.max(0, Math.ceil((Date.parse(window.closesAt) - now.getTime()) / DAY_MS)),
          });
        }
      } catch (error) {
        dataIssues.push(issue('snapshot', `could not be read: ${error instanceof Error ? error.message : String(error)}`));
      }
    }
    overdue.sort((a, b) => b.daysOverdue - a.daysOverdue || a.subjectId.localeCompare(b.subjectId));
    dueToday.sort((a, b) => a.windowEnd.localeCompare(b.windowEnd) || a.subjectId.localeCompare(b.subjectId));
    dltWindows.sort((a, b) => a.closesAt.localeCompare(b.closesAt));

    const reconsentDue = await this.reconsentDue(actor);
    const manufacturing = await this.manufacturingSlots(actor);
    const queries = await this.queries.openByPatient(actor.siteIds);
    const inbox = await this.notifications.inbox(actor, { unread: true, limit: UNREAD_SHOWN, offset: 0 });
    return {
      now: nowIso,
      user: { id: userIdOf(actor), name: actor.name, role: actor.role, siteIds: actor.siteIds },
      trials: trialsOf(counts),
      patients,
      visits: { dueToday, overdue },
      dltWindows,
      reconsentDue,
      manufacturing,
      queries,
      notifications: { unread: inbox.unread, items: inbox.items },
      /** Patients whose stored row the worklist could not read: left out of visits and DLT windows. */
      dataIssues,
      ...(truncated ? { truncated: true } : {}),
    };
  }

  /**
   * Patients enrolled and not yet infused with a manufacturing slot or a place in the queue (README,
   * "Manufacturing capacity"): the slot week and expected release first, then the queue.
   */
  private async manufacturingSlots(actor: Actor) {
    const rows = await this.patientRows.awaitingInfusion(actor.siteIds, WALKED_PATIENTS);
    const slots = await this.manufacturing.slotsOf(rows.map((r) => r.id));
    return rows
      .filter((row) => slots.has(row.id))
      .map((row) => ({ patientId: row.id, subjectId: row.subjectId, protocolId: row.protocolId, state: row.state, slot: slots.get(row.id)! }))
      .sort(
        (a, b) =>
          (a.slot.week ?? '9999').localeCompare(b.slot.week ?? '9999') || (a.slot.queuePosition ?? 0) - (b.slot.queuePosition ?? 0) || a.subjectId.localeCompare(b.subjectId),
      );
  }

  /**
   * Patients an amendment moved who still owe its re-consent (docs/design.md, section "Amendments"):
   * the steps it names are refused until CONSENT_SIGNED with the new version (or a decline).
   * A row that cannot be read is left out here; the visits above report it.
   */
  private async reconsentDue(actor: Actor): Promise<WorklistReconsent[]> {
    const rows = await this.patientRows.migratedOnStudy(actor.siteIds, WALKED_PATIENTS);
    const due: WorklistReconsent[] = [];
    for (const row of rows) {
      try {
        const snapshot = parseStoredJson(row.snapshot);
        if (typeof snapshot !== 'object' || snapshot === null) continue;
        const protocol = protocolOf({ ...row, protocolVersion: Number(row.protocolVersion) });
        const reconsent = machine.contextOf(machine.restoreMachine(protocol, snapshot as Record<string, unknown>)).reconsent;
        if (reconsent?.status !== 'due') continue;
        const { consentVersion, amendment, dueSince, blocks } = reconsent;
        due.push({ patientId: row.id, subjectId: row.subjectId, protocolId: row.protocolId, consentVersion, amendment, dueSince, blocks });
      } catch {
        continue;
      }
    }
    return due.sort((a, b) => a.dueSince.localeCompare(b.dueSince) || a.subjectId.localeCompare(b.subjectId));
  }
}

export interface WorklistReconsent {
  patientId: string;
  subjectId: string;
  protocolId: string;
  consentVersion: string;
  amendment: number;
  dueSince: string;
  /** The steps refused until it is signed (or declined). */
  blocks: string[];
}

/** The dates of the record the worklist computes with that are not instants (an odd stored snapshot). */
function oddDates(context: PatientContext): string[] {
  const dates: Array<[string, unknown]> = [
    ['infusion.infusedAt', context.infusion?.infusedAt],
    ['dltWindow.closesAt', context.dltWindow?.closesAt],
  ];
  return dates.filter(([, at]) => at !== undefined && (typeof at !== 'string' || Number.isNaN(Date.parse(at)))).map(([field]) => field);
}

/** Patient counts per trial and state, from the grouped rows. */
function trialsOf(rows: Array<{ protocolId: string; state: string; status: string; n: string | number }>) {
  const trials = new Map<string, { protocolId: string; title: string; patients: number; active: number; byState: Record<string, number> }>();
  for (const row of rows) {
    const n = Number(row.n);
    let trial = trials.get(row.protocolId);
    if (!trial) {
      trial = { protocolId: row.protocolId, title: findProtocol(row.protocolId)?.spec.title ?? row.protocolId, patients: 0, active: 0, byState: {} };
      trials.set(row.protocolId, trial);
    }
    trial.patients += n;
    if (row.status === 'active') trial.active += n;
    trial.byState[row.state] = (trial.byState[row.state] ?? 0) + n;
  }
  return [...trials.values()].sort((a, b) => a.protocolId.localeCompare(b.protocolId));
}
