import fc from 'fast-check';
import type { EscalationDecision, LevelTally } from './dose-escalation';
import { threePlusThree } from './three-plus-three';

const levels = [1, 2, 3, 4];
const t = (level: number, treated: number, dlts: number): LevelTally => ({ level, treated, dlts });

/**
 * Runs a 3+3 trial: each number is the DLT count of the next cohort of 3, given at the level the
 * previous decision named. Returns every decision, the last one ending the trial (or the script).
 */
function simulate(trialLevels: number[], cohortDlts: number[]): EscalationDecision[] {
  const tallies = new Map<number, LevelTally>();
  const decisions: EscalationDecision[] = [];
  let current = trialLevels[0]!;
  for (const dlts of cohortDlts) {
    const before = tallies.get(current) ?? t(current, 0, 0);
    tallies.set(current, t(current, before.treated + 3, before.dlts + dlts));
    const decision = threePlusThree([...tallies.values()], current, trialLevels);
    decisions.push(decision);
    if (decision.nextLevel === null) break;
    current = decision.nextLevel;
  }
  return decisions;
}
const steps = (decisions: EscalationDecision[]) => decisions.map(({ action, nextLevel, mtd }) => ({ action, nextLevel, mtd }));

describe('3+3 decision table', () => {
  it('0 of 3: escalate', () => {
    expect(threePlusThree([t(1, 3, 0), t(2, 3, 0)], 2, levels)).toEqual({
      action: 'escalate',
      nextLevel: 3,
      mtd: null,
      eliminated: [],
      reason: '0 of 3 patients at level 2 had a DLT: escalate to level 3',
    });
  });

  it('1 of 3: treat 3 more at the same level', () => {
    expect(threePlusThree([t(1, 3, 0), t(2, 3, 1)], 2, levels)).toEqual({
      action: 'stay',
      nextLevel: 2,
      mtd: null,
      eliminated: [],
      reason: '1 of 3 patients at level 2 had a DLT: treat 3 more patients at level 2',
    });
  });

  it.each([0, 1])('%p of 6: escalate', (dlts) => {
    expect(threePlusThree([t(1, 3, 0), t(2, 6, dlts)], 2, levels)).toMatchObject({
      action: 'escalate',
      nextLevel: 3,
      mtd: null,
      reason: `${dlts} of 6 patients at level 2 had a DLT: escalate to level 3`,
    });
  });

  it.each([
    [3, 2],
    [3, 3],
    [6, 2],
    [6, 4],
  ])('2 or more DLTs (%p treated, %p DLTs): the level exceeds the MTD, de-escalate to treat 3 more below', (treated, dlts) => {
    expect(threePlusThree([t(1, 3, 0), t(2, treated, dlts)], 2, levels)).toEqual({
      action: 'de-escalate',
      nextLevel: 1,
      mtd: null,
      eliminated: [2, 3, 4],
      reason: `${dlts} of ${treated} patients at level 2 had a DLT, so it exceeds the MTD: de-escalate to level 1 and treat 3 more patients there (it has 3 evaluable of the 6 an MTD needs)`,
    });
  });

  it('2 or more DLTs with 6 treated below and at most 1 DLT there: the level below is the MTD', () => {
    expect(threePlusThree([t(1, 6, 1), t(2, 3, 2)], 2, levels)).toEqual({
      action: 'mtd-found',
      nextLevel: null,
      mtd: 1,
      eliminated: [2, 3, 4],
      reason: '2 of 3 patients at level 2 had a DLT, so it exceeds the MTD; 1 of 6 patients at level 1 had a DLT: level 1 is the MTD',
    });
  });

  it('at most 1 of 6 when the next level already had 2 or more DLTs: this level is the MTD', () => {
    expect(threePlusThree([t(1, 3, 0), t(2, 6, 1), t(3, 3, 2)], 2, levels)).toEqual({
      action: 'mtd-found',
      nextLevel: null,
      mtd: 2,
      eliminated: [3, 4],
      reason: '1 of 6 patients at level 2 had a DLT and level 3 exceeds the MTD: level 2 is the MTD',
    });
  });

  it('0 of 3 when the next level already had 2 or more DLTs: treat 3 more before naming it the MTD', () => {
    expect(threePlusThree([t(1, 3, 0), t(2, 3, 0), t(3, 3, 2)], 2, levels)).toMatchObject({
      action: 'stay',
      nextLevel: 2,
      reason: '0 of 3 patients at level 2 had a DLT and level 3 exceeds the MTD: treat 3 more patients at level 2 before naming it the MTD',
    });
  });

  it.each([
    [3, 2],
    [6, 2],
    [3, 3],
  ])('2 or more DLTs at the lowest level (%p treated, %p DLTs): stop, no MTD', (treated, dlts) => {
    expect(threePlusThree([t(1, treated, dlts)], 1, levels)).toEqual({
      action: 'stop',
      nextLevel: null,
      mtd: null,
      eliminated: [1, 2, 3, 4],
      reason: `${dlts} of ${treated} patients at level 1 had a DLT, so it exceeds the MTD and is the lowest level: stop the trial, no MTD`,
    });
  });

  it('0 of 3 at the highest level: expand it to 6', () => {
    expect(threePlusThree([t(3, 3, 0), t(4, 3, 0)], 4, levels)).toMatchObject({
      action: 'stay',
      nextLevel: 4,
      reason: '0 of 3 patients at level 4 had a DLT and it is the highest level: treat 3 more patients at level 4',
    });
  });

  it.each([0, 1])('%p of 6 at the highest level: it is the MTD', (dlts) => {
    expect(threePlusThree([t(4, 6, dlts)], 4, levels)).toEqual({
      action: 'mtd-found',
      nextLevel: null,
      mtd: 4,
      eliminated: [],
      reason: `${dlts} of 6 patients at level 4 had a DLT and it is the highest level: level 4 is the MTD`,
    });
  });

  it('1 of 3 at the highest level: treat 3 more', () => {
    expect(threePlusThree([t(4, 3, 1)], 4, levels)).toMatchObject({ action: 'stay', nextLevel: 4 });
  });

  it('waits until the cohort is evaluable, saying how many are', () => {
    expect(threePlusThree([], 1, levels)).toEqual({
      action: 'stay',
      nextLevel: 1,
      mtd: null,
      eliminated: [],
      reason: '0 of the 3 patients at level 1 are evaluable so far (0 with a DLT): wait for the rest of the cohort before deciding',
      awaiting: true,
    });
    expect(threePlusThree([t(1, 2, 1)], 1, levels).reason).toBe(
      '2 of the 3 patients at level 1 are evaluable so far (1 with a DLT): wait for the rest of the cohort before deciding',
    );
    expect(threePlusThree([t(1, 4, 1)], 1, levels)).toMatchObject({
      action: 'stay',
      nextLevel: 1,
      reason: expect.stringMatching(/^4 of the 6 patients at level 1 are evaluable so far/),
      awaiting: true,
    });
    // a stay that decides (1 of 3: treat 3 more) is not a wait
    expect(threePlusThree([t(1, 3, 1)], 1, levels)).not.toHaveProperty('awaiting');
  });

  it('does not wait for the rest of a cohort once a level has 2 DLTs', () => {
    expect(threePlusThree([t(1, 3, 0), t(2, 2, 2)], 2, levels)).toMatchObject({ action: 'de-escalate', nextLevel: 1 });
    expect(threePlusThree([t(1, 5, 2)], 1, levels)).toMatchObject({ action: 'stop' });
    expect(threePlusThree([t(1, 3, 0), t(2, 2, 2)], 2, levels)).not.toHaveProperty('awaiting');
  });

  it('never recommends a level above one that exceeds the MTD, whatever the current level', () => {
    expect(threePlusThree([t(1, 3, 0), t(2, 3, 2), t(3, 3, 0)], 3, levels)).toMatchObject({
      action: 'de-escalate',
      nextLevel: 1,
      eliminated: [2, 3, 4],
    });
  });

  it('refuses more than 6 patients at a level', () => {
    expect(() => threePlusThree([t(1, 9, 1)], 1, levels)).toThrow(/at most 6 patients at a level; level 1 has 9/);
    expect(() => threePlusThree([t(1, 3, 0)], 5, levels)).toThrow(RangeError);
  });
});

