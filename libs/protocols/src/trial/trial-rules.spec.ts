import { nct03754764V1 } from '../nct03754764-cd38/protocol';
import { cd19RrAllV1 } from '../cd19-rr-all/protocol';
import type { ClinicalEvent } from '../events';
import type { DltRecord, PatientContext } from '../lifecycle/context';
import type { BoinEscalation, LifecycleSpec } from '../lifecycle/spec';
import { doseLevelForNextPatient, escalationDesignProblems, newTrialState, nextTrialState, trialRefusals } from './trial-rules';
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

describe('3+3 on NCT03754764 when patients leave during the DLT window', () => {
  const spec = nct03754764V1;
  const dlt = { term: 'Hepatic failure', grade: 5, onset: at };
  const onStudy = (level: number, dlts: DltRecord[] = []) =>
    context({ enrollment: { enrolledAt: at, doseLevel: level }, dltWindow: { closesAt: '2026-03-29T00:00:00.000Z' }, dlts });
  let seq = 0;
  const enrol = (state: TrialState, patientId: string, level: number) =>
    nextTrialState(spec, state, { patientId, seq: ++seq, event: event('ENROLLED'), before: context(), after: onStudy(level) });
  const close = (state: TrialState, patientId: string, level: number, hadDlt: boolean) => {
    const closed = context({ ...onStudy(level, hadDlt ? [dlt] : []), dltWindow: { closesAt: at, closedAt: at } });
    return nextTrialState(spec, state, { patientId, seq: ++seq, event: event('DLT_WINDOW_CLOSED'), before: onStudy(level, hadDlt ? [dlt] : []), after: closed });
  };
  const leave = (state: TrialState, patientId: string, level: number, type: 'DEATH' | 'WITHDRAWN', dlts: DltRecord[]) =>
    nextTrialState(spec, state, { patientId, seq: ++seq, event: event(type), before: onStudy(level, dlts), after: onStudy(level, dlts) });

  it('counts a patient who dies of a DLT inside the window as evaluable with it, and decides', () => {
    let state = newTrialState(spec);
    for (const id of ['p1', 'p2', 'p3']) state = enrol(state, id, 1);
    state = close(state, 'p1', 1, false);
    state = close(state, 'p2', 1, false);
    // p3's grade-5 toxicity was recorded as a DLT; the death ends the window, which never closes.
    state = leave(state, 'p3', 1, 'DEATH', [dlt]);
    expect(state.levels['1']).toEqual({ enrolled: 3, evaluable: 3, dlts: 1 });
    expect(state.pending).toEqual([]);
    expect(state.decisions).toEqual([
      expect.objectContaining({ patientId: 'p3', action: 'stay', fromLevel: 1, toLevel: 1, reason: '1 of 3 patients at level 1 had a DLT: treat 3 more patients at level 1' }),
    ]);
  });

  it('de-escalates at the second DLT of a level without waiting for the third patient, so no slot opens there again', () => {
    let state = newTrialState(spec);
    for (const id of ['p1', 'p2', 'p3']) state = enrol(state, id, 1);
    for (const id of ['p1', 'p2', 'p3']) state = close(state, id, 1, false);
    expect(state.currentDoseLevel).toBe(2);
    for (const id of ['p4', 'p5', 'p6']) state = enrol(state, id, 2);
    state = leave(state, 'p4', 2, 'WITHDRAWN', [dlt]);
    expect(state.decisions).toHaveLength(1);
    state = close(state, 'p5', 2, true);
    // 2 of 2 at level 2 with p6 still in the window: level 2 exceeds the MTD, 3 more at level 1.
    expect(state.decisions.at(-1)).toMatchObject({
      patientId: 'p5',
      action: 'de-escalate',
      fromLevel: 2,
      toLevel: 1,
      reason: '2 of 2 patients at level 2 had a DLT, so it exceeds the MTD: de-escalate to level 1 and treat 3 more patients there (it has 3 evaluable of the 6 an MTD needs)',
    });
    expect(state).toMatchObject({ currentDoseLevel: 1, status: 'open', pending: [{ patientId: 'p6', level: 2 }] });
    // p6 withdrawing frees no slot at level 2: the next patient goes to level 1.
    state = leave(state, 'p6', 2, 'WITHDRAWN', []);
    expect(state.levels['2']).toEqual({ enrolled: 2, evaluable: 2, dlts: 2 });
    expect(doseLevelForNextPatient(state)).toBe(1);
    expect(trialRefusals(spec, state, event('ENROLLED'))).toEqual([]);
    expect(state.decisions).toHaveLength(2);
  });

  it("keeps a cohort's slots taken until the cohort is decided, not just until each patient's window closes", () => {
    const refused = (state: TrialState) => trialRefusals(spec, state, event('ENROLLED'));
    let state = newTrialState(spec);
    for (const id of ['p1', 'p2', 'p3']) state = enrol(state, id, 1);
    expect(refused(state)[0]).toMatch(/cohort of 3 at dose level 1 is full and awaiting DLT evaluation/);
    // p1 with a DLT and p2 without are evaluated; p3 is still in its window: 1 of 2, undecided.
    state = close(state, 'p1', 1, true);
    state = close(state, 'p2', 1, false);
    expect(state.decisions).toEqual([]);
    expect(refused(state)).toHaveLength(1);
    // 1 of 3: treat 3 more at level 1, so three slots open there, and no fourth.
    state = close(state, 'p3', 1, false);
    expect(state.decisions.at(-1)).toMatchObject({ action: 'stay', toLevel: 1 });
    expect(refused(state)).toEqual([]);
    for (const id of ['p4', 'p5', 'p6']) state = enrol(state, id, 1);
    expect(refused(state)[0]).toMatch(/is full and awaiting DLT evaluation/);
    // A patient who leaves before evaluation without a DLT gives the slot back for a replacement.
    state = leave(state, 'p6', 1, 'WITHDRAWN', []);
    expect(refused(state)).toEqual([]);
    state = enrol(state, 'p7', 1);
    for (const id of ['p4', 'p5']) state = close(state, id, 1, false);
    expect(refused(state)).toHaveLength(1);
    // 1 of 6 at level 1: escalate; level 2 opens with one cohort, and level 1 never exceeds 6 evaluable.
    state = close(state, 'p7', 1, false);
    expect(state).toMatchObject({ currentDoseLevel: 2, levels: { '1': { enrolled: 6, evaluable: 6, dlts: 1 } } });
    expect(refused(state)).toEqual([]);
  });

  it('tallies a late evaluation at a level the trial has left without deciding again', () => {
    let state = newTrialState(spec);
    for (const id of ['p1', 'p2', 'p3']) state = enrol(state, id, 1);
    for (const id of ['p1', 'p2', 'p3']) state = close(state, id, 1, false);
    for (const id of ['p4', 'p5', 'p6']) state = enrol(state, id, 2);
    state = close(state, 'p4', 2, true);
    state = close(state, 'p5', 2, true);
    state = close(state, 'p6', 2, false);
    expect(state.levels['2']).toEqual({ enrolled: 3, evaluable: 3, dlts: 2 });
    expect(state.decisions.map((d) => d.action)).toEqual(['escalate', 'de-escalate']);
  });
});

