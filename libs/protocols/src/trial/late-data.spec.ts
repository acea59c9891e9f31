import { nct03754764V1 } from '../nct03754764-cd38/protocol';
import { cd19RrAllV1 } from '../cd19-rr-all/protocol';
import type { ClinicalEvent } from '../events';
import type { DltRecord, PatientContext } from '../lifecycle/context';
import { doseLevelForNextPatient, evaluationTouched, newTrialState, nextTrialState, trialRefusals } from './trial-rules';
import { escalationNote, trialNoticesFor } from './late-data';
import { dataLockRefusals, lockLevelData, releaseHold } from './data-lock';
import type { TrialState } from './trial-state';

const spec = nct03754764V1;
const day0 = '2026-03-01T00:00:00.000Z';
const closed = '2026-03-29T00:00:00.000Z';
const event = (type: string, occurredAt = '2026-04-10T00:00:00.000Z'): ClinicalEvent => ({ type: type as never, occurredAt, data: {} });
const hepatic: DltRecord = { term: 'Hepatic failure', grade: 4, onset: '2026-03-06T00:00:00.000Z' };
const signed = (signedAt: string) => ({ signerId: 'user:inv', signerName: 'Ivan Investigator', meaning: 'I lock the DLT data', signedAt });

/** A patient's record at a level: infused on day0, window open or closed, with these DLTs. */
const record = (level: number, dlts: DltRecord[] = [], windowClosed = false) =>
  ({
    dlts,
    enrollment: { enrolledAt: day0, doseLevel: level },
    infusion: { infusedAt: day0, cellsPerKg: 1e6, weightKg: 70, totalCells: 7e7 },
    dltWindow: windowClosed ? { closesAt: closed, closedAt: closed } : { closesAt: closed },
  }) as unknown as PatientContext;

let seq = 0;
function cohort(state: TrialState, ids: string[], dlts: boolean[]): TrialState {
  const level = doseLevelForNextPatient(state);
  for (const id of ids) state = nextTrialState(spec, state, { patientId: id, seq: ++seq, event: event('ENROLLED'), before: record(level), after: record(level) });
  ids.forEach((id, i) => {
    const had = dlts[i] ? [hepatic] : [];
    state = nextTrialState(spec, state, { patientId: id, seq: ++seq, event: event('DLT_WINDOW_CLOSED', closed), before: record(level, had), after: record(level, had, true) });
  });
  return state;
}

/** Late data on an evaluated patient: before and after the event, window closed. */
const late = (state: TrialState, patientId: string, level: number, type: string, before: DltRecord[], after: DltRecord[]) =>
  nextTrialState(spec, state, { patientId, seq: ++seq, event: event(type), before: record(level, before, true), after: record(level, after, true) });

