import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { findProtocol } from '../registry';
import { cd19StepsToInfusion } from '#testing/eligibility';
import type { ClinicalEvent, ClinicalEventType } from '../events';
import type { PatientContext } from '../lifecycle/context';
import { addDays } from '../lifecycle/clinical-time';
import { planMigration, type MigrationSubject } from '../lifecycle/migration';
import { dltWindowTimers, followUpTimers } from '../lifecycle/timers';
import { stateValueOf } from '../lifecycle/states';
import type { Protocol } from '../lifecycle/protocol';

const v1 = findProtocol('cd19-rr-all', 1)!;
const v2 = findProtocol('cd19-rr-all', 2)!;
const v3 = findProtocol('cd19-rr-all', 3)!;
/** Day 0 of the patients below. */
const T0 = '2024-03-01T08:00:00.000Z';
const day = (n: number) => addDays(T0, n);
type Action = { type: string; params?: Record<string, unknown> };

function start(protocol: Protocol) {
  const [s] = initialTransition(protocol.machine, { patient: { subjectId: 'S-001', sex: 'female', birthDate: '1991-07-14', weightKg: 70, heightCm: 170 } });
  return s as AnyMachineSnapshot;
}
function send(protocol: Protocol, snapshot: AnyMachineSnapshot, type: ClinicalEventType, occurredAt: string, data: Record<string, unknown> = {}) {
  const event: ClinicalEvent = { type, occurredAt, data };
  const refusals = protocol.refusals(snapshot.context, event);
  const [next, actions] = transition(protocol.machine, snapshot as never, event as never);
  return { next: next as AnyMachineSnapshot, actions: actions as Action[], refusals };
}
/** A v1 patient infused at T0, then carried to `upTo` with the visits before it done on their target day. */
function onV1(upTo: number) {
  let s = start(v1);
  for (const [type, d, data] of cd19StepsToInfusion()) s = send(v1, s, type, day(d), data).next;
  s = send(v1, s, 'INFUSION_COMPLETED', T0, { cellsPerKg: 7e6 }).next;
  if (upTo > 28) s = send(v1, s, 'DLT_WINDOW_CLOSED', day(28)).next;
  for (const visit of v1.spec.schedule.filter((v) => v.day < upTo)) {
    s = send(v1, s, 'VISIT_COMPLETED', day(visit.day), { visit: visit.name }).next;
    if (visit.name === 'D28') s = send(v1, s, 'RESPONSE_ASSESSED', day(28), { response: 'CR', visit: 'D28' }).next;
  }
  return s;
}
const ctx = (s: AnyMachineSnapshot) => s.context as PatientContext;
const stateOf = (s: AnyMachineSnapshot) => {
  const value = s.value as string | { postInfusion: { course: string } };
  return typeof value === 'string' ? value : value.postInfusion.course;
};

/** The patient as the engine reads it: the timers the record called for, those due by `at` settled (fired). */
function subject(protocol: Protocol, s: AnyMachineSnapshot, at: string, version = protocol.version): MigrationSubject {
  const context = ctx(s);
  const state = stateOf(s);
  const all = ['dltWindow', 'responseAssessment', 'followUp'].includes(state)
    ? [...followUpTimers(protocol.spec, context), ...(state === 'dltWindow' ? dltWindowTimers(protocol.spec, context) : [])]
    : [];
  return { version, state, context, pending: all.filter((t) => t.dueAt > at), settled: all.filter((t) => t.dueAt <= at).map((t) => t.sendId) };
}
const migrated = (plan: ReturnType<typeof planMigration>) => v3.machine.resolveState({ value: stateValueOf(plan.toState!) as never, context: plan.context }) as AnyMachineSnapshot;

