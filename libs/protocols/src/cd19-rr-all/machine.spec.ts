import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { cd19RrAll } from './protocol';
import { cd19StepsToInfusion } from '#testing/eligibility';
import type { ClinicalEvent, ClinicalEventType } from '../events';
import type { PatientContext } from '../lifecycle/context';
import { addDays } from '../lifecycle/clinical-time';
import { LATE_ENTRY_EVENT_TYPES, OFF_STUDY } from '../lifecycle/machine';
import { describeStates } from '../lifecycle/states';

const protocol = cd19RrAll[0];
const T0 = '2026-03-01T08:00:00.000Z';
const at = (days: number) => addDays(T0, days);

type Action = { type: string; params?: Record<string, unknown> };

function start() {
  const [snapshot] = initialTransition(protocol.machine, {
    patient: { subjectId: 'S-001', sex: 'female', birthDate: '1991-07-14', weightKg: 70, heightCm: 170 },
  });
  return snapshot as AnyMachineSnapshot;
}

function send(snapshot: AnyMachineSnapshot, type: ClinicalEventType, occurredAt: string, data: Record<string, unknown> = {}) {
  const event: ClinicalEvent = { type, occurredAt, data };
  const [next, actions] = transition(protocol.machine, snapshot as never, event as never);
  return { next: next as AnyMachineSnapshot, actions: actions as Action[], refusals: protocol.refusals(snapshot.context, event) };
}

const STEPS = cd19StepsToInfusion();

/** Walks a patient through the standard steps, stopping before `until` (or after the last). */
function walk(until?: ClinicalEventType) {
  let s = start();
  for (const [type, day, data] of STEPS) {
    if (type === until) break;
    s = send(s, type, at(day), data).next;
  }
  return s;
}

/** A patient infused at T0 with 7 ×10⁶ cells/kg. */
const infused = () => send(walk(), 'INFUSION_COMPLETED', T0, { cellsPerKg: 7e6 });

const raises = (actions: Action[]) => actions.filter((a) => a.type === 'xstate.raise' && typeof a.params?.delay === 'number');
const cancels = (actions: Action[]) => actions.filter((a) => a.type === 'xstate.cancel').map((a) => a.params!.sendId as string);
const ctx = (s: AnyMachineSnapshot) => s.context as PatientContext;