describe('late data on an evaluated patient (3+3, NCT03754764)', () => {
  it('counts a DLT reported after the window and revises the escalation that should have been an expansion, holding enrollment', () => {
    const escalated = cohort(newTrialState(spec), ['p1', 'p2', 'p3'], [false, false, false]);
    expect(escalated).toMatchObject({ currentDoseLevel: 2, decisions: [{ action: 'escalate', toLevel: 2, evaluationsCounted: 3 }] });

    const revised = late(escalated, 'p2', 1, 'ADVERSE_EVENT_REPORTED', [], [hepatic]);
    expect(revised.levels['1']).toEqual({ enrolled: 3, evaluable: 3, dlts: 1 });
    expect(revised.decisions).toHaveLength(2);
    expect(revised.decisions[0]).toEqual(escalated.decisions[0]);
    expect(revised.decisions[1]).toMatchObject({
      action: 'stay',
      fromLevel: 1,
      toLevel: 1,
      mtd: null,
      revises: 0,
      reason: '1 of 3 patients at level 1 had a DLT: treat 3 more patients at level 1',
      cause: 'a dose-limiting toxicity reported after the DLT window had closed at dose level 1 (grade 4 Hepatic failure, onset on study day 5)',
      tallies: [
        { level: 1, treated: 3, dlts: 1 },
        { level: 2, treated: 0, dlts: 0 },
        { level: 3, treated: 0, dlts: 0 },
      ],
    });
    expect(revised).toMatchObject({ currentDoseLevel: 1, status: 'open', mtd: null });
    expect(revised.holds).toEqual([
      expect.objectContaining({
        id: 1,
        levels: [1, 2, 3],
        decision: 1,
        reason: expect.stringMatching(
          /^the escalation decision of 2026-03-29 \(0 of 3 patients at level 1 had a DLT: escalate to level 2\) was revised after a dose-limiting toxicity/,
        ),
      }),
    ]);
    expect(trialRefusals(spec, revised, event('ENROLLED'))).toEqual([
      expect.stringMatching(
        /^enrollment at dose level 1 is held since 2026-04-10: the escalation decision of 2026-03-29 .* was revised .*: treat 3 more patients at level 1; an investigator or admin must review the revised decision and release hold 1$/,
      ),
    ]);
    expect(escalationNote(escalated, revised, 'p2')).toMatchObject({ level: 1, counted: true, evaluable: 3, dlts: 1, revisedDecision: 1, hold: 1 });
    expect(trialNoticesFor(escalated, revised)).toEqual([
      {
        kind: 'dose-escalation-revised',
        decision: 1,
        hold: 1,
        message: expect.stringMatching(
          /^Dose escalation decision revised: the escalation decision of .* Enrollment at dose level 1, 2, 3 is held until an investigator or admin releases hold 1\.$/,
        ),
      },
    ]);
    expect(JSON.stringify(trialNoticesFor(escalated, revised))).not.toMatch(/p2/);

    // Released: the next patient goes to level 1, whose second cohort the revision opened.
    const released = releaseHold(revised, 1, signed('2026-04-11T00:00:00.000Z'));
    expect(trialRefusals(spec, released, event('ENROLLED'))).toEqual([]);
    expect(doseLevelForNextPatient(released)).toBe(1);
  });

  it('revises the revision when the investigator overturns the late DLT, and holds again', () => {
    const revised = late(cohort(newTrialState(spec), ['p1', 'p2', 'p3'], [false, false, false]), 'p2', 1, 'ADVERSE_EVENT_REPORTED', [], [hepatic]);
    const overturned = late(releaseHold(revised, 1, signed('2026-04-11T00:00:00.000Z')), 'p2', 1, 'DLT_ADJUDICATED', [hepatic], []);
    expect(overturned.levels['1']).toEqual({ enrolled: 3, evaluable: 3, dlts: 0 });
    expect(overturned.decisions.map((d) => [d.action, d.toLevel, d.revises])).toEqual([
      ['escalate', 2, undefined],
      ['stay', 1, 0],
      ['escalate', 2, 1],
    ]);
    expect(overturned.decisions[2]!.cause).toMatch(/^an investigator adjudicated a call not dose-limiting after the DLT window had closed at dose level 1/);
    expect(overturned).toMatchObject({
      currentDoseLevel: 2,
      holds: [
        { id: 1, released: expect.anything() },
        { id: 2, levels: [1, 2, 3], decision: 2 },
      ],
    });
    expect(trialRefusals(spec, overturned, event('ENROLLED'))[0]).toMatch(/^enrollment at dose level 2 is held/);
  });

  it('revises an MTD that a late DLT shows to be too high, and leaves the lower level open', () => {
    let state = cohort(newTrialState(spec), ['p1', 'p2', 'p3'], [false, false, false]);
    state = cohort(state, ['p4', 'p5', 'p6'], [true, false, false]);
    state = cohort(state, ['p7', 'p8', 'p9'], [false, false, false]);
    state = cohort(state, ['p10', 'p11', 'p12'], [true, true, false]);
    expect(state).toMatchObject({ status: 'mtd-found', mtd: 2 });
    expect(state.decisions.map((d) => d.action)).toEqual(['escalate', 'stay', 'escalate', 'mtd-found']);

    // p8 (level 2, second cohort) had a DLT after all: 2 of 6 at level 2, so level 2 exceeds the MTD.
    const revised = late(state, 'p8', 2, 'ADVERSE_EVENT_REPORTED', [], [hepatic]);
    expect(revised.decisions.at(-1)).toMatchObject({
      action: 'de-escalate',
      fromLevel: 2,
      toLevel: 1,
      revises: 2,
      reason: '2 of 6 patients at level 2 had a DLT, so it exceeds the MTD: de-escalate to level 1 and treat 3 more patients there (it has 3 evaluable of the 6 an MTD needs)',
    });
    expect(revised).toMatchObject({ status: 'open', mtd: null, currentDoseLevel: 1 });
    expect(revised.holds).toEqual([expect.objectContaining({ levels: [2, 3] })]);
    // Level 1 is below the level whose data changed: its three more patients may be enrolled at once.
    expect(trialRefusals(spec, revised, event('ENROLLED'))).toEqual([]);
  });

  it('asks again only the decisions that counted the patient, and only those still standing', () => {
    let state = cohort(newTrialState(spec), ['p1', 'p2', 'p3'], [false, false, false]);
    state = cohort(state, ['p4', 'p5', 'p6'], [false, false, false]);
    expect(state.decisions.map((d) => [d.action, d.toLevel])).toEqual([
      ['escalate', 2],
      ['escalate', 3],
    ]);
    // A late DLT at level 1 revises the first escalation; the second (at level 2) is replaced with it.
    state = late(state, 'p1', 1, 'ADVERSE_EVENT_REPORTED', [], [hepatic]);
    expect(state.decisions.at(-1)).toMatchObject({ action: 'stay', toLevel: 1, revises: 0 });
    // A late DLT at level 2 then changes the tally only: no standing decision counted it.
    const more = late(state, 'p5', 2, 'ADVERSE_EVENT_REPORTED', [], [hepatic]);
    expect(more.levels['2']).toEqual({ enrolled: 3, evaluable: 3, dlts: 1 });
    expect(more.decisions).toHaveLength(state.decisions.length);
    expect(more.currentDoseLevel).toBe(1);
  });

  it('asks a decision again on its tallies as corrected so far, not as first taken: two late changes add up', () => {
    let state = cohort(newTrialState(spec), ['p1', 'p2', 'p3'], [false, false, false]);
    // 2 of 3 at level 2 had a DLT: level 2 exceeds the MTD, back to level 1 (which needs 6 treated).
    state = cohort(state, ['p4', 'p5', 'p6'], [false, true, true]);
    const exceeded = state.decisions.at(-1)!;
    expect(exceeded).toMatchObject({
      fromLevel: 2,
      tallies: [
        { level: 1, treated: 3, dlts: 0 },
        { level: 2, treated: 3, dlts: 2 },
        { level: 3, treated: 0, dlts: 0 },
      ],
    });
    // A late DLT of p4: 3 of 3, the same call; the decision stands, its tallies as taken are kept.
    state = late(state, 'p4', 2, 'ADVERSE_EVENT_REPORTED', [], [hepatic]);
    expect(state.decisions).toHaveLength(2);
    expect(state.decisions[1]).toMatchObject({
      tallies: exceeded.tallies,
      correctedTallies: [
        { level: 1, treated: 3, dlts: 0 },
        { level: 2, treated: 3, dlts: 3 },
        { level: 3, treated: 0, dlts: 0 },
      ],
    });
    // p5's DLT overturned: 2 of 3 still, the same call. Asked on the tallies as taken (2 - 1 = 1 of 3)
    // it would be revised into "treat 3 more at level 2", wrongly.
    state = late(state, 'p5', 2, 'DLT_ADJUDICATED', [hepatic], []);
    expect(state.levels['2']).toEqual({ enrolled: 3, evaluable: 3, dlts: 2 });
    expect(state.decisions).toHaveLength(2);
    expect(state.holds).toEqual([]);
    // Overturning p6's DLT too leaves 1 of 3: now the call changes.
    state = late(state, 'p6', 2, 'DLT_ADJUDICATED', [hepatic], []);
    expect(state.decisions.at(-1)).toMatchObject({
      revises: 1,
      action: 'stay',
      toLevel: 2,
      tallies: [
        { level: 1, treated: 3, dlts: 0 },
        { level: 2, treated: 3, dlts: 1 },
        { level: 3, treated: 0, dlts: 0 },
      ],
    });
  });

  it('only tallies a late DLT whose decisions would not change, or whose cohort is not decided yet', () => {
    let state = cohort(newTrialState(spec), ['p1', 'p2', 'p3'], [true, false, false]);
    expect(state.decisions.map((d) => d.action)).toEqual(['stay']);
    // Still 1 of 3 patients with a DLT: a second DLT of the same patient changes nothing.
    expect(late(state, 'p1', 1, 'ADVERSE_EVENT_REPORTED', [hepatic], [hepatic, { ...hepatic, term: 'Renal failure' }])).toBe(state);
    // Two of the second cohort evaluated, one pending: its late DLT is tallied for the decision still to come.
    state = nextTrialState(spec, state, { patientId: 'p4', seq: ++seq, event: event('ENROLLED'), before: record(1), after: record(1) });
    state = nextTrialState(spec, state, { patientId: 'p4', seq: ++seq, event: event('DLT_WINDOW_CLOSED', closed), before: record(1), after: record(1, [], true) });
    const tallied = late(state, 'p4', 1, 'ADVERSE_EVENT_REPORTED', [], [hepatic]);
    expect(tallied.levels['1']).toEqual({ enrolled: 4, evaluable: 4, dlts: 2 });
    expect(tallied.decisions).toEqual(state.decisions);
    expect(tallied.holds).toEqual([]);
  });

  it('counts late data on a single-level trial without any decision', () => {
    const single = cd19RrAllV1;
    let state = nextTrialState(single, newTrialState(single), { patientId: 'p1', seq: 1, event: event('ENROLLED'), before: record(1), after: record(1) });
    state = nextTrialState(single, state, { patientId: 'p1', seq: 2, event: event('DLT_WINDOW_CLOSED', closed), before: record(1), after: record(1, [], true) });
    state = nextTrialState(single, state, { patientId: 'p1', seq: 3, event: event('ADVERSE_EVENT_REPORTED'), before: record(1, [], true), after: record(1, [hepatic], true) });
    expect(state).toMatchObject({ levels: { '1': { evaluable: 1, dlts: 1 } }, decisions: [], holds: [] });
  });

  it('counts late data on a patient evaluated before evaluations were kept, from its record', () => {
    const legacy: TrialState = { ...newTrialState(spec), levels: { '1': { enrolled: 3, evaluable: 3, dlts: 0 } }, currentDoseLevel: 2 };
    const next = late(legacy, 'old', 1, 'ADVERSE_EVENT_REPORTED', [], [hepatic]);
    expect(next.levels['1']).toEqual({ enrolled: 3, evaluable: 3, dlts: 1 });
    expect(next.evaluations.old).toEqual({ n: 0, level: 1, dlt: true });
  });
});

