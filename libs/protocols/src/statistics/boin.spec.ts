import fc from 'fast-check';
import { boinDecision, selectMtd } from './boin';
import { boinEliminated, overdoseProbability } from './boin-design';
import type { EscalationAction, EscalationDecision, LevelTally } from './dose-escalation';

const levels = [1, 2, 3, 4, 5];
const t = (level: number, treated: number, dlts: number): LevelTally => ({ level, treated, dlts });
const target = 0.3;

describe('BOIN decisions against the get.boundary table (target 0.30)', () => {
  // get.boundary(target = 0.3, ncohort = 4, cohortsize = 3), patients treated at the current level 1–12:
  //   escalate if # of DLT <=     0 0 0 0 1 1 1 1 2 2 2 2
  //   de-escalate if # of DLT >=  1 1 2 2 2 3 3 3 4 4 4 5
  //   eliminate if # of DLT >=    - - 3 3 4 4 5 5 5 6 6 7
  const escalateAtMost = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
  const deEscalateFrom = [1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5];
  const eliminateFrom = [null, null, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7];

  it.each(escalateAtMost.map((_, index) => index + 1))('with %p treated at level 2', (n) => {
    const actions: EscalationAction[] = [];
    for (let dlts = 0; dlts <= n; dlts += 1) {
      actions.push(boinDecision([t(1, 3, 0), t(2, n, dlts)], 2, levels, { target, cohortSize: 1 }).action);
    }
    const expected = actions.map((_, dlts) => (dlts <= escalateAtMost[n - 1]! ? 'escalate' : dlts >= deEscalateFrom[n - 1]! ? 'de-escalate' : 'stay'));
    expect(actions).toEqual(expected);
    const eliminatedFrom = actions.map((_, dlts) => boinEliminated([t(2, n, dlts)], { target }, levels).length > 0).indexOf(true);
    expect(eliminatedFrom === -1 ? null : eliminatedFrom).toBe(eliminateFrom[n - 1]);
  });
});