describe('a protocol that chooses BOIN', () => {
  const boinSpec = { ...nct03754764V1, doseEscalation: { design: 'BOIN' as const, cohortSize: 3, targetDltRate: 0.3, maxSampleSize: 12 } };

  /** Enrols and evaluates one cohort at the trial's current level with the given DLTs. */
  function cohort(state: TrialState, dlts: boolean[], start: number, spec: LifecycleSpec = boinSpec): TrialState {
    const level = state.mtd ?? state.currentDoseLevel;
    dlts.forEach((_dlt, i) => {
      const enrolled = context({ enrollment: { enrolledAt: at, doseLevel: level } });
      state = nextTrialState(spec, state, { patientId: `p${start + i}`, seq: 5, event: event('ENROLLED'), before: context(), after: enrolled });
    });
    dlts.forEach((dlt, i) => {
      const enrolled = context({ enrollment: { enrolledAt: at, doseLevel: level } });
      const closed = context({ enrollment: { enrolledAt: at, doseLevel: level }, dlts: dlt ? [{ term: 'x', grade: 3, onset: at }] : [] });
      state = nextTrialState(spec, state, { patientId: `p${start + i}`, seq: 9, event: event('DLT_WINDOW_CLOSED'), before: enrolled, after: closed });
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

  it('selects the MTD once the maximum sample size is evaluable', () => {
    let state = newTrialState(boinSpec);
    state = cohort(state, [false, false, false], 0);
    state = cohort(state, [true, false, false], 3);
    state = cohort(state, [true, true, false], 6);
    state = cohort(state, [false, false, false], 9);
    // 12 evaluable, 0 of 6 at level 1 and 3 of 6 at level 2: estimates 0.05/6.1 = 0.8% and 3.05/6.1 = 50%
    // (already non-decreasing); level 2 is 20 points from the 30% target, level 1 29 points.
    expect(state.decisions.at(-1)).toMatchObject({ action: 'mtd-found', fromLevel: 1, toLevel: null });
    expect(state).toMatchObject({ status: 'mtd-found', mtd: 2 });
  });

  const designed = (over: Partial<BoinEscalation>): LifecycleSpec => ({ ...boinSpec, doseEscalation: { ...boinSpec.doseEscalation, ...over } });

  it('names as the MTD only a level patients received (select.mtd: 0/3 and 0/3 tie below the target, the higher treated level)', () => {
    const spec = designed({ maxSampleSize: 6 });
    let state = newTrialState(spec);
    state = cohort(state, [false, false, false], 0, spec);
    state = cohort(state, [false, false, false], 3, spec);
    // levels 3 and 4 nobody received; their (absent) estimates cannot be closest to 30%
    expect(state).toMatchObject({ status: 'mtd-found', mtd: 2 });
    expect(state.decisions.at(-1)!.reason).toMatch(/^6 evaluable patients reach the maximum sample size of 6: level 2 is the MTD/);
  });

  it('stops without an MTD when the maximum sample size is reached with no admissible level, and closes enrollment', () => {
    const spec = designed({ maxSampleSize: 6 });
    let state = newTrialState(spec);
    state = cohort(state, [true, false, false], 0, spec);
    // 1 of 3 stays at level 1; 4 of 6 there: P(p > 0.3 | Beta(5, 3)) = 0.971 > 0.95, level 1 and all above eliminated
    state = cohort(state, [true, true, true], 3, spec);
    expect(state).toMatchObject({ status: 'stopped', mtd: null, currentDoseLevel: 1 });
    expect(state.decisions.at(-1)).toMatchObject({ action: 'stop', fromLevel: 1, toLevel: null });
    expect(state.decisions.at(-1)!.reason).toMatch(/^4 of 6 patients at level 1 had a DLT: .* so level 1 and all above are eliminated: stop the trial, no MTD$/);
    expect(state.decisions.map((d) => d.reason).join(' ')).not.toMatch(/level null/);
    expect(trialRefusals(spec, state, event('ENROLLED'))).toEqual([`enrollment is closed: dose escalation stopped (${state.decisions.at(-1)!.reason})`]);
  });

  it("applies the protocol's BOIN parameters: the extra safety rule stops at 2 of 3 on the lowest level", () => {
    const strict = designed({ extraSafe: true });
    expect(cohort(newTrialState(strict), [true, true, false], 0, strict)).toMatchObject({ status: 'stopped', mtd: null });
    // without it, 2 of 3 (66.7% > λd) at the lowest level stays there
    expect(cohort(newTrialState(boinSpec), [true, true, false], 0)).toMatchObject({ status: 'open', currentDoseLevel: 1 });
    // φ2 = 0.367817461950352 puts λd·3 at 1 − 2e-16, which get.boundary takes as 1: de-escalate from 2 of 3, not 1
    const edge = designed({ phi2: 0.367817461950352 });
    let state = cohort(newTrialState(edge), [false, false, false], 0, edge);
    state = cohort(state, [true, false, false], 3, edge);
    expect(state.decisions.at(-1)).toMatchObject({ action: 'stay', toLevel: 2 });
  });

  it('says why a design cannot run', () => {
    expect(escalationDesignProblems(boinSpec)).toEqual([]);
    expect(escalationDesignProblems(cd19RrAllV1)).toEqual([]);
    expect(escalationDesignProblems(designed({ phi2: 0.3, maxSampleSize: 10 }))).toEqual([
      'φ2 (the DLT rate deemed toxic) must be below 1 and above the target 0.3 by at least a tenth of it (at least 0.33), got 0.3',
      'the maximum sample size must be a whole number of cohorts of 3, got 10',
    ]);
    expect(escalationDesignProblems(designed({ maxSampleSize: 2 }))).toEqual(['the maximum sample size must be a whole number of cohorts of 3, got 2']);
    expect(escalationDesignProblems(designed({ maxSampleSize: 3 }))).toEqual([]);
    expect(escalationDesignProblems(designed({ maxSampleSize: 80 }))).toEqual(['the maximum sample size must be a whole number of cohorts of 3, got 80']);
    expect(escalationDesignProblems(designed({ cohortSize: 1, maxSampleSize: 80 }))).toEqual([]);
    expect(escalationDesignProblems(designed({ cohortSize: 1, maxSampleSize: 81 }))).toEqual(['the maximum sample size of 81 exceeds the target enrollment of 80']);
    expect(escalationDesignProblems(designed({ cohortSize: 2.5 }))).toEqual(['the cohort size must be a whole number of patients, got 2.5']);
  });
});