describe('which events move the trial for late data', () => {
  const ae = event('ADVERSE_EVENT_REPORTED');
  it('is late data that changes whether an evaluated patient had a DLT, or any adjudication after the window', () => {
    expect(evaluationTouched(ae, record(1, [], true), record(1, [hepatic], true))).toBe(true);
    expect(evaluationTouched(ae, record(1, [hepatic], true), record(1, [], true))).toBe(true);
    expect(evaluationTouched(event('DLT_ADJUDICATED'), record(1, [hepatic], true), record(1, [hepatic], true))).toBe(true);
  });
  it('is not an AE that changes nothing for the escalation, nor anything inside the window', () => {
    expect(evaluationTouched(ae, record(1, [], true), record(1, [], true))).toBe(false);
    expect(evaluationTouched(ae, record(1, [hepatic], true), record(1, [hepatic, { ...hepatic, term: 'Renal failure' }], true))).toBe(false);
    expect(evaluationTouched(ae, record(1), record(1, [hepatic]))).toBe(false);
    expect(evaluationTouched(event('DLT_ADJUDICATED'), record(1, [hepatic]), record(1))).toBe(false);
  });
});

describe("locking a level's DLT data", () => {
  const at = '2026-04-20T00:00:00.000Z';
  it('refuses an unknown level, a level with patients still in their window, one without evaluations, and one already locked', () => {
    let state = newTrialState(spec);
    expect(dataLockRefusals(spec, state, 7)).toEqual(["dose level 7 is not one of this protocol's levels (1, 2, 3)"]);
    expect(dataLockRefusals(spec, state, 1)).toEqual(['no patient at dose level 1 has been evaluated yet: there are no DLT data to lock']);
    state = nextTrialState(spec, state, { patientId: 'p1', seq: 1, event: event('ENROLLED'), before: record(1), after: record(1) });
    state = nextTrialState(spec, state, { patientId: 'p1', seq: 2, event: event('INFUSION_COMPLETED', day0), before: record(1), after: record(1) });
    expect(dataLockRefusals(spec, state, 1)).toEqual([
      "1 patient at dose level 1 still awaits DLT evaluation (the last DLT window there closes on 2026-03-29): lock the level's data once every DLT window there has closed",
    ]);
    state = cohort(newTrialState(spec), ['p1', 'p2', 'p3'], [false, false, false]);
    expect(dataLockRefusals(spec, state, 1)).toEqual([]);
    const locked = lockLevelData(state, 1, signed(at));
    expect(locked.locks).toEqual([{ level: 1, evaluations: 3, dlts: 0, signature: signed(at) }]);
    expect(Object.values(locked.evaluations).map((e) => e.lockedAt)).toEqual([at, at, at]);
    expect(dataLockRefusals(spec, locked, 1)).toEqual(['the DLT data of dose level 1 are already locked (on 2026-04-20 by Ivan Investigator)']);
  });

  it('freezes the calls: a late DLT changes nothing and an adjudication is refused', () => {
    const locked = lockLevelData(cohort(newTrialState(spec), ['p1', 'p2', 'p3'], [false, false, false]), 1, signed(at));
    const after = late(locked, 'p2', 1, 'ADVERSE_EVENT_REPORTED', [], [hepatic]);
    expect(after).toBe(locked);
    expect(escalationNote(locked, after, 'p2')).toMatchObject({ counted: false, reason: expect.stringMatching(/^the DLT data of dose level 1 were locked on 2026-04-20/) });
    expect(trialRefusals(spec, locked, event('DLT_ADJUDICATED'), 'p2')).toEqual([
      'the DLT data of dose level 1 were locked on 2026-04-20: a DLT call at that level can no longer be adjudicated',
    ]);
    expect(trialRefusals(spec, locked, event('DLT_ADJUDICATED'), 'someone-else')).toEqual([]);
  });
});