describe('BOIN decision', () => {
  const options = { target };

  it('escalates at or below λe', () => {
    expect(boinDecision([t(1, 3, 0)], 1, levels, options)).toEqual({
      action: 'escalate',
      nextLevel: 2,
      mtd: null,
      eliminated: [],
      reason: '0 of 3 patients at level 1 had a DLT, a DLT rate of 0%, at or below the escalation boundary of 23.6%: escalate to level 2',
    });
  });

  it('stays between the boundaries', () => {
    expect(boinDecision([t(1, 3, 0), t(2, 3, 1)], 2, levels, options)).toEqual({
      action: 'stay',
      nextLevel: 2,
      mtd: null,
      eliminated: [],
      reason: '1 of 3 patients at level 2 had a DLT, a DLT rate of 33.3%, between the boundaries of 23.6% and 35.9%: stay at level 2',
    });
  });

  it('de-escalates above λd', () => {
    expect(boinDecision([t(1, 3, 0), t(2, 3, 2)], 2, levels, options)).toEqual({
      action: 'de-escalate',
      nextLevel: 1,
      mtd: null,
      eliminated: [],
      reason: '2 of 3 patients at level 2 had a DLT, a DLT rate of 66.7%, above the de-escalation boundary of 35.9%: de-escalate to level 1',
    });
  });

  it('stays at the highest level instead of escalating, and at the lowest instead of de-escalating', () => {
    expect(boinDecision([t(5, 6, 1)], 5, levels, options)).toMatchObject({
      action: 'stay',
      nextLevel: 5,
      reason: expect.stringMatching(/, but it is the highest level: stay at level 5$/),
    });
    expect(boinDecision([t(1, 3, 2)], 1, levels, options)).toMatchObject({
      action: 'stay',
      nextLevel: 1,
      reason: expect.stringMatching(/, but it is the lowest level: stay at level 1$/),
    });
  });

  it('does not escalate into an eliminated level', () => {
    expect(boinDecision([t(1, 6, 1), t(2, 3, 3)], 1, levels, options)).toMatchObject({
      action: 'stay',
      nextLevel: 1,
      eliminated: [2, 3, 4, 5],
      reason: '1 of 6 patients at level 1 had a DLT, a DLT rate of 16.7%, at or below the escalation boundary of 23.6%, but level 2 is eliminated: stay at level 1',
    });
  });

  it('eliminates an overly toxic level with every level above it, and leaves it', () => {
    // P(p > 0.3 | Beta(1 + 3, 1 + 0)) = 1 − 0.3⁴ = 0.9919
    expect(boinDecision([t(1, 3, 0), t(2, 3, 3)], 2, levels, options)).toEqual({
      action: 'de-escalate',
      nextLevel: 1,
      mtd: null,
      eliminated: [2, 3, 4, 5],
      reason:
        '3 of 3 patients at level 2 had a DLT: the probability that its DLT rate exceeds the 30% target is 0.992, above 0.95, so level 2 and all above are eliminated: de-escalate to level 1',
    });
  });

  it('stops the trial without an MTD when the lowest level is eliminated', () => {
    expect(boinDecision([t(1, 6, 4)], 1, levels, options)).toEqual({
      action: 'stop',
      nextLevel: null,
      mtd: null,
      eliminated: [1, 2, 3, 4, 5],
      reason: expect.stringMatching(/^4 of 6 patients at level 1 had a DLT: .* so level 1 and all above are eliminated: stop the trial, no MTD$/),
    });
  });

  it('waits for a whole cohort before deciding', () => {
    expect(boinDecision([t(1, 3, 0), t(2, 2, 1)], 2, levels, options)).toMatchObject({
      action: 'stay',
      nextLevel: 2,
      reason: '2 patients at level 2 evaluable so far (1 with a DLT), not a whole number of cohorts of 3: wait for the rest of the cohort before deciding',
      awaiting: true,
    });
    expect(boinDecision([t(1, 3, 0), t(2, 1, 0)], 2, levels, options).reason).toBe(
      '1 patient at level 2 evaluable so far (0 with a DLT), not a whole number of cohorts of 3: wait for the rest of the cohort before deciding',
    );
    expect(boinDecision([], 1, levels, options)).toMatchObject({
      action: 'stay',
      nextLevel: 1,
      reason: 'no patient at level 1 is evaluable yet: wait for the first cohort of 3',
      awaiting: true,
    });
    // a stay between the boundaries decides, it does not wait
    expect(boinDecision([t(1, 3, 0), t(2, 3, 1)], 2, levels, options)).not.toHaveProperty('awaiting');
    // cohorts of 1: every evaluable patient completes a cohort; 1 of 2 = 0.5 ≥ 0.359
    expect(boinDecision([t(1, 3, 0), t(2, 2, 1)], 2, levels, { target, cohortSize: 1 })).toMatchObject({ action: 'de-escalate', nextLevel: 1 });
  });

  it('selects the MTD once the maximum sample size is reached', () => {
    const tallies = [t(1, 3, 0), t(2, 3, 0), t(3, 15, 4), t(4, 9, 4)];
    expect(boinDecision(tallies, 4, levels, { target, maxSampleSize: 30 })).toEqual({
      action: 'mtd-found',
      nextLevel: null,
      mtd: 3,
      eliminated: [],
      reason: '30 evaluable patients reach the maximum sample size of 30: level 3 is the MTD, its isotonic DLT estimate 26.8% being closest to the 30% target',
    });
    expect(boinDecision(tallies, 4, levels, { target, maxSampleSize: 33 }).action).toBe('de-escalate');
  });

  it('stops at the maximum sample size when no level given is admissible (select.mtd answers 99)', () => {
    // started above an untried level 1: level 2 at 3 of 3 is eliminated, and nobody received level 1
    expect(boinDecision([t(2, 3, 3)], 2, levels, { target, maxSampleSize: 3 })).toEqual({
      action: 'stop',
      nextLevel: null,
      mtd: null,
      eliminated: [2, 3, 4, 5],
      reason: '3 evaluable patients reach the maximum sample size of 3, and no level given is below the eliminated ones: no dose is tolerable, stop the trial, no MTD',
    });
    // one patient short of it, the same tallies de-escalate to level 1
    expect(boinDecision([t(2, 3, 3)], 2, levels, { target, maxSampleSize: 4 })).toMatchObject({ action: 'de-escalate', nextLevel: 1 });
  });

  it('names the extra safety rule when it stops the trial', () => {
    expect(boinDecision([t(1, 3, 2)], 1, levels, { target, extraSafe: true })).toEqual({
      action: 'stop',
      nextLevel: null,
      mtd: null,
      eliminated: levels,
      reason:
        '2 of 3 patients at level 1 had a DLT: the probability that its DLT rate exceeds the 30% target is 0.916, above 0.9 ' +
        '(the extra safety rule for the lowest level), so level 1 and all above are eliminated: stop the trial, no MTD',
    });
  });

  it('refuses a cohort size or sample size that is not a whole number of patients', () => {
    expect(() => boinDecision([], 1, levels, { target, cohortSize: 0 })).toThrow(/cohort size/);
    expect(() => boinDecision([], 1, levels, { target, maxSampleSize: 2.5 })).toThrow(/maximum sample size/);
    expect(() => boinDecision([], 1, levels, { target: 0.3, eliminationCutoff: 1 })).toThrow(/elimination cutoff/);
    expect(() => boinDecision([], 1, levels, { target, maxSampleSize: 0 })).toThrow('maximum sample size must be a whole number of patients, got 0');
    expect(() => boinDecision([], 1, levels, { target, cohortSize: 1.5 })).toThrow('cohort size must be a whole number of patients, got 1.5');
    expect(boinDecision([t(1, 1, 0)], 1, levels, { target, cohortSize: 1, maxSampleSize: 1 })).toMatchObject({ action: 'mtd-found', mtd: 1 });
  });

  it('runs a whole trial step by step (target 0.30, cohorts of 3, at most 30 patients)', () => {
    const tallies = new Map<number, LevelTally>();
    const decisions: EscalationDecision[] = [];
    let current = 1;
    // DLTs in each successive cohort of 3; the expected decision follows from the table above.
    for (const dlts of [0, 1, 0, 2, 1, 1, 0, 0, 0, 0]) {
      const before = tallies.get(current) ?? t(current, 0, 0);
      tallies.set(current, t(current, before.treated + 3, before.dlts + dlts));
      const decision = boinDecision([...tallies.values()], current, levels, { target, maxSampleSize: 30 });
      decisions.push(decision);
      if (decision.nextLevel === null) break;
      current = decision.nextLevel;
    }
    expect(decisions.map(({ action, nextLevel }) => `${action} ${nextLevel}`)).toEqual([
      'escalate 2', // level 1: 0/3
      'stay 2', // level 2: 1/3 = 0.33, between 0.236 and 0.359
      'escalate 3', // level 2: 1/6 = 0.17 ≤ 0.236
      'de-escalate 2', // level 3: 2/3 = 0.67 ≥ 0.359 (eliminated only at 3/3)
      'escalate 3', // level 2: 2/9 = 0.22 ≤ 0.236
      'de-escalate 2', // level 3: 3/6 = 0.50 ≥ 0.359 (eliminated only at 4/6)
      'escalate 3', // level 2: 2/12 = 0.17
      'stay 3', // level 3: 3/9 = 0.33
      'stay 3', // level 3: 3/12 = 0.25, between the boundaries
      'mtd-found null', // 3 + 12 + 15 = 30 patients; level 3 at 3/15
    ]);
    // isotonic estimates: 0.05/3.1 = 0.016, 2.05/12.1 = 0.169, 3.05/15.1 = 0.202: level 3 is closest to 0.30
    expect(decisions.at(-1)!.mtd).toBe(3);
  });
});

