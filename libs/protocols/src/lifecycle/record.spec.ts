import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { cd19RrAll } from '../cd19-rr-all/protocol';
import { cd19StepsToInfusion } from '#testing/eligibility';
import type { ClinicalEvent, ClinicalEventType } from '../events';
import type { PatientContext } from './context';
import { addDays } from './clinical-time';

const protocol = cd19RrAll[0];
const T0 = '2026-03-01T08:00:00.000Z';
const at = (days: number) => addDays(T0, days);
const ctx = (s: AnyMachineSnapshot) => s.context as PatientContext;
const REPORT = { term: 'Encephalopathy', grade: 3, onset: at(4), related: true, serious: true };

function send(snapshot: AnyMachineSnapshot, type: ClinicalEventType, occurredAt: string, data: Record<string, unknown> = {}) {
  const event: ClinicalEvent = { type, occurredAt, data };
  const answer = protocol.answer(ctx(snapshot), event);
  const [next] = transition(protocol.machine, snapshot as never, event as never);
  return { next: next as AnyMachineSnapshot, answer };
}

/** A CD19 patient infused at T0 who reported grade 3 related encephalopathy on day 4: a DLT by the protocol's rule. */
function withComputedDlt() {
  let [s] = initialTransition(protocol.machine, {
    patient: { subjectId: 'S-001', sex: 'female', birthDate: '1991-07-14', weightKg: 70, heightCm: 170 },
  }) as unknown as [AnyMachineSnapshot];
  const steps: Array<[ClinicalEventType, number, Record<string, unknown>]> = [
    ...cd19StepsToInfusion(),
    ['INFUSION_COMPLETED', 0, { cellsPerKg: 7e6 }],
    ['ADVERSE_EVENT_REPORTED', 5, REPORT],
  ];
  for (const [type, day, data] of steps) s = send(s, type, at(day), data).next;
  return s;
}

describe('the DLT call of an adverse event, once the investigator adjudicated it', () => {
  it('answers the overturned call (not a DLT) to a later report of the AE, and keeps it off the DLT list', () => {
    const overturned = send(withComputedDlt(), 'DLT_ADJUDICATED', at(6), {
      term: 'encephalopathy',
      onset: at(4),
      dlt: false,
      rationale: 'pre-existing leukoencephalopathy',
    });
    expect(overturned.answer).toEqual({
      term: 'encephalopathy',
      onset: at(4),
      dlt: false,
      provisional: false,
      dltReason: 'the investigator adjudicated it not dose-limiting: pre-existing leukoencephalopathy',
    });
    const followUp = send(overturned.next, 'ADVERSE_EVENT_REPORTED', at(8), { ...REPORT, resolvedAt: at(8) });
    expect(followUp.answer).toMatchObject({ grade: 3, dlt: false, provisional: false, dltReason: 'the investigator adjudicated it not dose-limiting' });
    expect(ctx(followUp.next).dlts).toEqual([]);
  });

  it('answers the confirmed call (a DLT) to a later report the rule alone would not count, and keeps it adjudicated', () => {
    const overturned = send(withComputedDlt(), 'DLT_ADJUDICATED', at(6), { term: 'Encephalopathy', onset: at(4), dlt: false, rationale: 'x' });
    const confirmed = send(overturned.next, 'DLT_ADJUDICATED', at(7), { term: 'Encephalopathy', onset: at(4), dlt: true, rationale: 'new imaging' });
    expect(confirmed.answer).toMatchObject({ dlt: true, provisional: false });
    // Downgraded to grade 2, the rule alone would not count it; the investigator's call stands.
    const downgraded = { ...REPORT, grade: 2 };
    expect(protocol.answer(ctx(withComputedDlt()), { type: 'ADVERSE_EVENT_REPORTED', occurredAt: at(8), data: downgraded })).toMatchObject({ dlt: false });
    const followUp = send(confirmed.next, 'ADVERSE_EVENT_REPORTED', at(8), downgraded);
    expect(followUp.answer).toMatchObject({ grade: 2, dlt: true, provisional: false, dltReason: 'the investigator adjudicated it dose-limiting' });
    expect(ctx(followUp.next).dlts).toEqual([{ term: 'Encephalopathy', grade: 2, onset: at(4), adjudicated: true }]);
  });

  it('leaves an AE nobody adjudicated to the rule', () => {
    const s = send(withComputedDlt(), 'DLT_ADJUDICATED', at(6), { term: 'Encephalopathy', onset: at(4), dlt: false, rationale: 'x' }).next;
    const other = { ...REPORT, term: 'Seizure', onset: at(5) };
    expect(send(s, 'ADVERSE_EVENT_REPORTED', at(6), other).answer).toMatchObject({ dlt: true, dltReason: expect.stringMatching(/^grade 3 Seizure/) });
  });
});