describe('CD19 R/R ALL lifecycle', () => {
  it('starts in screening and refuses eligibility without consent, naming every unmet criterion', () => {
    const s = start();
    expect(s.value).toBe('screening');
    const { refusals } = send(s, 'ELIGIBILITY_CONFIRMED', at(-28), { attestations: [] });
    expect(refusals).toContain('informed consent has not been signed');
    expect(refusals.length).toBeGreaterThan(5);
  });

  it('computes the Flu/Cy doses from Mosteller BSA at lymphodepletion', () => {
    const { next } = infused();
    const plan = ctx(next).lymphodepletion!.plan;
    expect(plan.bsaM2).toBe(1.82);
    expect(plan.agents.map((a) => [a.agent, a.dailyMg])).toEqual([
      ['fludarabine', 54.6],
      ['cyclophosphamide', 546],
    ]);
  });

  it('refuses an infusion outside 5–10 ×10⁶/kg, bounds included', () => {
    const ready = walk();
    expect(send(ready, 'INFUSION_COMPLETED', T0, { cellsPerKg: 4.9e6 }).refusals).toEqual([expect.stringMatching(/below the assigned dose level 1 range of 5–10/)]);
    expect(send(ready, 'INFUSION_COMPLETED', T0, { cellsPerKg: 10.1e6 }).refusals).toEqual([expect.stringMatching(/above/)]);
    expect(send(ready, 'INFUSION_COMPLETED', T0, { cellsPerKg: 5e6 }).refusals).toEqual([]);
    expect(send(ready, 'INFUSION_COMPLETED', T0, { cellsPerKg: 10e6 }).refusals).toEqual([]);
    expect(infused().next.value).toMatchObject({ postInfusion: { course: 'dltWindow' } });
  });

  it('schedules the DLT window, every visit reminder and window close, and the end of follow-up at Day 0', () => {
    const { actions } = infused();
    const timers = raises(actions);
    const byId = Object.fromEntries(timers.map((a) => [a.params!.id, a.params!]));
    const DAY = 86_400_000;
    expect(byId['dlt-window']).toMatchObject({ delay: 28 * DAY, event: { type: 'DLT_WINDOW_CLOSED' } });
    expect(byId['visit-missed.D28']).toMatchObject({ delay: 31 * DAY, event: { type: 'VISIT_MISSED', data: { visit: 'D28' } } });
    expect(byId['visit-reminder.D28']).toMatchObject({ delay: 23 * DAY });
    expect(byId['follow-up-end']).toMatchObject({ delay: 761 * DAY });
    expect(byId['visit-closing.D28']).toMatchObject({ delay: 30 * DAY, event: { type: 'VISIT_WINDOW_CLOSING', data: { visit: 'D28' } } });
    expect(byId['dlt-window-ending']).toMatchObject({ delay: 26 * DAY, event: { type: 'DLT_WINDOW_ENDING' } });
    // The DLT window's end and its warning, the end of follow-up, and per visit a reminder, a closing notice and the miss.
    expect(timers).toHaveLength(3 + 3 * protocol.spec.schedule.length);
  });

  it('closes the DLT window on its timer and moves to response assessment, then to follow-up at the D28 response', () => {
    let { next: s } = infused();
    const closed = send(s, 'DLT_WINDOW_CLOSED', at(28));
    expect(closed.next.value).toMatchObject({ postInfusion: { course: 'responseAssessment' } });
    expect(ctx(closed.next).dltWindow!.closedAt).toBe(at(28));
    expect(closed.actions.find((a) => a.type === 'notify')?.params).toMatchObject({ kind: 'dlt-window-closed' });
    s = closed.next;
    const assessed = send(s, 'RESPONSE_ASSESSED', at(29), {
      visit: 'D28',
      marrowBlastsPct: 1,
      circulatingBlasts: false,
      extramedullary: false,
      anc: 1.2,
      platelets: 110,
      countsUnit: '10^9/L',
      mrdPct: 0.001,
    });
    expect(assessed.next.value).toMatchObject({ postInfusion: { course: 'followUp' } });
    expect(ctx(assessed.next).responses).toEqual([{ visit: 'D28', assessedAt: at(29), response: 'CR', mrdNegative: true }]);
    const ended = send(assessed.next, 'FOLLOW_UP_ENDED', at(761));
    expect(ended.next.value).toBe('completed');
    expect(ended.next.hasTag(OFF_STUDY)).toBe(true);
  });

  it('names a relapse after remission in the answer: morphologic, or molecular after MRD negativity', () => {
    const { next: s } = infused();
    const findings = { marrowBlastsPct: 1, circulatingBlasts: false, extramedullary: false, anc: 1.2, platelets: 110, countsUnit: '10^9/L' };
    const cr = send(s, 'RESPONSE_ASSESSED', at(28), { visit: 'D28', ...findings, mrdPct: 0.001 }).next;
    const event = (data: Record<string, unknown>) => ({ type: 'RESPONSE_ASSESSED' as const, occurredAt: at(90), data: { visit: 'M3', ...data } });
    expect(protocol.answer(ctx(cr), event({ ...findings, marrowBlastsPct: 12 }))).toMatchObject({ response: 'NR', relapse: { kind: 'morphologic' } });
    expect(protocol.answer(ctx(cr), event({ ...findings, mrdPct: 0.5 }))).toMatchObject({ response: 'CR', relapse: { kind: 'mrd' } });
    expect(protocol.answer(ctx(cr), event({ ...findings, mrdPct: 0.001 }))).toEqual({ response: 'CR', mrdNegative: true });
    expect(protocol.answer(ctx(s), event({ ...findings, marrowBlastsPct: 12 }))).toEqual({ response: 'NR' });
  });

  it('takes an AE dated only by the infusion day as on Day 0, not before the infusion', () => {
    const { next: s } = infused();
    const report = { term: 'Encephalopathy', grade: 3, onset: T0.slice(0, 10), related: true, serious: true };
    expect(protocol.answer(ctx(s), { type: 'ADVERSE_EVENT_REPORTED', occurredAt: at(1), data: report })).toMatchObject({ dlt: true });
    const dayBefore = { ...report, onset: at(-1).slice(0, 10) };
    expect(protocol.answer(ctx(s), { type: 'ADVERSE_EVENT_REPORTED', occurredAt: at(1), data: dayBefore })).toMatchObject({
      dlt: false,
      dltReason: 'onset is before the infusion',
    });
  });

  it("lets the investigator's adjudication overturn or confirm a DLT call, and keeps it against later reports", () => {
    const { next: s } = infused();
    const report = { term: 'Encephalopathy', grade: 3, onset: at(4), related: true, serious: true };
    const withDlt = send(s, 'ADVERSE_EVENT_REPORTED', at(5), report).next;
    expect(ctx(withDlt).dlts).toHaveLength(1);
    const overturned = send(withDlt, 'DLT_ADJUDICATED', at(6), { term: 'encephalopathy', onset: at(4), dlt: false, rationale: 'pre-existing condition' });
    expect(ctx(overturned.next).dlts).toEqual([]);
    expect(overturned.actions.find((a) => a.type === 'notify')?.params).toMatchObject({ message: expect.stringMatching(/is not dose-limiting/) });
    // A follow-up report of the same AE does not bring the overturned call back.
    const followUp = send(overturned.next, 'ADVERSE_EVENT_REPORTED', at(8), { ...report, resolvedAt: at(8) }).next;
    expect(ctx(followUp).dlts).toEqual([]);
    // The overturned call can be confirmed again; an AE the rule never flagged cannot be made a DLT.
    const reconfirmed = send(overturned.next, 'DLT_ADJUDICATED', at(9), { term: 'Encephalopathy', onset: at(4), dlt: true, rationale: 'new information' });
    expect(ctx(reconfirmed.next).dlts).toEqual([{ term: 'Encephalopathy', grade: 3, onset: at(4), adjudicated: true }]);
    const mild = send(s, 'ADVERSE_EVENT_REPORTED', at(5), { ...report, term: 'Aphasia', grade: 2 }).next;
    expect(protocol.refusals(ctx(mild), { type: 'DLT_ADJUDICATED', occurredAt: at(6), data: { term: 'Aphasia', onset: at(4), dlt: true, rationale: 'x' } })).toEqual([
      expect.stringMatching(/"Aphasia" with onset .* is not a DLT candidate on record/),
    ]);
  });

  it('counts a related grade 3 toxicity in the window as a DLT and notifies', () => {
    const { next: s } = infused();
    const ae = send(s, 'ADVERSE_EVENT_REPORTED', at(5), { term: 'Encephalopathy', grade: 3, onset: at(4), related: true, serious: true });
    expect(ctx(ae.next).dlts).toEqual([{ term: 'Encephalopathy', grade: 3, onset: at(4) }]);
    expect(ae.actions.find((a) => a.type === 'notify')?.params).toMatchObject({ kind: 'dose-limiting-toxicity' });
    const mild = send(s, 'ADVERSE_EVENT_REPORTED', at(5), { term: 'Fatigue', grade: 1, onset: at(4), related: true, serious: false });
    expect(ctx(mild.next).dlts).toEqual([]);
    expect(mild.actions.filter((a) => a.type === 'notify')).toEqual([]);
  });

  it('marks a completed visit done and cancels its three timers; a later VISIT_MISSED for it changes nothing', () => {
    const { next: s } = infused();
    const done = send(s, 'VISIT_COMPLETED', at(7), { visit: 'D7' });
    expect(ctx(done.next).visits.D7).toEqual({ status: 'done', completedAt: at(7) });
    expect(cancels(done.actions).sort()).toEqual(['visit-closing.D7', 'visit-missed.D7', 'visit-reminder.D7']);
    const late = send(done.next, 'VISIT_MISSED', at(8), { visit: 'D7' });
    expect(late.next).toBe(done.next);
  });

  it('warns a day before an unmet window closes, and two days before the DLT window ends', () => {
    const { next: s } = infused();
    const closing = send(s, 'VISIT_WINDOW_CLOSING', at(7), { visit: 'D7' });
    expect(closing.actions.find((a) => a.type === 'notify')?.params).toMatchObject({ kind: 'visit-window-closing', visit: 'D7' });
    const done = send(s, 'VISIT_COMPLETED', at(7), { visit: 'D7' }).next;
    expect(send(done, 'VISIT_WINDOW_CLOSING', at(7), { visit: 'D7' }).next).toBe(done);
    const ending = send(s, 'DLT_WINDOW_ENDING', at(26));
    expect(ending.actions.find((a) => a.type === 'notify')?.params).toMatchObject({
      kind: 'dlt-window-ending',
      message: expect.stringMatching(/ends on \d{4}-\d{2}-\d{2} \(0 DLTs so far\)/),
    });
    expect(ending.next.value).toMatchObject({ postInfusion: { course: 'dltWindow' } });
  });

  it('marks a visit missed when its window closes unmet, with a notification', () => {
    const { next: s } = infused();
    const missed = send(s, 'VISIT_MISSED', at(8), { visit: 'D7' });
    expect(ctx(missed.next).visits.D7.status).toBe('missed');
    expect(missed.actions.find((a) => a.type === 'notify')?.params).toMatchObject({ kind: 'visit-missed', visit: 'D7' });
  });

  it('cancels every pending timer on withdrawal and ends off study', () => {
    const { next: s } = infused();
    const withdrawn = send(s, 'WITHDRAWN', at(3), { reason: 'patient decision' });
    expect(withdrawn.next.value).toBe('withdrawn');
    expect(withdrawn.next.hasTag(OFF_STUDY)).toBe(true);
    const cancelled = cancels(withdrawn.actions);
    expect(cancelled).toEqual(expect.arrayContaining(['dlt-window', 'follow-up-end', 'visit-missed.M24', 'visit-reminder.D7']));
    expect(cancelled).toHaveLength(3 + 3 * protocol.spec.schedule.length);
    expect(ctx(withdrawn.next).offStudy).toEqual({ at: at(3), reason: 'withdrawn', detail: 'patient decision' });
  });

  it('takes data about the time on study after the patient left: recorded, no timer, no cancel, the state kept', () => {
    const { next: s } = infused();
    const withdrawn = send(s, 'WITHDRAWN', at(20), { reason: 'patient decision' }).next;
    const late = send(withdrawn, 'ADVERSE_EVENT_REPORTED', at(30), { term: 'Hepatic failure', grade: 4, onset: at(5), related: true, serious: true });
    expect(late.next.value).toBe('withdrawn');
    expect(late.next.hasTag(OFF_STUDY)).toBe(true);
    expect(ctx(late.next).dlts).toEqual([{ term: 'Hepatic failure', grade: 4, onset: at(5) }]);
    expect(late.actions).toEqual([expect.objectContaining({ type: 'notify', params: expect.objectContaining({ kind: 'dose-limiting-toxicity' }) })]);
    const visit = send(late.next, 'VISIT_COMPLETED', at(30), { visit: 'D7' });
    expect(ctx(visit.next).visits.D7).toMatchObject({ status: 'done', completedAt: at(30) });
    expect(raises(visit.actions)).toEqual([]);
    expect(cancels(visit.actions)).toEqual([]);
    const response = send(visit.next, 'RESPONSE_ASSESSED', at(30), { visit: 'D28', response: 'CR' });
    expect(ctx(response.next).responses).toHaveLength(1);
    expect(send(response.next, 'LAB_RESULT_RECORDED', at(30), { code: 'IL6', value: 10, unit: 'pg/mL', collectedAt: at(10) }).next.context.labResultCount).toBe(1);
    // Nothing else: no second exit, no step of the course, no timer's event.
    for (const type of ['WITHDRAWN', 'DEATH', 'PROGRESSION_OR_RELAPSE', 'LOST_TO_FOLLOW_UP', 'DLT_WINDOW_CLOSED', 'VISIT_MISSED'] as const) {
      expect(send(response.next, type, at(31), { reason: 'x', cause: 'x', kind: 'progression', visit: 'D14' }).next).toBe(response.next);
    }
  });

  it('lets exactly the late entries into the off-study states after an infusion, and nothing into the final ones', () => {
    const states = describeStates(protocol.machine);
    for (const id of ['withdrawn', 'died', 'lostToFollowUp', 'completed']) {
      expect(states.find((s) => s.id === id)).toEqual({ id, type: 'atomic', tags: [OFF_STUDY], accepts: [...LATE_ENTRY_EVENT_TYPES], scheduled: [] });
    }
    for (const id of ['screenFailed', 'manufacturingFailed']) expect(states.find((s) => s.id === id)).toEqual({ id, type: 'final', tags: [OFF_STUDY], accepts: [], scheduled: [] });
    expect(states.filter((s) => s.tags.includes(OFF_STUDY)).map((s) => s.id)).toHaveLength(6);
  });

  it('takes nothing more from a patient who left before the infusion, nor from a screen failure', () => {
    const withdrawn = send(walk('LEUKAPHERESIS_COMPLETED'), 'WITHDRAWN', at(-20), { reason: 'patient decision' }).next;
    expect([withdrawn.value, withdrawn.hasTag(OFF_STUDY), withdrawn.status]).toEqual(['withdrawn', true, 'active']);
    const ae = { term: 'Nausea', grade: 2, onset: at(-21), related: false, serious: false };
    expect(send(withdrawn, 'ADVERSE_EVENT_REPORTED', at(-19), ae).next).toBe(withdrawn);
    expect(withdrawn.can({ type: 'ADVERSE_EVENT_REPORTED', occurredAt: at(-19), data: ae } as never)).toBe(false);
    const screenFailed = send(start(), 'SCREEN_FAILED', at(-20), { reason: 'CD19 negative' }).next;
    expect([screenFailed.hasTag(OFF_STUDY), screenFailed.status]).toEqual([true, 'done']);
  });

  it('ignores events a state does not accept (same snapshot, no actions)', () => {
    const s = start();
    const [next, actions] = transition(protocol.machine, s as never, { type: 'INFUSION_COMPLETED', occurredAt: T0, data: { cellsPerKg: 7e6 } } as never);
    expect(next).toBe(s);
    expect(actions).toEqual([]);
  });

  it('has exits for screen failure and manufacturing failure', () => {
    const sf = send(start(), 'SCREEN_FAILED', at(-20), { reason: 'CD19 negative' });
    expect(sf.next.value).toBe('screenFailed');
    const s = walk('PRODUCT_RELEASED');
    expect(send(s, 'MANUFACTURING_FAILED', at(-10), { reason: 'insufficient expansion' }).next.value).toBe('manufacturingFailed');
  });
});