describe('BOIN elimination', () => {
  it('uses a Beta(1, 1) prior: P(p > φ | 3 of 3) = 1 − 0.3⁴', () => {
    expect(overdoseProbability(t(1, 3, 3), 0.3)).toBeCloseTo(1 - 0.3 ** 4, 12);
    // Beta(1 + 2, 1 + 1): P(p ≤ 0.3) = 4·0.3³ − 3·0.3⁴ = 0.0837
    expect(overdoseProbability(t(1, 3, 2), 0.3)).toBeCloseTo(1 - 0.0837, 4);
  });

  it('eliminates a level and all above, given or treated, from at least 3 patients', () => {
    expect(boinEliminated([t(1, 3, 0), t(2, 3, 3)], { target }, [1, 2])).toEqual([2]);
    expect(boinEliminated([t(1, 3, 0), t(2, 3, 3)], { target }, levels)).toEqual([2, 3, 4, 5]);
    expect(boinEliminated([t(1, 2, 2)], { target }, levels)).toEqual([]);
    expect(boinEliminated([t(1, 3, 2)], { target, eliminationCutoff: 0.9 }, levels)).toEqual([1, 2, 3, 4, 5]);
    expect(boinEliminated([t(3, 3, 3), t(1, 3, 3)], { target }, [3, 1])).toEqual([1, 3]);
  });
});