describe('3+3 against its source, every count (docs/clinical.md, section "Dose escalation"; Storer 1989, Le Tourneau et al. 2009)', () => {
  // "0/3 DLT: escalate. 1/3: three more at the same level. ≤1/6: escalate. ≥2 at a level: that level
  // exceeds the MTD; the MTD is the next lower level, and it needs 6 treated patients with ≤1 DLT."
  // [patients evaluable at level 2, DLTs, the decision with level 1 at 3/3 treated, 0 DLT; with level 1 at 6, 1 DLT]
  const everyCount: Array<[number, number, string, string]> = [
    [1, 0, 'wait', 'wait'],
    [1, 1, 'wait', 'wait'],
    [2, 0, 'wait', 'wait'],
    [2, 1, 'wait', 'wait'],
    [2, 2, 'de-escalate 1', 'MTD 1'], // a second DLT settles it before the cohort is complete
    [3, 0, 'escalate 3', 'escalate 3'],
    [3, 1, 'stay 2', 'stay 2'],
    [3, 2, 'de-escalate 1', 'MTD 1'],
    [3, 3, 'de-escalate 1', 'MTD 1'],
    [4, 1, 'wait', 'wait'],
    [5, 1, 'wait', 'wait'],
    [6, 0, 'escalate 3', 'escalate 3'],
    [6, 1, 'escalate 3', 'escalate 3'],
    [6, 2, 'de-escalate 1', 'MTD 1'],
    [6, 3, 'de-escalate 1', 'MTD 1'],
    [6, 6, 'de-escalate 1', 'MTD 1'],
  ];
  const said = ({ action, nextLevel, mtd, awaiting }: EscalationDecision) => (awaiting ? 'wait' : action === 'mtd-found' ? `MTD ${mtd}` : `${action} ${nextLevel}`);

  it.each(everyCount)('%p evaluable with %p DLTs at level 2: %s (level 1 at 0 of 3), %s (level 1 at 1 of 6)', (treated, dlts, belowThree, belowSix) => {
    expect(said(threePlusThree([t(1, 3, 0), t(2, treated, dlts)], 2, levels))).toBe(belowThree);
    expect(said(threePlusThree([t(1, 6, 1), t(2, treated, dlts)], 2, levels))).toBe(belowSix);
  });

  it('says how many more the level below needs when it has fewer than 3 left to treat', () => {
    expect(threePlusThree([t(1, 5, 0), t(2, 3, 2)], 2, levels).reason).toBe(
      '2 of 3 patients at level 2 had a DLT, so it exceeds the MTD: de-escalate to level 1 and treat 1 more patient there ' + '(it has 5 evaluable of the 6 an MTD needs)',
    );
    expect(threePlusThree([t(1, 4, 0), t(2, 3, 2)], 2, levels).reason).toMatch(/and treat 2 more patients there \(it has 4 evaluable/);
  });

  // At the lowest level, 2 or more DLTs leave no lower level to be the MTD: the trial stops.
  it.each([
    [2, 2],
    [3, 2],
    [3, 3],
    [6, 2],
    [6, 5],
  ])('%p evaluable with %p DLTs at the lowest level: stop, no MTD', (treated, dlts) => {
    expect(threePlusThree([t(1, treated, dlts)], 1, levels)).toMatchObject({ action: 'stop', nextLevel: null, mtd: null, eliminated: levels });
  });

  // At the highest level there is nothing to escalate to: expand to 6, and 6 with at most 1 DLT is the MTD.
  it.each([
    [3, 0, 'stay 4'],
    [3, 1, 'stay 4'],
    [6, 0, 'MTD 4'],
    [6, 1, 'MTD 4'],
    [3, 2, 'MTD 3'],
    [6, 2, 'MTD 3'],
  ])('%p evaluable with %p DLTs at the highest level (level 3 at 1 of 6): %s', (treated, dlts, decision) => {
    expect(said(threePlusThree([t(1, 3, 0), t(2, 3, 0), t(3, 6, 1), t(4, treated, dlts)], 4, levels))).toBe(decision);
  });
});

describe('3+3 trials step by step', () => {
  it('levels 1–4 with 0/3, then 1/3 expanded to 1/6, then 2/3: MTD level 2', () => {
    const decisions = simulate(levels, [0, 1, 0, 2]);
    expect(steps(decisions)).toEqual([
      { action: 'escalate', nextLevel: 2, mtd: null }, // level 1: 0 of 3
      { action: 'stay', nextLevel: 2, mtd: null }, // level 2: 1 of 3
      { action: 'escalate', nextLevel: 3, mtd: null }, // level 2: 1 of 6
      { action: 'mtd-found', nextLevel: null, mtd: 2 }, // level 3: 2 of 3, level 2 already has 6
    ]);
    expect(decisions.at(-1)!.eliminated).toEqual([3, 4]);
  });

  it('2 of 3 above a level with only 3 treated: de-escalate, expand it, then name it the MTD', () => {
    expect(steps(simulate(levels, [0, 0, 2, 1]))).toEqual([
      { action: 'escalate', nextLevel: 2, mtd: null },
      { action: 'escalate', nextLevel: 3, mtd: null },
      { action: 'de-escalate', nextLevel: 2, mtd: null }, // level 3: 2 of 3
      { action: 'mtd-found', nextLevel: null, mtd: 2 }, // level 2: 1 of 6, level 3 exceeds the MTD
    ]);
  });

  it('the expansion below fails too: de-escalate again, down to level 1 as the MTD', () => {
    const decisions = simulate(levels, [0, 0, 1, 2, 2, 0]);
    expect(steps(decisions)).toEqual([
      { action: 'escalate', nextLevel: 2, mtd: null },
      { action: 'escalate', nextLevel: 3, mtd: null },
      { action: 'stay', nextLevel: 3, mtd: null }, // level 3: 1 of 3
      { action: 'de-escalate', nextLevel: 2, mtd: null }, // level 3: 3 of 6
      { action: 'de-escalate', nextLevel: 1, mtd: null }, // level 2: 2 of 6
      { action: 'mtd-found', nextLevel: null, mtd: 1 }, // level 1: 0 of 6
    ]);
    expect(decisions.at(-1)!.eliminated).toEqual([2, 3, 4]);
  });

  it('too toxic from the start: stop without an MTD', () => {
    expect(steps(simulate(levels, [1, 1]))).toEqual([
      { action: 'stay', nextLevel: 1, mtd: null },
      { action: 'stop', nextLevel: null, mtd: null }, // level 1: 2 of 6
    ]);
  });

  it('no DLT anywhere: escalate to the top, expand it and name it the MTD', () => {
    expect(steps(simulate(levels, [0, 0, 0, 0, 0]))).toEqual([
      { action: 'escalate', nextLevel: 2, mtd: null },
      { action: 'escalate', nextLevel: 3, mtd: null },
      { action: 'escalate', nextLevel: 4, mtd: null },
      { action: 'stay', nextLevel: 4, mtd: null },
      { action: 'mtd-found', nextLevel: null, mtd: 4 },
    ]);
  });
});

describe('3+3 safety properties', () => {
  const tallyOf = (level: number) =>
    fc.integer({ min: 0, max: 6 }).chain((treated) => fc.record({ level: fc.constant(level), treated: fc.constant(treated), dlts: fc.integer({ min: 0, max: treated }) }));
  const anyTrial = fc.record({ tallies: fc.tuple(...levels.map(tallyOf)), current: fc.constantFrom(...levels) });

  it('never escalates from a level with 2 or more DLTs, nor recommends a level at or above one', () => {
    fc.assert(
      fc.property(anyTrial, ({ tallies, current }) => {
        const decision = threePlusThree(tallies, current, levels);
        const tooToxic = tallies.filter((tally) => tally.dlts >= 2).map((tally) => tally.level);
        if (tooToxic.includes(current)) {
          expect(decision.action).not.toBe('escalate');
          expect(decision.action).not.toBe('stay');
        }
        for (const level of tooToxic) {
          if (decision.nextLevel !== null) expect(decision.nextLevel).toBeLessThan(level);
          if (decision.mtd !== null) expect(decision.mtd).toBeLessThan(level);
          expect(decision.eliminated).toContain(level);
        }
      }),
    );
  });

  it('a trial always ends with at most 6 patients at a level, its MTD below every level with 2 DLTs', () => {
    const cohorts = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 2 * levels.length, maxLength: 2 * levels.length });
    fc.assert(
      fc.property(cohorts, (cohortDlts) => {
        const decisions = simulate(levels, cohortDlts);
        const last = decisions.at(-1)!;
        expect(['mtd-found', 'stop']).toContain(last.action);
        if (last.mtd !== null) expect(last.eliminated.every((level) => level > last.mtd!)).toBe(true);
      }),
    );
  });
});
