import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { cd19RrAll } from '../cd19-rr-all/protocol';
import { cd19StepsToInfusion } from '#testing/eligibility';
import type { ClinicalEvent, ClinicalEventType } from '../events';
import { addDays } from './clinical-time';

const protocol = cd19RrAll[0];
const T0 = '2026-03-01T08:00:00.000Z';
const at = (days: number) => addDays(T0, days);
const STEPS = cd19StepsToInfusion();

function start(patient: Partial<{ birthDate: string; heightCm: number; weightKg: number }> = {}) {
  const [snapshot] = initialTransition(protocol.machine, {
    patient: { subjectId: 'S-001', sex: 'female', birthDate: '1991-07-14', weightKg: 70, heightCm: 170, ...patient },
  });
  return snapshot as AnyMachineSnapshot;
}

const event = (type: ClinicalEventType, occurredAt: string, data: Record<string, unknown> = {}): ClinicalEvent => ({ type, occurredAt, data });
const refusals = (s: AnyMachineSnapshot, e: ClinicalEvent) => protocol.refusals(s.context, e);
const step = (s: AnyMachineSnapshot, e: ClinicalEvent) => transition(protocol.machine, s as never, e as never)[0] as AnyMachineSnapshot;

/** The patient after the standard steps up to (not including) `until`, each on its usual day. */
function walkTo(until?: ClinicalEventType, s = start()) {
  for (const [type, day, data] of STEPS) {
    if (type === until) return { s, day, data };
    s = step(s, event(type, at(day), data));
  }
  return { s, day: 0, data: {} };
}