describe('BOIN MTD selection (select.mtd)', () => {
  it('gives the package example: 3, 3, 15, 9, 0 patients with 0, 0, 4, 4, 0 DLTs → level 3', () => {
    const { mtd, estimates } = selectMtd([t(1, 3, 0), t(2, 3, 0), t(3, 15, 4), t(4, 9, 4), t(5, 0, 0)], { target });
    expect(mtd).toBe(3);
    // printed by summary(select.mtd(...)): 0.02 0.02 0.27 0.45 ----
    expect(estimates.map(({ level, rate }) => [level, rate === null ? null : Number(rate.toFixed(2))])).toEqual([
      [1, 0.02],
      [2, 0.02],
      [3, 0.27],
      [4, 0.45],
      [5, null],
    ]);
  });

  it('pools violators weighted by inverse variance, and of tied levels below the target takes the highest', () => {
    // (y + 0.05) / (n + 0.1): 0.016, 2.05/6.1 = 0.336, 1.05/6.1 = 0.172, 2.05/3.1 = 0.661.
    // Levels 2 and 3 pool with weights (6.1² · 7.1) / ((y + 0.05)(n − y + 0.05)) = 31.82 and 49.82:
    // (0.336 · 31.82 + 0.172 · 49.82) / 81.64 = 0.2360 for both; tied below 0.30, so level 3.
    const { mtd, mtdEstimate, estimates } = selectMtd([t(1, 3, 0), t(2, 6, 2), t(3, 6, 1), t(4, 3, 2)], { target });
    expect(estimates[1]!.rate).toBeCloseTo(0.236, 3);
    expect(mtdEstimate).toBe(estimates[2]!.rate);
    expect(estimates[2]!.rate).toBe(estimates[1]!.rate);
    expect(mtd).toBe(3);
  });

  it('weights the pooled levels by the inverse Beta variance, not by their patients (unequal counts)', () => {
    // 1.05/3.1 = 0.3387 and 1.05/9.1 = 0.1154 pool with weights (n + 0.1)²(n + 1.1) / ((y + 0.05)(n − y + 0.05)):
    // 9.61·4.1/(1.05·2.05) = 18.3048 and 82.81·10.1/(1.05·8.05) = 98.9507 → 0.15025 (by patients it would be 0.171).
    // select.mtd(0.3, c(3, 9, 3), c(1, 1, 3)) prints 0.15 0.15 0.98 and selects level 2.
    const { mtd, mtdEstimate, estimates } = selectMtd([t(1, 3, 1), t(2, 9, 1), t(3, 3, 3)], { target });
    expect(estimates[0]!.rate).toBeCloseTo(0.150248, 6);
    expect(estimates[1]!.rate).toBe(estimates[0]!.rate);
    expect(mtd).toBe(2);
    expect(mtdEstimate).toBeCloseTo(0.150248, 6);
  });

  it('reads the levels lowest first whatever the order of the tallies', () => {
    // level 1 at 3 of 6 above level 2 at 1 of 6: pooled (both 0.336); out of order they would not be
    const inOrder = selectMtd([t(1, 6, 3), t(2, 6, 1)], { target });
    expect(selectMtd([t(2, 6, 1), t(1, 6, 3)], { target })).toEqual(inOrder);
    expect(inOrder.estimates.map(({ level }) => level)).toEqual([1, 2]);
    expect(inOrder.estimates[0]!.rate).toBe(inOrder.estimates[1]!.rate);
  });

  it('of tied levels above the target takes the lowest', () => {
    // 3.05/6.1 = 0.5 and 2.05/6.1 = 0.336 pool to (14.20 + 10.69) / (28.40 + 31.82) = 0.413 for both
    const { mtd, estimates } = selectMtd([t(1, 6, 3), t(2, 6, 2)], { target });
    expect(estimates[0]!.rate).toBeCloseTo(0.413, 3);
    expect(mtd).toBe(1);
  });

  it('of two levels as far below the target as above it takes the lower', () => {
    // target 0.5: 1.05/6.1 = 0.172 and 5.05/6.1 = 0.828 are both 0.328 from it
    expect(selectMtd([t(1, 6, 1), t(2, 6, 5)], { target: 0.5 }).mtd).toBe(1);
  });

  it('leaves out eliminated and untreated levels, and has no MTD when the lowest is eliminated', () => {
    expect(selectMtd([t(1, 3, 0), t(2, 3, 1), t(3, 3, 3), t(4, 0, 0)], { target }).mtd).toBe(2);
    expect(selectMtd([t(1, 3, 3), t(2, 3, 1)], { target })).toEqual({
      mtd: null,
      mtdEstimate: null,
      estimates: [
        { level: 1, rate: expect.any(Number) },
        { level: 2, rate: expect.any(Number) },
      ],
    });
    expect(selectMtd([], { target })).toEqual({ mtd: null, mtdEstimate: null, estimates: [] });
  });
});

