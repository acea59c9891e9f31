import { setup } from 'xstate';
import type { Protocol } from '#protocols';
import { findProtocol } from '#protocols';
import { handledEvents, persistSnapshot, restoreMachine, startMachine, stateName, stepMachine } from './machine-boundary';

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
});