describe('a trial reopened by a revision after an expansion at the MTD', () => {
  it('takes no automatic decision on tallies the 3+3 rule refuses (more than 6 at a level), instead of failing the event', () => {
    let state = cohort(newTrialState(spec), ['p1', 'p2', 'p3'], [false, false, false]);
    state = cohort(state, ['p4', 'p5', 'p6'], [true, false, false]);
    state = cohort(state, ['p7', 'p8', 'p9'], [false, false, false]);
    state = cohort(state, ['p10', 'p11', 'p12'], [true, true, false]);
    state = cohort(state, ['p13', 'p14', 'p15'], [false, false, false]);
    expect(state).toMatchObject({ status: 'mtd-found', mtd: 2, levels: { '2': { evaluable: 9, dlts: 1 } } });
    // A late DLT at level 1 withdraws everything after its escalation: back at level 1, open.
    state = releaseHold(late(state, 'p1', 1, 'ADVERSE_EVENT_REPORTED', [], [hepatic]), 1, signed('2026-05-01T00:00:00.000Z'));
    expect(state).toMatchObject({ status: 'open', currentDoseLevel: 1 });
    const decided = state.decisions.length;
    // Level 1's second cohort: 1 of 6 would escalate to level 2, which has 9 evaluable: the rule refuses, nothing is decided.
    state = cohort(state, ['p16', 'p17', 'p18'], [false, false, false]);
    expect(state.levels['1']).toEqual({ enrolled: 6, evaluable: 6, dlts: 1 });
    expect(state.decisions).toHaveLength(decided);
  });
});