describe('BOIN properties', () => {
  const score: Record<EscalationAction, number> = { escalate: 1, stay: 0, 'mtd-found': 0, 'de-escalate': -1, stop: -2 };
  const tallyOf = (level: number) =>
    fc.integer({ min: 0, max: 12 }).chain((treated) => fc.record({ level: fc.constant(level), treated: fc.constant(treated), dlts: fc.integer({ min: 0, max: treated }) }));
  const trial = fc.record({
    others: fc.tuple(...levels.map(tallyOf)),
    current: fc.constantFrom(...levels),
    cohorts: fc.integer({ min: 1, max: 5 }),
    dltsA: fc.integer({ min: 0, max: 15 }),
    dltsB: fc.integer({ min: 0, max: 15 }),
    phi: fc.constantFrom(0.2, 0.25, 0.3, 0.35),
  });

  it('never moves toward escalation with more DLTs at the same number of patients', () => {
    fc.assert(
      fc.property(trial, ({ others, current, cohorts, dltsA, dltsB, phi }) => {
        const n = 3 * cohorts;
        const [fewer, more] = [Math.min(dltsA, dltsB, n), Math.min(Math.max(dltsA, dltsB), n)];
        const at = (dlts: number) =>
          boinDecision(
            others.map((tally) => (tally.level === current ? t(current, n, dlts) : tally)),
            current,
            levels,
            { target: phi },
          );
        const [before, after] = [at(fewer), at(more)];
        expect(score[after.action]).toBeLessThanOrEqual(score[before.action]);
        if (before.nextLevel !== null && after.nextLevel !== null) expect(after.nextLevel).toBeLessThanOrEqual(before.nextLevel);
      }),
    );
  });

  it('never sends the next cohort to an eliminated level', () => {
    fc.assert(
      fc.property(trial, ({ others, current, phi }) => {
        const decision = boinDecision(others, current, levels, { target: phi, cohortSize: 1 });
        if (decision.nextLevel !== null) expect(decision.eliminated).not.toContain(decision.nextLevel);
        if (decision.eliminated.includes(levels[0]!)) expect(decision.action).toBe('stop');
      }),
    );
  });
});
