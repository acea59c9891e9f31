import { nct03754764V1 } from '../nct03754764-cd38/protocol';
import { cd19RrAllV1 } from '../cd19-rr-all/protocol';
import type { ClinicalEvent } from '../events';
import type { PatientContext } from '../lifecycle/context';
import { newTrialState, nextTrialState, trialRefusals } from './trial-rules';
import type { TrialState } from './trial-state';

const at = '2026-03-01T00:00:00.000Z';
const event = (type: string, occurredAt = at): ClinicalEvent => ({ type: type as never, occurredAt, data: {} });
const context = (over: Partial<PatientContext> = {}) => ({ dlts: [], ...over }) as unknown as PatientContext;

describe('trial rules', () => {
  it('refuses enrollment once the target is reached, naming the count', () => {
    const full: TrialState = { ...newTrialState(cd19RrAllV1), enrolled: 50 };
    expect(trialRefusals(cd19RrAllV1, full, event('ENROLLED'))).toEqual(['enrollment is complete: 50 of 50 participants are enrolled']);
    expect(trialRefusals(cd19RrAllV1, { ...full, enrolled: 49 }, event('ENROLLED'))).toEqual([]);
  });

  it('refuses enrollment on a stopped trial, with the last decision', () => {
    const stopped: TrialState = {
      ...newTrialState(nct03754764V1),
      status: 'stopped',
      decisions: [{ at, patientId: 'p', seq: 9, action: 'stop', fromLevel: 1, toLevel: null, reason: '2 of 3 at level 1 had a DLT' }],
    };
    expect(trialRefusals(nct03754764V1, stopped, event('ENROLLED'))[0]).toMatch(/dose escalation stopped \(2 of 3 at level 1 had a DLT\)/);
  });

  it('counts an enrollment at its level and frees the slot when the patient leaves before evaluation', () => {
    let state = newTrialState(nct03754764V1);
    const enrolled = context({ enrollment: { enrolledAt: at, doseLevel: 1 } });
    state = nextTrialState(nct03754764V1, state, { patientId: 'p1', seq: 5, event: event('ENROLLED'), before: context(), after: enrolled });
    expect(state).toMatchObject({ enrolled: 1, levels: { '1': { enrolled: 1, evaluable: 0, dlts: 0 } }, pending: [{ patientId: 'p1', level: 1 }] });
    state = nextTrialState(nct03754764V1, state, { patientId: 'p1', seq: 6, event: event('WITHDRAWN'), before: enrolled, after: enrolled });
    expect(state).toMatchObject({ enrolled: 1, levels: { '1': { enrolled: 0 } }, pending: [] });
  });

  it('leaves a single-level trial without decisions when a DLT window closes', () => {
    let state = newTrialState(cd19RrAllV1);
    const enrolled = context({ enrollment: { enrolledAt: at, doseLevel: 1 } });
    state = nextTrialState(cd19RrAllV1, state, { patientId: 'p1', seq: 5, event: event('ENROLLED'), before: context(), after: enrolled });
    const closed = context({ enrollment: { enrolledAt: at, doseLevel: 1 }, dlts: [{ term: 'x', grade: 3, onset: at }] });
    state = nextTrialState(cd19RrAllV1, state, { patientId: 'p1', seq: 9, event: event('DLT_WINDOW_CLOSED'), before: enrolled, after: closed });
    expect(state.levels['1']).toEqual({ enrolled: 1, evaluable: 1, dlts: 1 });
    expect(state.decisions).toEqual([]);
  });
});

describe('a protocol that chooses BOIN', () => {
  const boinSpec = { ...nct03754764V1, doseEscalation: { design: 'BOIN' as const, cohortSize: 3, targetDltRate: 0.3 } };

  /** Enrols and evaluates one cohort at the trial's current level with the given DLTs. */
  function cohort(state: TrialState, dlts: boolean[], start: number): TrialState {
    const level = state.mtd ?? state.currentDoseLevel;
    dlts.forEach((_dlt, i) => {
      const enrolled = context({ enrollment: { enrolledAt: at, doseLevel: level } });
      state = nextTrialState(boinSpec, state, { patientId: `p${start + i}`, seq: 5, event: event('ENROLLED'), before: context(), after: enrolled });
    });
    dlts.forEach((dlt, i) => {
      const enrolled = context({ enrollment: { enrolledAt: at, doseLevel: level } });
      const closed = context({ enrollment: { enrolledAt: at, doseLevel: level }, dlts: dlt ? [{ term: 'x', grade: 3, onset: at }] : [] });
      state = nextTrialState(boinSpec, state, { patientId: `p${start + i}`, seq: 9, event: event('DLT_WINDOW_CLOSED'), before: enrolled, after: closed });
    });
    return state;
  }

  it('escalates at 0/3 (≤ λe 0.236), stays at 1/3 (between), de-escalates at 2/3 (≥ λd 0.359)', () => {
    let state = newTrialState(boinSpec);
    state = cohort(state, [false, false, false], 0);
    expect(state.decisions.at(-1)).toMatchObject({ action: 'escalate', fromLevel: 1, toLevel: 2 });
    state = cohort(state, [true, false, false], 3);
    expect(state.decisions.at(-1)).toMatchObject({ action: 'stay', fromLevel: 2, toLevel: 2 });
    state = cohort(state, [true, true, false], 6);
    // Level 2 now has 3 of 6 (0.5 ≥ 0.359): de-escalate to level 1.
    expect(state.decisions.at(-1)).toMatchObject({ action: 'de-escalate', fromLevel: 2, toLevel: 1 });
    expect(state.levels['2']).toEqual({ enrolled: 6, evaluable: 6, dlts: 3 });
  });
});