describe('a patient who left the study during its DLT window (3+3, NCT03754764)', () => {
  const diedAt = '2026-03-11T00:00:00.000Z';
  const grade5: DltRecord = { term: 'Hepatic failure', grade: 5, onset: '2026-03-10T00:00:00.000Z' };
  /** The record of a patient who died on day 10, its window never closed, with these DLTs. */
  const dead = (level: number, dlts: DltRecord[] = [], at = diedAt) => ({ ...record(level, dlts), offStudy: { at, reason: 'death' } }) as unknown as PatientContext;
  const enrol = (state: TrialState, id: string) => {
    const level = doseLevelForNextPatient(state);
    return nextTrialState(spec, state, { patientId: id, seq: ++seq, event: event('ENROLLED'), before: record(level), after: record(level) });
  };
  const close = (state: TrialState, id: string, dlt = false) =>
    nextTrialState(spec, state, {
      patientId: id,
      seq: ++seq,
      event: event('DLT_WINDOW_CLOSED', closed),
      before: record(1, dlt ? [hepatic] : []),
      after: record(1, dlt ? [hepatic] : [], true),
    });
  const die = (state: TrialState, id: string, dlts: DltRecord[] = [], at = diedAt) =>
    nextTrialState(spec, state, { patientId: id, seq: ++seq, event: event('DEATH', at), before: record(1, dlts), after: dead(1, dlts, at) });
  /** Data entered after the death, before and after the event. */
  const lateEntry = (state: TrialState, id: string, type: string, before: DltRecord[], after: DltRecord[], at = diedAt) =>
    nextTrialState(spec, state, { patientId: id, seq: ++seq, event: event(type, '2026-05-01T00:00:00.000Z'), before: dead(1, before, at), after: dead(1, after, at) });

  /** p1, p2, p3 at level 1; p3 dies on day 10 with no DLT on record, its slot given to p4; p1, p2, p4 evaluated without a DLT: escalate. */
  const escalatedWithoutP3 = () => {
    let state = newTrialState(spec);
    for (const id of ['p1', 'p2', 'p3']) state = enrol(state, id);
    state = die(state, 'p3');
    expect(state.levels['1']).toEqual({ enrolled: 2, evaluable: 0, dlts: 0 });
    state = enrol(state, 'p4');
    for (const id of ['p1', 'p2', 'p4']) state = close(state, id);
    expect(state).toMatchObject({ currentDoseLevel: 2, decisions: [{ action: 'escalate', evaluationsCounted: 3 }] });
    return state;
  };

  it('counts a DLT reported after it left as evaluable with the DLT, gives it back its slot, and revises the decision taken without it', () => {
    const escalated = escalatedWithoutP3();
    const revised = lateEntry(escalated, 'p3', 'ADVERSE_EVENT_REPORTED', [], [grade5]);
    expect(revised.levels['1']).toEqual({ enrolled: 4, evaluable: 4, dlts: 1 });
    expect(revised.evaluations.p3).toEqual({ n: 4, level: 1, dlt: true });
    expect(revised.decisions.at(-1)).toMatchObject({
      action: 'stay',
      toLevel: 1,
      revises: 0,
      awaiting: true,
      lateEvaluations: [4],
      tallies: [
        { level: 1, treated: 4, dlts: 1 },
        { level: 2, treated: 0, dlts: 0 },
        { level: 3, treated: 0, dlts: 0 },
      ],
      reason: '4 of the 6 patients at level 1 are evaluable so far (1 with a DLT): wait for the rest of the cohort before deciding',
      cause:
        'a dose-limiting toxicity reported after a patient had left the study during its DLT window at dose level 1 (grade 5 Hepatic failure, onset on study day 9): the patient is evaluable with it',
    });
    expect(revised).toMatchObject({ currentDoseLevel: 1, holds: [{ id: 1, levels: [1, 2, 3] }] });
    expect(escalationNote(escalated, revised, 'p3', dead(1, [grade5]))).toMatchObject({
      level: 1,
      counted: true,
      evaluable: 4,
      dlts: 1,
      revisedDecision: 1,
      hold: 1,
      reason: expect.stringMatching(
        /^counted toward the escalation: the patient left the study during its DLT window and is evaluable with this DLT: now 1 of 4 evaluable patients/,
      ),
    });
    // Released, the level takes the two more patients the six need, and no third.
    let state = releaseHold(revised, 1, signed('2026-04-11T00:00:00.000Z'));
    expect(trialRefusals(spec, state, event('ENROLLED'))).toEqual([]);
    state = enrol(enrol(state, 'p5'), 'p6');
    expect(trialRefusals(spec, state, event('ENROLLED'))).toEqual([expect.stringMatching(/^the cohort of 3 at dose level 1 is full/)]);
    // Evaluated without a DLT: 1 of 6, escalate.
    state = close(close(state, 'p5'), 'p6');
    expect(state.decisions.at(-1)).toMatchObject({ action: 'escalate', toLevel: 2, reason: '1 of 6 patients at level 1 had a DLT: escalate to level 2' });
  });

  it('stops the trial when the DLT of a patient who died in the window is the second at the lowest level', () => {
    let state = releaseHold(lateEntry(escalatedWithoutP3(), 'p3', 'ADVERSE_EVENT_REPORTED', [], [grade5]), 1, signed('2026-04-11T00:00:00.000Z'));
    state = enrol(enrol(state, 'p5'), 'p6');
    const p6Died = '2026-05-20T00:00:00.000Z';
    state = die(state, 'p6', [], p6Died);
    // p6's slot is free at once, though p5 is still in its window: the six need a replacement.
    expect(state.levels['1']).toEqual({ enrolled: 5, evaluable: 4, dlts: 1 });
    expect(trialRefusals(spec, state, event('ENROLLED'))).toEqual([]);
    state = close(state, 'p5');
    const stopped = lateEntry(state, 'p6', 'ADVERSE_EVENT_REPORTED', [], [grade5], p6Died);
    expect(stopped.levels['1']).toEqual({ enrolled: 6, evaluable: 6, dlts: 2 });
    expect(stopped).toMatchObject({ status: 'stopped', mtd: null });
    expect(stopped.decisions.at(-1)).toMatchObject({
      action: 'stop',
      reason: '2 of 6 patients at level 1 had a DLT, so it exceeds the MTD and is the lowest level: stop the trial, no MTD',
    });
    expect(stopped.holds).toHaveLength(1);
  });

  it('counts it as the next evaluation of its cohort when no decision was taken since it left', () => {
    let state = newTrialState(spec);
    for (const id of ['p1', 'p2', 'p3']) state = enrol(state, id);
    state = die(state, 'p3');
    state = enrol(state, 'p4');
    const counted = lateEntry(state, 'p3', 'ADVERSE_EVENT_REPORTED', [], [grade5]);
    expect(counted.levels['1']).toEqual({ enrolled: 4, evaluable: 1, dlts: 1 });
    expect(counted.decisions).toEqual([]);
    expect(counted.holds).toEqual([]);
    // Three of the cohort still wait: no fifth patient yet.
    expect(trialRefusals(spec, counted, event('ENROLLED'))).toEqual([expect.stringMatching(/^the cohort of 3 at dose level 1 is full/)]);
    // p1 and p2 evaluated: 1 of 3, treat 3 more (p4 is one of them).
    const decided = close(close(counted, 'p1'), 'p2');
    expect(decided.decisions).toEqual([expect.objectContaining({ action: 'stay', toLevel: 1, reason: '1 of 3 patients at level 1 had a DLT: treat 3 more patients at level 1' })]);
    expect(trialRefusals(spec, decided, event('ENROLLED'))).toEqual([]);
  });

  it('makes it not evaluable again, its slot freed, when its only DLT is overturned', () => {
    const revised = lateEntry(escalatedWithoutP3(), 'p3', 'ADVERSE_EVENT_REPORTED', [], [grade5]);
    const overturned = lateEntry(releaseHold(revised, 1, signed('2026-04-11T00:00:00.000Z')), 'p3', 'DLT_ADJUDICATED', [grade5], []);
    expect(overturned.levels['1']).toEqual({ enrolled: 3, evaluable: 3, dlts: 0 });
    expect(overturned.evaluations.p3).toBeUndefined();
    expect(overturned.decisions.map((d) => [d.action, d.toLevel, d.revises])).toEqual([
      ['escalate', 2, undefined],
      ['stay', 1, 0],
      ['escalate', 2, 1],
    ]);
    expect(overturned.decisions[2]!.cause).toMatch(
      /^the DLT of a patient who had left the study during its DLT window at dose level 1 no longer counting .*: the patient is not evaluable$/,
    );
    expect(escalationNote(revised, overturned, 'p3', dead(1))).toMatchObject({
      counted: true,
      evaluable: 3,
      dlts: 0,
      reason: expect.stringMatching(/not evaluable and its slot is free/),
    });
  });

  it('makes a patient evaluated with the DLT it died of not evaluable when that DLT is overturned', () => {
    let state = newTrialState(spec);
    for (const id of ['p1', 'p2', 'p3']) state = enrol(state, id);
    state = close(close(state, 'p1'), 'p2');
    state = die(state, 'p3', [grade5]);
    expect(state.decisions).toEqual([expect.objectContaining({ action: 'stay', reason: '1 of 3 patients at level 1 had a DLT: treat 3 more patients at level 1' })]);
    const overturned = lateEntry(state, 'p3', 'DLT_ADJUDICATED', [grade5], []);
    expect(overturned.levels['1']).toEqual({ enrolled: 2, evaluable: 2, dlts: 0 });
    expect(overturned.decisions.at(-1)).toMatchObject({
      action: 'stay',
      awaiting: true,
      revises: 0,
      reason: expect.stringMatching(/^2 of the 3 patients at level 1 are evaluable so far/),
    });
    // Its slot is free for a replacement, once the hold is released.
    expect(trialRefusals(spec, releaseHold(overturned, 1, signed('2026-04-11T00:00:00.000Z')), event('ENROLLED'))).toEqual([]);
  });

  it('records a DLT reported after a lock of the level signed since the patient left, without counting it, and refuses adjudicating it', () => {
    const locked = lockLevelData(escalatedWithoutP3(), 1, signed('2026-04-20T00:00:00.000Z'));
    const after = lateEntry(locked, 'p3', 'ADVERSE_EVENT_REPORTED', [], [grade5]);
    expect(after).toBe(locked);
    expect(escalationNote(locked, after, 'p3', dead(1, [grade5]))).toMatchObject({
      level: 1,
      counted: false,
      evaluable: 3,
      dlts: 0,
      reason: expect.stringMatching(/^the DLT data of dose level 1 were locked on 2026-04-20/),
    });
    expect(trialRefusals(spec, locked, event('DLT_ADJUDICATED'), 'p3', dead(1, [grade5]))).toEqual([
      'the DLT data of dose level 1 were locked on 2026-04-20: a DLT call at that level can no longer be adjudicated',
    ]);
    // A lock signed before the patient left does not cover it.
    const lockedBefore = { ...escalatedWithoutP3(), locks: [{ level: 1, evaluations: 0, dlts: 0, signature: signed('2026-03-05T00:00:00.000Z') }] };
    expect(lateEntry(lockedBefore, 'p3', 'ADVERSE_EVENT_REPORTED', [], [grade5]).levels['1']).toEqual({ enrolled: 4, evaluable: 4, dlts: 1 });
  });

  it('moves the trial for a DLT entered after the patient left during its window, and for nothing else then', () => {
    expect(evaluationTouched(event('ADVERSE_EVENT_REPORTED'), dead(1), dead(1, [grade5]))).toBe(true);
    expect(evaluationTouched(event('DLT_ADJUDICATED'), dead(1, [grade5]), dead(1))).toBe(true);
    expect(evaluationTouched(event('ADVERSE_EVENT_REPORTED'), dead(1), dead(1))).toBe(false);
    expect(evaluationTouched(event('LAB_RESULT_RECORDED'), dead(1), dead(1))).toBe(false);
  });
});