describe('cd19-rr-all amendment 2: secondary-malignancy screening', () => {
  it('is the newest version; it adds two yearly screening visits and a consent version, and reaches v1 and v2 patients', () => {
    expect(findProtocol('cd19-rr-all')!.version).toBe(3);
    const added = v3.spec.schedule.filter((v) => !v2.spec.schedule.some((o) => o.name === v.name));
    expect(added.map((v) => [v.name, v.day, v.windowBeforeDays, v.windowAfterDays, v.findings])).toEqual([
      ['MAL-Y1', 365, 30, 30, ['newMalignancy']],
      ['MAL-Y2', 730, 30, 30, ['newMalignancy']],
    ]);
    expect(added[0].assessments.join('; ')).toMatch(/history.*complete blood count with differential.*lymphoma\/leukaemia work-up when indicated/);
    expect(v3.spec.amendment).toMatchObject({ siteApproval: true, migration: { fromVersions: [1, 2], reconsent: { consentVersion: '3.0' } } });
    expect(v3.spec.eligibility).toEqual(v2.spec.eligibility);
    expect(v3.spec.followUpDays).toBeGreaterThan(730 + 30);
  });

  it('moves a patient in follow-up at day 200: the two visits planned, their timers added on hand-computed dates, every other timer kept, re-consent due', () => {
    const at = day(200);
    const plan = planMigration(v1.spec, v3.spec, subject(v1, onV1(200), at, 1), at);
    expect(plan.refusals).toEqual([]);
    expect(plan).toMatchObject({ fromVersion: 1, toVersion: 3, fromState: 'followUp', toState: 'followUp' });
    expect(plan.visits).toEqual({ added: ['MAL-Y1', 'MAL-Y2'], dropped: [], notRequired: [] });
    // Day 0 2024-03-01 08:00Z: MAL-Y1 day 365 → 2025-03-01, window 2025-01-30…2025-03-31, reminder 2 days before it opens.
    const added = Object.fromEntries(plan.timers.added.map((t) => [t.sendId, t.dueAt]));
    expect(added).toEqual({
      'visit-reminder.MAL-Y1': '2025-01-28T08:00:00.000Z',
      'visit-closing.MAL-Y1': '2025-03-30T08:00:00.000Z',
      'visit-missed.MAL-Y1': '2025-03-31T08:00:00.000Z',
      'visit-reminder.MAL-Y2': '2026-01-28T08:00:00.000Z',
      'visit-closing.MAL-Y2': '2026-03-30T08:00:00.000Z',
      'visit-missed.MAL-Y2': '2026-03-31T08:00:00.000Z',
    });
    expect(plan.timers.moved).toEqual([]);
    expect(plan.timers.cancelled).toEqual([]);
    // Visits M9, M12, M18 and M24 and the end of follow-up: three timers each plus one, all still pending and unchanged.
    expect(plan.timers.kept.map((t) => t.sendId)).toContain('follow-up-end');
    expect(plan.timers.kept).toHaveLength(4 * 3 + 1);
    expect(plan.context.visits['D28'].status).toBe('done');
    expect(plan.context.visits['MAL-Y1']).toEqual({ status: 'planned' });
    expect(plan.reconsent).toMatchObject({ consentVersion: '3.0', amendment: 3, status: 'due', dueSince: at, addedVisits: ['MAL-Y1', 'MAL-Y2'] });
    expect(plan.context.migrations).toEqual([{ from: 1, to: 3, at, fromState: 'followUp', toState: 'followUp' }]);
  });

  it('never re-adds a timer already fired, and adds a reminder whose date has passed at the migration, not before', () => {
    // Day 340: MAL-Y1's reminder date (day 333) has passed; the window opens on day 335.
    const at = day(340);
    const plan = planMigration(v1.spec, v3.spec, subject(v1, onV1(340), at, 1), at);
    const reminder = plan.timers.added.find((t) => t.sendId === 'visit-reminder.MAL-Y1')!;
    expect(reminder.dueAt).toBe(at);
    const fired = subject(v1, onV1(340), at, 1).settled;
    expect(fired).toContain('visit-reminder.M12');
    for (const t of [...plan.timers.added, ...plan.timers.moved, ...plan.timers.kept]) expect(fired).not.toContain(t.sendId);
  });

  it('marks a screening visit whose window has already closed not required, with the reason, and adds no timer for it', () => {
    const at = day(400); // MAL-Y1's window closed on day 395.
    const plan = planMigration(v1.spec, v3.spec, subject(v1, onV1(400), at, 1), at);
    expect(plan.visits.notRequired).toEqual([
      { visit: 'MAL-Y1', reason: expect.stringMatching(/window closed on 2025-03-31, before amendment 2 \(version 3\) of cd19-rr-all reached the patient on 2025-04-05/) },
    ]);
    expect(plan.timers.added.map((t) => t.sendId)).not.toContain('visit-missed.MAL-Y1');
    expect(plan.timers.added.map((t) => t.sendId)).toContain('visit-missed.MAL-Y2');
  });

  it('recomputes nothing but adds the follow-up visits for a patient still in the DLT window, whose DLT timers are kept', () => {
    const at = day(10);
    const s = onV1(10);
    expect(stateOf(s)).toBe('dltWindow');
    const plan = planMigration(v1.spec, v3.spec, subject(v1, s, at, 1), at);
    expect(plan.toState).toBe('dltWindow');
    expect(plan.timers.kept.map((t) => t.sendId)).toEqual(expect.arrayContaining(['dlt-window', 'dlt-window-ending']));
    expect(plan.timers.added).toHaveLength(6);
    expect(plan.context.dltWindow?.closesAt).toBe(day(28));
  });

  it('moves a patient still in screening with no timers, re-consent due before eligibility', () => {
    const s = send(v2, start(v2), 'CONSENT_SIGNED', day(-40), { consentVersion: 'v2' }).next;
    const plan = planMigration(v2.spec, v3.spec, subject(v2, s, day(-39)), day(-39));
    expect(plan).toMatchObject({ toState: 'screening', refusals: [], timers: { kept: [], added: [], moved: [], cancelled: [] } });
    expect(plan.reconsent?.status).toBe('due');
  });

  it.each([
    ['died', /died on study/],
    ['completed', /roll the patient over to car-t-ltfu/],
    ['withdrawn', /withdrew consent/],
    ['screenFailed', /failed screening/],
  ])('refuses to move a patient who is %s, saying why', (state, why) => {
    const s = onV1(200);
    const plan = planMigration(v1.spec, v3.spec, { ...subject(v1, s, day(200), 1), state }, day(200));
    expect(plan.toState).toBeNull();
    expect(plan.refusals).toEqual([expect.stringMatching(new RegExp(`state ${state} is not mapped by amendment 2 \\(version 3\\) of cd19-rr-all: .*${why.source}`))]);
    expect(plan.timers).toEqual({ kept: [], added: [], moved: [], cancelled: [] });
  });

  it('refuses a version the amendment does not migrate from, and an amendment without a migration', () => {
    const s = onV1(200);
    expect(planMigration(v1.spec, v3.spec, { ...subject(v1, s, day(200), 1), version: 3 }, day(200)).refusals).toEqual([
      'amendment 2 (version 3) of cd19-rr-all moves patients of version 1 or 2, not of version 3',
    ]);
    expect(planMigration(v1.spec, v2.spec, subject(v1, s, day(200), 1), day(200)).refusals).toEqual([expect.stringMatching(/has no migration/)]);
  });

  describe('re-consent', () => {
    const at = day(200);
    const migratedPatient = () => migrated(planMigration(v1.spec, v3.spec, subject(v1, onV1(200), at, 1), at));

    it('refuses the next visit until consent 3.0 is signed, and an older consent version does not lift it', () => {
      let s = migratedPatient();
      expect(stateOf(s)).toBe('followUp');
      const refused = send(v3, s, 'VISIT_COMPLETED', day(270), { visit: 'M9' });
      expect(refused.refusals).toEqual([expect.stringMatching(/re-consent is due: amendment 2 \(version 3\) of cd19-rr-all requires consent version 3.0 before VISIT_COMPLETED/)]);
      expect(send(v3, s, 'CONSENT_SIGNED', day(201), { consentVersion: 'v1' }).refusals).toEqual([expect.stringMatching(/consent version v1 does not lift it/)]);
      s = send(v3, s, 'CONSENT_SIGNED', day(201), { consentVersion: '3.0' }).next;
      expect(ctx(s).reconsent).toMatchObject({ status: 'signed', settledAt: day(201) });
      // The first consent stays the consent: an AE with onset between it and the re-consent is not medical history.
      expect(ctx(s).consent?.version).toBe('v1');
      expect(send(v3, s, 'ADVERSE_EVENT_REPORTED', day(202), { term: 'Fatigue', grade: 1, onset: day(150), related: false, serious: false }).refusals).toEqual([]);
      expect(send(v3, s, 'VISIT_COMPLETED', day(270), { visit: 'M9' }).refusals).toEqual([]);
      expect(send(v3, s, 'CONSENT_SIGNED', day(202), { consentVersion: '3.0' }).refusals).toEqual([expect.stringMatching(/no re-consent is due/)]);
    });

    it('does not block an adverse event or a death while re-consent is due', () => {
      const s = migratedPatient();
      expect(send(v3, s, 'DEATH', day(205), { cause: 'relapse' }).refusals).toEqual([]);
    });

    it('after a decline: follow-up goes on, the added screening visits are not required and their timers are cancelled', () => {
      const s = migratedPatient();
      const { next, actions, refusals } = send(v3, s, 'RECONSENT_DECLINED', day(203), { consentVersion: '3.0', reason: 'does not want further blood tests' });
      expect(refusals).toEqual([]);
      expect(stateOf(next)).toBe('followUp');
      expect(ctx(next).reconsent?.status).toBe('declined');
      expect(ctx(next).visits['MAL-Y1']).toMatchObject({ status: 'notRequired', reason: expect.stringMatching(/declined on 2024-09-/) });
      const cancelled = actions.filter((a) => a.type === 'xstate.cancel').map((a) => a.params!.sendId);
      expect(cancelled).toEqual(expect.arrayContaining(['visit-reminder.MAL-Y1', 'visit-missed.MAL-Y1', 'visit-closing.MAL-Y2']));
      expect(send(v3, next, 'VISIT_COMPLETED', day(270), { visit: 'M9' }).refusals).toEqual([]);
      expect(send(v3, next, 'VISIT_COMPLETED', day(365), { visit: 'MAL-Y1', findings: { newMalignancy: false } }).refusals).toEqual([expect.stringMatching(/not required/)]);
    });
  });

  it('asks the screening visit for its malignancy finding, and a new malignancy notifies the sponsor', () => {
    let s = migratedSigned();
    expect(send(v3, s, 'VISIT_COMPLETED', day(365), { visit: 'MAL-Y1' }).refusals).toEqual([expect.stringMatching(/newMalignancy/)]);
    const done = send(v3, s, 'VISIT_COMPLETED', day(365), { visit: 'MAL-Y1', findings: { newMalignancy: true, details: 'CD4+ T-cell lymphoma' } });
    expect(done.refusals).toEqual([]);
    s = done.next;
    expect(ctx(s).visits['MAL-Y1']).toMatchObject({ status: 'done', findings: { newMalignancy: true } });
    const notices = done.actions.filter((a) => a.type === 'notify').map((a) => a.params as { kind: string; message: string });
    expect(notices).toEqual([{ kind: 'secondary-malignancy', message: expect.stringMatching(/New malignancy reported at visit MAL-Y1 \(CD4\+ T-cell lymphoma\)/) }]);
  });

  function migratedSigned() {
    const at = day(200);
    const s = migrated(planMigration(v1.spec, v3.spec, subject(v1, onV1(200), at, 1), at));
    return send(v3, s, 'CONSENT_SIGNED', day(201), { consentVersion: '3.0' }).next;
  }
});
