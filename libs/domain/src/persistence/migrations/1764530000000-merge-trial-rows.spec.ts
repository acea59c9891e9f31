import { mergeTrialRows, splitTrialRows, TrialMergeRefused, type VersionTrialRow } from './1764530000000-merge-trial-rows';

const row = (protocolId: string, protocolVersion: number, version: number, state: Record<string, unknown> = {}): VersionTrialRow => ({
  protocolId,
  protocolVersion,
  state: JSON.stringify({ status: 'open', enrolled: 0, currentDoseLevel: 1, levels: {}, decisions: [], mtd: null, ...state }),
  version,
  updatedAt: `2026-01-0${version}T00:00:00.000Z`,
});

describe('mergeTrialRows (migration 1764530000000, frozen)', () => {
  it('keeps the newest version of a trial none of whose rows ever moved', () => {
    expect(mergeTrialRows([row('cd19-rr-all', 2, 1), row('cd19-rr-all', 1, 1)])).toEqual([
      { protocolId: 'cd19-rr-all', state: row('x', 2, 1).state, version: 1, updatedAt: row('x', 2, 1).updatedAt },
    ]);
  });

  it('keeps the one row that moved, an escalation trial included: the untouched rows hold nothing', () => {
    const moved = row('NCT03754764', 1, 6, { enrolled: 3, decisions: [{ action: 'escalate' }], currentDoseLevel: 2 });
    expect(mergeTrialRows([moved, row('NCT03754764', 2, 1)])).toEqual([{ protocolId: 'NCT03754764', state: moved.state, version: 6, updatedAt: moved.updatedAt }]);
  });

  it('gives the same answer whatever order the rows come in, one row per protocol in id order', () => {
    const rows = [
      row('b', 1, 3, { enrolled: 1, levels: { 1: { enrolled: 1, evaluable: 0, dlts: 0 } } }),
      row('a', 1, 1),
      row('b', 2, 2, { enrolled: 2, levels: { 1: { enrolled: 2, evaluable: 0, dlts: 0 } } }),
    ];
    const merged = mergeTrialRows(rows);
    expect(merged.map((r) => r.protocolId)).toEqual(['a', 'b']);
    expect(mergeTrialRows([...rows].reverse())).toEqual(merged);
    expect(JSON.parse(merged[1].state)).toMatchObject({ enrolled: 3, levels: { 1: { enrolled: 3, evaluable: 0, dlts: 0 } } });
    expect(merged[1]).toMatchObject({ version: 4, updatedAt: '2026-01-03T00:00:00.000Z' });
  });

  it('counts a patient found on two versions once, by the newer, and numbers the evaluations in version order', () => {
    const merged = mergeTrialRows([
      row('t', 1, 3, { evaluations: { p: { n: 1, level: 1, dlt: false }, q: { n: 2, level: 1, dlt: false } }, pending: [{ patientId: 'r', level: 1, closesAt: null }] }),
      row('t', 2, 3, { evaluations: { p: { n: 1, level: 1, dlt: true } }, pending: [{ patientId: 'r', level: 1, closesAt: '2026-02-01T00:00:00.000Z' }] }),
    ]);
    const state = JSON.parse(merged[0].state);
    expect(state.evaluations).toEqual({ p: { n: 1, level: 1, dlt: true }, q: { n: 2, level: 1, dlt: false } });
    expect(state.pending).toEqual([{ patientId: 'r', level: 1, closesAt: '2026-02-01T00:00:00.000Z' }]);
  });

  it('refuses differing escalation ledgers, naming the trial: a protocol known to escalate, or a state that shows a decision, a hold or an MTD', () => {
    expect(() => mergeTrialRows([row('NCT03754764', 1, 2, { enrolled: 1 }), row('NCT03754764', 2, 2, { enrolled: 2 })])).toThrow(TrialMergeRefused);
    expect(() => mergeTrialRows([row('NCT03754764', 1, 2, { enrolled: 1 }), row('NCT03754764', 2, 2, { enrolled: 2 })])).toThrow(
      /^The trial of NCT03754764 runs a dose escalation and its versions v1, v2/,
    );
    for (const trace of [{ decisions: [{}] }, { holds: [{}] }, { mtd: 2 }, { status: 'stopped' }]) {
      expect(() => mergeTrialRows([row('other', 1, 2, trace), row('other', 2, 2)])).toThrow(/The trial of other runs a dose escalation/);
    }
  });

  it('merges identical states without question, and refuses a state that is not JSON, naming the row', () => {
    expect(mergeTrialRows([row('NCT03754764', 1, 2), row('NCT03754764', 2, 3)])).toHaveLength(1);
    expect(() => mergeTrialRows([{ ...row('t', 1, 2), state: '{' }, row('t', 2, 2)])).toThrow('The trial state of t v1 is not JSON');
  });
});

describe('splitTrialRows (its way back)', () => {
  it('puts each trial on the newest version with patients, on version 1 when none has', () => {
    const [a, b] = splitTrialRows(
      [
        { protocolId: 'a', state: '{}', version: 4, updatedAt: 'x' },
        { protocolId: 'b', state: '{}', version: 1, updatedAt: 'y' },
      ],
      new Map([['a', 3]]),
    );
    expect([a.protocolVersion, b.protocolVersion]).toEqual([3, 1]);
  });
});