describe('lifecycle dates in order', () => {
  it.each<[ClinicalEventType, string, ClinicalEventType]>([
    ['ELIGIBILITY_CONFIRMED', 'consent', 'CONSENT_SIGNED'],
    ['ENROLLED', 'eligibility sign-off', 'ELIGIBILITY_CONFIRMED'],
    ['LEUKAPHERESIS_COMPLETED', 'enrollment', 'ENROLLED'],
    ['PRODUCT_RELEASED', 'start of manufacturing', 'MANUFACTURING_STARTED'],
    ['LYMPHODEPLETION_STARTED', 'product release', 'PRODUCT_RELEASED'],
    ['LYMPHODEPLETION_COMPLETED', 'lymphodepletion start', 'LYMPHODEPLETION_STARTED'],
  ])('%s is refused a second before the %s, and taken at the same instant', (type, previous, previousType) => {
    const { s, data } = walkTo(type);
    const priorAt = at(STEPS.find(([t]) => t === previousType)![1]);
    expect(refusals(s, event(type, new Date(Date.parse(priorAt) - 1000).toISOString(), data))).toContainEqual(
      expect.stringMatching(new RegExp(`is before the ${previous} at ${priorAt.replace(/[.]/g, '\\.')}`)),
    );
    expect(refusals(s, event(type, priorAt, data)).filter((r) => r.includes('is before the'))).toEqual([]);
  });

  it('refuses an infusion before lymphodepletion completed', () => {
    const { s } = walkTo();
    expect(refusals(s, event('INFUSION_COMPLETED', at(-4), { cellsPerKg: 7e6 }))).toEqual([
      `infusion at ${at(-4)} is before the lymphodepletion completion at ${at(-3)}`,
      `INFUSION_COMPLETED at ${at(-4)} is before the thaw of the product at ${at(0)}`,
    ]);
  });

  it('refuses a step dated before the patient was born, whatever its order', () => {
    const s = start();
    expect(refusals(s, event('CONSENT_SIGNED', '1800-01-01T00:00:00.000Z', { consentVersion: 'v1' }))).toEqual([
      "occurredAt 1800-01-01T00:00:00.000Z is before the patient's birth date 1991-07-14",
    ]);
    expect(refusals(s, event('CONSENT_SIGNED', '1991-07-14T00:00:00.000Z', { consentVersion: 'v1' }))).toEqual([]);
  });

  it('takes consent and screening before anything else is dated, and late entry of the whole lifecycle', () => {
    const { s } = walkTo();
    expect(ctxOf(s).lymphodepletion?.completedAt).toBe(at(-3));
  });

  it('refuses a visit or a progression before the infusion, and an AE that began before consent', () => {
    const infused = step(walkTo().s, event('INFUSION_COMPLETED', T0, { cellsPerKg: 7e6 }));
    expect(refusals(infused, event('VISIT_COMPLETED', at(-1), { visit: 'D7' }))).toEqual([`visit D7 at ${at(-1)} is before the infusion at ${T0}`]);
    expect(refusals(infused, event('VISIT_COMPLETED', at(7), { visit: 'D7' }))).toEqual([]);
    expect(refusals(infused, event('PROGRESSION_OR_RELAPSE', at(-2), { kind: 'morphologic' }))).toEqual([`progression or relapse at ${at(-2)} is before the infusion at ${T0}`]);
    const ae = (onset: string) => event('ADVERSE_EVENT_REPORTED', at(2), { term: 'Fatigue', grade: 2, onset, related: false, serious: false });
    expect(refusals(infused, ae(at(-31).slice(0, 10)))).toEqual([
      `onset ${at(-31).slice(0, 10)} is before the consent on ${at(-30).slice(0, 10)}: an event before consent is medical history, not an adverse event of the trial`,
    ]);
    // the day of consent and the lymphodepletion days are inside the trial
    expect(refusals(infused, ae(at(-30).slice(0, 10)))).toEqual([]);
    expect(refusals(infused, ae(at(-4)))).toEqual([]);
  });

  it.each<ClinicalEventType>(['DEATH', 'WITHDRAWN', 'LOST_TO_FOLLOW_UP'])('refuses %s dated before the last step on record', (type) => {
    const infused = step(walkTo().s, event('INFUSION_COMPLETED', T0, { cellsPerKg: 7e6 }));
    const data = type === 'DEATH' ? { cause: 'x' } : type === 'WITHDRAWN' ? { reason: 'x' } : {};
    expect(refusals(infused, event(type, at(-1), data))).toEqual([
      `${{ DEATH: 'death', WITHDRAWN: 'withdrawal', LOST_TO_FOLLOW_UP: 'loss to follow-up' }[type as string]} at ${at(-1)} is before the infusion at ${T0}`,
    ]);
    expect(refusals(infused, event(type, at(1), data))).toEqual([]);
  });

  it('refuses a death before consent in screening, not one without anything on record', () => {
    expect(refusals(start(), event('DEATH', at(-40), { cause: 'x' }))).toEqual([]);
    const consented = step(start(), event('CONSENT_SIGNED', at(-30), { consentVersion: 'v1' }));
    expect(refusals(consented, event('DEATH', at(-31), { cause: 'x' }))).toEqual([`death at ${at(-31)} is before the consent at ${at(-30)}`]);
  });
});

describe('body size at lymphodepletion and infusion', () => {
  it('refuses a height and weight that cannot be one person, the registered values filling in', () => {
    const { s } = walkTo('LYMPHODEPLETION_STARTED');
    expect(refusals(s, event('LYMPHODEPLETION_STARTED', at(-5), { weightKg: 2 }))).toEqual([expect.stringMatching(/^2 kg at 170 cm is a body mass index of 0\.7 kg\/m², below 6/)]);
    expect(refusals(s, event('LYMPHODEPLETION_STARTED', at(-5), { heightCm: 60, weightKg: 6 }))).toEqual([]);
    expect(refusals(s, event('LYMPHODEPLETION_STARTED', at(-5), {}))).toEqual([]);
  });

  it('refuses an infusion weight that does not fit the height on record', () => {
    const { s } = walkTo();
    expect(refusals(s, event('INFUSION_COMPLETED', T0, { cellsPerKg: 7e6, weightKg: 600 }))).toEqual([
      expect.stringMatching(/^600 kg at 170 cm is a body mass index of 207\.6 kg\/m², above 200/),
    ]);
  });
});

