import { Inject, Injectable } from '@nestjs/common';
import ical, { ICalCalendarMethod } from 'ical-generator';
import { isStillToDo, type PatientContext } from '#protocols';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { parseStoredJson } from '../persistence/stored-rows';
import { PatientRepository } from '../persistence/repositories/patient-repository';
import type { Actor } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import { protocolOf } from '../kernel/require-protocol';
import * as machine from '../kernel/machine-boundary';

/** The most patients one feed walks (the earliest Day 0 first), as the worklist does. */
const WALKED_PATIENTS = 5000;
const DAY_MS = 86_400_000;

/**
 * A user's calendar feed (README, "Email and calendar feeds"): the windows of the visits still to do
 * of every patient on study at their sites, and the day each open DLT window closes, as an iCalendar
 * (RFC 5545) document a calendar application subscribes to. Events are all-day (the window is a
 * span of dates, UTC), keyed by a stable UID (patient, visit) so an update replaces, never doubles.
 */
@Injectable()
export class CalendarService {
  constructor(
    private readonly patientRows: PatientRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async feed(actor: Actor): Promise<string> {
    const now = this.clock.now();
    const calendar = ical({
      name: `CAR-T visits · ${actor.name}`,
      prodId: { company: 'cart-trial-engine', product: 'visits', language: 'EN' },
      method: ICalCalendarMethod.PUBLISH,
      ttl: 3600,
    });
    const rows = await this.patientRows.onStudyAfterDay0(actor.siteIds, WALKED_PATIENTS);
    for (const row of rows) {
      let context: PatientContext;
      let protocol: ReturnType<typeof protocolOf>;
      try {
        protocol = protocolOf({ ...row, protocolVersion: Number(row.protocolVersion) });
        const snapshot = parseStoredJson(row.snapshot);
        if (typeof snapshot !== 'object' || snapshot === null) continue;
        context = machine.contextOf(machine.restoreMachine(protocol, snapshot as Record<string, unknown>));
      } catch {
        // An unreadable row is listed on the worklist's data issues; the feed leaves it out.
        continue;
      }
      const link = `${this.config.publicUrl}/app/#/patients/${row.id}`;
      for (const visit of protocol.schedule(context, now.toISOString())) {
        if (!isStillToDo(visit.status)) continue;
        calendar.createEvent({
          id: `${row.id}.visit.${visit.name}@cart-trial-engine`,
          start: dayOf(visit.windowStart),
          end: new Date(dayOf(visit.windowEnd).getTime() + DAY_MS),
          allDay: true,
          summary: `${row.subjectId} · visit ${visit.name} window (${row.protocolId})`,
          description: `Visit ${visit.name} (day ${visit.day}) of ${row.subjectId}, target ${visit.targetDate.slice(0, 10)}, window ${visit.windowStart.slice(0, 10)} to ${visit.windowEnd.slice(0, 10)}.\n${link}`,
          url: link,
        });
      }
      const window = context.dltWindow;
      if (window && !window.closedAt) {
        calendar.createEvent({
          id: `${row.id}.dlt-window@cart-trial-engine`,
          start: dayOf(window.closesAt),
          end: new Date(dayOf(window.closesAt).getTime() + DAY_MS),
          allDay: true,
          summary: `${row.subjectId} · DLT window closes (${row.protocolId})`,
          description: `The DLT window of ${row.subjectId} closes ${window.closesAt}.\n${link}`,
          url: link,
        });
      }
    }
    return calendar.toString();
  }
}

const dayOf = (iso: string) => new Date(`${iso.slice(0, 10)}T00:00:00.000Z`);
