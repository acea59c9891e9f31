import { type AnyStateNode, setup } from 'xstate';
import type { Protocol } from '#protocols';
import { findProtocol, PROTOCOLS } from '#protocols';
import { currentSnapshot, handledEvents, isOffStudy, leftStudy, persistSnapshot, restoreMachine, startMachine, stateName, stepMachine } from './machine-boundary';

// A machine with a history state: a paused treatment resumes where it was.
const withHistory = setup({}).createMachine({
  id: 'h',
  initial: 'treatment',
  states: {
    treatment: {
      initial: 'dosing',
      states: { dosing: { on: { NEXT: 'observing' } }, observing: {}, resume: { type: 'history' } },
      on: { HOLD: 'onHold' },
    },
    onHold: { on: { RESUME: 'treatment.resume' } },
  },
});
const historyProtocol = { machine: withHistory } as unknown as Protocol;
const event = (type: string) => ({ type, occurredAt: '2026-01-01T00:00:00.000Z', data: {} }) as never;

describe('the XState boundary', () => {
  it('restores a persisted snapshot through JSON with its history, so a transition through the history state works', () => {
    let { snapshot } = startMachine(historyProtocol, undefined as never);
    snapshot = stepMachine(historyProtocol, snapshot, event('NEXT')).next;
    snapshot = stepMachine(historyProtocol, snapshot, event('HOLD')).next;
    const stored = JSON.parse(JSON.stringify(persistSnapshot(historyProtocol, snapshot)));
    const restored = restoreMachine(historyProtocol, stored);
    const resumed = stepMachine(historyProtocol, restored, event('RESUME'));
    expect(resumed.next.value).toEqual({ treatment: 'observing' });
  });

  it('counts a transition that only acts (a notice) as handled, though the snapshot is the same', () => {
    const protocol = findProtocol('cd19-rr-all')!;
    let { snapshot } = startMachine(protocol, {
      patient: { subjectId: 'S', sex: 'male', birthDate: '1980-01-01', weightKg: 80, heightCm: 180 },
    });
    const at = '2026-01-01T00:00:00.000Z';
    for (const type of [
      'CONSENT_SIGNED',
      'SCREENING_DATA_RECORDED',
      'ELIGIBILITY_CONFIRMED',
      'ENROLLED',
      'LEUKAPHERESIS_COMPLETED',
      'PRODUCT_RELEASED',
      'LYMPHODEPLETION_STARTED',
      'LYMPHODEPLETION_COMPLETED',
    ]) {
      snapshot = stepMachine(protocol, snapshot, { type, occurredAt: at, data: type === 'CONSENT_SIGNED' ? { consentVersion: 'v1' } : {} } as never).next;
    }
    snapshot = stepMachine(protocol, snapshot, { type: 'INFUSION_COMPLETED', occurredAt: at, data: { cellsPerKg: 7e6 } } as never).next;
    const notice = stepMachine(protocol, snapshot, { type: 'DLT_WINDOW_ENDING', occurredAt: at, data: {} } as never);
    expect(notice.next).toBe(snapshot);
    expect(notice.changed).toBe(true);
    expect(notice.actions.map((a) => a.type)).toEqual(['notify']);
  });

  it('reports no change for an event no state handles', () => {
    const { snapshot } = startMachine(historyProtocol, undefined as never);
    expect(stepMachine(historyProtocol, snapshot, event('NOPE')).changed).toBe(false);
  });

  it('lists posted and scheduled events separately and names the course step after infusion', () => {
    const protocol = findProtocol('cd19-rr-all')!;
    const { snapshot } = startMachine(protocol, {
      patient: { subjectId: 'S', sex: 'male', birthDate: '1980-01-01', weightKg: 80, heightCm: 180 },
    });
    expect(handledEvents(snapshot).posted).toContain('CONSENT_SIGNED');
    expect(handledEvents(snapshot).scheduled).toEqual([]);
    expect(stateName(snapshot)).toBe('screening');
  });

  it('serves machines that invoke no actors: one inert scope per machine holds no children', () => {
    const invoking = (node: AnyStateNode): string[] => [
      ...(node.invoke.length ? [node.id] : []),
      ...Object.values(node.states).flatMap((child) => invoking(child as AnyStateNode)),
    ];
    for (const protocol of PROTOCOLS) {
      for (const cohort of protocol.cohorts.length ? protocol.cohorts : [null]) {
        expect({ protocol: `${protocol.id}@${protocol.version}`, cohort, invoking: invoking(protocol.forCohort(cohort).machine.root) }).toEqual({
          protocol: `${protocol.id}@${protocol.version}`,
          cohort,
          invoking: [],
        });
      }
    }
  });

  it('refuses a step that starts a child actor rather than sharing one scope across patients', () => {
    const child = setup({}).createMachine({ initial: 'x', states: { x: {} } });
    const withChild = setup({ actors: { child } }).createMachine({
      initial: 'a',
      states: { a: { on: { GO: 'b' } }, b: { invoke: { src: 'child' } } },
    });
    const protocol = { machine: withChild } as unknown as Protocol;
    const { snapshot } = startMachine(protocol, undefined as never);
    expect(() => stepMachine(protocol, snapshot, event('GO'))).toThrow(/child actor/);
  });

  describe('off study', () => {
    const protocol = findProtocol('cd19-rr-all')!;
    const at = '2026-01-01T00:00:00.000Z';
    const LATE_ENTRIES = [
      'ADVERSE_EVENT_REPORTED',
      'DLT_ADJUDICATED',
      'LAB_RESULT_RECORDED',
      'LAB_TOXICITY_DISMISSED',
      'PROTOCOL_DEVIATION_RECORDED',
      'RESPONSE_ASSESSED',
      'UNSCHEDULED_VISIT_COMPLETED',
      'VISIT_COMPLETED',
    ];
    const walk = (types: string[]) => {
      let { snapshot } = startMachine(protocol, { patient: { subjectId: 'S', sex: 'male', birthDate: '1980-01-01', weightKg: 80, heightCm: 180 } });
      for (const type of types) {
        const data = type === 'CONSENT_SIGNED' ? { consentVersion: 'v1' } : type === 'INFUSION_COMPLETED' ? { cellsPerKg: 7e6 } : { reason: 'patient decision' };
        snapshot = stepMachine(protocol, snapshot, { type, occurredAt: at, data } as never).next;
      }
      return snapshot;
    };
    const TO_INFUSION = [
      'CONSENT_SIGNED',
      'SCREENING_DATA_RECORDED',
      'ELIGIBILITY_CONFIRMED',
      'ENROLLED',
      'LEUKAPHERESIS_COMPLETED',
      'PRODUCT_RELEASED',
      'LYMPHODEPLETION_STARTED',
      'LYMPHODEPLETION_COMPLETED',
      'INFUSION_COMPLETED',
    ];

    it('lists the late entries for a patient who left after its infusion, nothing for one who left before it or screen failed', () => {
      const infused = walk(TO_INFUSION);
      const withdrawn = stepMachine(protocol, infused, { type: 'WITHDRAWN', occurredAt: at, data: { reason: 'x' } } as never);
      expect([stateName(withdrawn.next), isOffStudy(withdrawn.next), leftStudy(withdrawn)]).toEqual(['withdrawn', true, true]);
      expect(handledEvents(withdrawn.next)).toEqual({ posted: LATE_ENTRIES, scheduled: [] });
      const early = walk(['CONSENT_SIGNED', 'WITHDRAWN']);
      expect([isOffStudy(early), handledEvents(early).posted]).toEqual([true, []]);
      const screenFailed = walk(['SCREEN_FAILED']);
      expect([isOffStudy(screenFailed), screenFailed.status, handledEvents(screenFailed).posted]).toEqual([true, 'done', []]);
      // A late entry is not leaving: it cancels no timer.
      const late = stepMachine(protocol, withdrawn.next, { type: 'LAB_RESULT_RECORDED', occurredAt: at, data: { code: 'IL6', value: 1, unit: 'pg/mL', collectedAt: at } } as never);
      expect([late.changed, leftStudy(late), late.actions]).toEqual([true, false, []]);
    });

    it('reads a snapshot stored while the off-study states were final (status done) as active, changing nothing else', () => {
      const withdrawn = stepMachine(protocol, walk(TO_INFUSION), { type: 'WITHDRAWN', occurredAt: at, data: { reason: 'x' } } as never).next;
      const current = JSON.parse(JSON.stringify(persistSnapshot(protocol, withdrawn)));
      const stored = { ...current, status: 'done' };
      expect(currentSnapshot(protocol, stored)).toEqual(current);
      const restored = restoreMachine(protocol, stored);
      expect([restored.status, stateName(restored), isOffStudy(restored), handledEvents(restored).posted]).toEqual(['active', 'withdrawn', true, LATE_ENTRIES]);
      // A final state is still final; a snapshot on study is never rewritten.
      const screenFailed = JSON.parse(JSON.stringify(persistSnapshot(protocol, walk(['SCREEN_FAILED']))));
      expect(currentSnapshot(protocol, screenFailed)).toBe(screenFailed);
      const onStudy = { ...JSON.parse(JSON.stringify(persistSnapshot(protocol, walk(TO_INFUSION)))), status: 'done' };
      expect(currentSnapshot(protocol, onStudy)).toBe(onStudy);
    });
  });
});