describe('the screening record stays bounded', () => {
  it('refuses markers that would take the record past 100', () => {
    const markers = (n: number, prefix: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'positive']));
    const s = step(start(), event('SCREENING_DATA_RECORDED', at(-29), { markers: markers(80, 'A') }));
    expect(refusals(s, event('SCREENING_DATA_RECORDED', at(-29), { markers: markers(20, 'B') }))).toEqual([]);
    expect(refusals(s, event('SCREENING_DATA_RECORDED', at(-29), { markers: markers(21, 'B') }))).toEqual([
      'data.markers: the screening record would hold 101 markers, more than the 100 it may hold',
    ]);
  });
});

const ctxOf = (s: AnyMachineSnapshot) => s.context as { lymphodepletion?: { completedAt?: string } };

describe('late entries after the patient left the study', () => {
  // Infused at T0 (08:00 UTC), withdrawn on day 20 at 08:00 UTC.
  const withdrawn = () => {
    const infused = step(walkTo().s, event('INFUSION_COMPLETED', T0, { cellsPerKg: 7e6 }));
    return step(infused, event('WITHDRAWN', at(20), { reason: 'patient decision' }));
  };
  const day = (n: number) => at(n).slice(0, 10);
  const ae = (onset: string) => event('ADVERSE_EVENT_REPORTED', at(40), { term: 'Hepatic failure', grade: 4, onset, related: true, serious: true });

  it('takes an AE whose onset is on or before the day the patient left, and refuses one that began after', () => {
    const s = withdrawn();
    expect(refusals(s, ae(at(5)))).toEqual([]);
    expect(refusals(s, ae(day(20)))).toEqual([]);
    expect(refusals(s, ae(`${day(20)}T23:59:59Z`))).toEqual([]);
    expect(refusals(s, ae(day(21)))).toEqual([
      `onset ${day(21)} is after the patient left the study on ${day(20)} (withdrawn): after leaving, only data about the time on study can be entered`,
    ]);
    expect(refusals(s, ae(`${day(21)}T00:00:00Z`))).toHaveLength(1);
  });

  it('dates a lab result by its collection and a visit or an assessment by when it took place', () => {
    const s = withdrawn();
    const lab = (collectedAt: string) => event('LAB_RESULT_RECORDED', at(40), { code: 'IL6', value: 12, unit: 'pg/mL', collectedAt });
    expect(refusals(s, lab(at(20)))).toEqual([]);
    expect(refusals(s, lab(at(21)))).toEqual([expect.stringMatching(/^collectedAt .* is after the patient left the study on /)]);
    expect(refusals(s, event('VISIT_COMPLETED', at(14), { visit: 'D14' }))).toEqual([]);
    expect(refusals(s, event('VISIT_COMPLETED', at(21), { visit: 'D28' }))).toEqual([expect.stringMatching(/^visit D28 at .* is after the patient left/)]);
    expect(refusals(s, event('RESPONSE_ASSESSED', at(20), { visit: 'D28', response: 'CR' }))).toEqual([]);
    expect(refusals(s, event('RESPONSE_ASSESSED', at(21), { visit: 'D28', response: 'CR' }))).toEqual([
      expect.stringMatching(/^the D28 assessment at .* is after the patient left/),
    ]);
  });

  it('does not date an adjudication, which is made after the fact, and leaves a patient on study alone', () => {
    const s = withdrawn();
    const onset = at(5);
    const reported = step(s, ae(onset));
    expect(refusals(reported, event('DLT_ADJUDICATED', at(60), { term: 'Hepatic failure', onset, dlt: true, rationale: 'confirmed' }))).toEqual([]);
    const onStudy = step(walkTo().s, event('INFUSION_COMPLETED', T0, { cellsPerKg: 7e6 }));
    expect(refusals(onStudy, event('ADVERSE_EVENT_REPORTED', at(40), { term: 'Nausea', grade: 2, onset: at(39), related: false, serious: false }))).toEqual([]);
  });
});
