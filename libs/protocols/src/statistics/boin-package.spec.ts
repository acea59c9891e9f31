import { boinBoundaries, boinBoundaryRow, boinDesignProblems, type BoinDesign } from './boin-design';
import { boinDecision, selectMtd } from './boin';
import type { LevelTally } from './dose-escalation';
import fixture from './fixtures/boin-package.json';

/**
 * Every case that fixtures/boin-package.R ran through the BOIN R package (CRAN BOIN 2.7.2, the
 * package's own get.boundary, select.mtd and get.oc), against the TypeScript. The fixture is the
 * package's output, written by that script; nothing in it is computed here.
 */

type Count = number | null;
const tallies = (npts: readonly number[], ntox: readonly number[]): LevelTally[] => npts.map((treated, index) => ({ level: index + 1, treated, dlts: ntox[index]! }));
const levelsOf = (npts: readonly number[]) => npts.map((_, index) => index + 1);
const rounded = (rate: number | null) => (rate === null ? null : Number(rate.toFixed(2)));

it('is the output of the package', () => {
  expect(fixture.source).toMatch(/^BOIN 2\.7\.2 on R /);
});

describe('get.boundary', () => {
  const cases = fixture.boundaries.map((c) => ({
    label: `target ${c.target}, φ1 ${c.pSaf}, φ2 ${c.pTox}, cutoff ${c.cutoffEli}${c.extrasafe ? `, extra safe ${c.offset}` : ''}`,
    design: { target: c.target, phi1: c.pSaf, phi2: c.pTox, eliminationCutoff: c.cutoffEli } satisfies BoinDesign,
    ...c,
  }));

  it.each(cases)('$label: λe, λd and the table for 1 to 30 patients', ({ design, lambdaE, lambdaD, n, escalateAtMost, deEscalateFrom, eliminateFrom }) => {
    const boundaries = boinBoundaries(design);
    expect(boundaries.lambdaE).toBeCloseTo(lambdaE, 12);
    expect(boundaries.lambdaD).toBeCloseTo(lambdaD, 12);
    expect(n.map((treated) => boinBoundaryRow(design, treated))).toEqual(
      n.map((treated, index) => ({
        treated,
        escalateAtMost: escalateAtMost[index],
        deEscalateFrom: deEscalateFrom[index],
        eliminateFrom: (eliminateFrom as Count[])[index],
      })),
    );
  });

  it.each(cases.filter((c) => c.extrasafe))('$label: the extra safety rule stops at the lowest level from its stopping boundary', ({ design, offset, n, stopFrom }) => {
    const withExtra = { ...design, extraSafe: true, offset };
    n.forEach((treated, index) => {
      const stopAt = (stopFrom as Count[] | undefined)![index]!;
      for (let dlts = 0; dlts <= treated; dlts += 1) {
        const decision = boinDecision([{ level: 1, treated, dlts }], 1, [1, 2, 3], { ...withExtra, cohortSize: 1 });
        expect([treated, dlts, decision.action === 'stop']).toEqual([treated, dlts, stopAt !== null && dlts >= stopAt]);
      }
    });
  });

  /** get.boundary's message → the words of ours that say the same. */
  const sameRefusal: Record<string, RegExp> = {
    'the target is too low! ': /the target DLT rate must be from 0\.05 to 0\.6/,
    'the target is too high!': /the target DLT rate must be from 0\.05 to 0\.6/,
    'the probability deemed safe cannot be higher than or too close to the target!': /^φ1 .* below the target/,
    'the probability deemed toxic cannot be lower than or too close to the target!': /^φ2 .* above the target/,
    'the offset is too large!': /offset must be from 0 to below 0\.5/,
  };

  it.each(fixture.refusals)('target $target, φ1 $pSaf, φ2 $pTox, offset $offset: refused as get.boundary refuses ($error)', (c) => {
    const problems = boinDesignProblems({ target: c.target, phi1: c.pSaf, phi2: c.pTox, offset: c.offset });
    if (c.error === null) {
      expect(problems).toEqual([]);
    } else {
      expect(problems).toEqual([expect.stringMatching(sameRefusal[c.error]!)]);
      expect(() => boinBoundaries({ target: c.target, phi1: c.pSaf, phi2: c.pTox, offset: c.offset })).toThrow(/^BOIN design refused: /);
    }
  });
});

describe('get.boundary decisions at the current level', () => {
  // Each boundary case, each number treated (cohorts of 1), each DLT count: the decision follows the table.
  it.each(fixture.boundaries.filter((c) => !c.extrasafe))('target $target, φ1 $pSaf, φ2 $pTox, cutoff $cutoffEli: escalate, stay or de-escalate at level 2 of 3', (c) => {
    const design = { target: c.target, phi1: c.pSaf, phi2: c.pTox, eliminationCutoff: c.cutoffEli, cohortSize: 1 };
    c.n.forEach((treated, index) => {
      const eliminateFrom = (c.eliminateFrom as Count[])[index];
      for (let dlts = 0; dlts <= treated; dlts += 1) {
        const decision = boinDecision(
          [
            { level: 1, treated: 3, dlts: 0 },
            { level: 2, treated, dlts },
          ],
          2,
          [1, 2, 3],
          design,
        );
        const expected = dlts <= c.escalateAtMost[index]! ? 'escalate 3' : dlts >= c.deEscalateFrom[index]! ? 'de-escalate 1' : 'stay 2';
        expect([treated, dlts, `${decision.action} ${decision.nextLevel}`]).toEqual([treated, dlts, expected]);
        const eliminated = eliminateFrom !== null && dlts >= eliminateFrom;
        expect([treated, dlts, decision.eliminated]).toEqual([treated, dlts, eliminated ? [2, 3] : []]);
      }
    });
  });
});

describe('select.mtd', () => {
  it.each(fixture.selectMtd)('$name', ({ target, npts, ntox, cutoffEli, extrasafe, offset, mtd, estimates }) => {
    const selection = selectMtd(tallies(npts, ntox), { target, eliminationCutoff: cutoffEli, extraSafe: extrasafe, offset }, levelsOf(npts));
    expect(selection.mtd).toBe(mtd);
    expect(selection.estimates.map(({ rate }) => rounded(rate))).toEqual(estimates);
    if (mtd !== null) expect(npts[mtd - 1]).toBeGreaterThan(0);
  });

  it.each(fixture.grid)('0, 3 or 6 patients at each of 3 levels, every DLT count: target $target, extra safe $extrasafe', ({ target, extrasafe, cases }) => {
    const answers = (cases as Array<[number[], number[], number | null]>).map(([npts, ntox]) => [
      npts,
      ntox,
      selectMtd(tallies(npts, ntox), { target, extraSafe: extrasafe }, [1, 2, 3]).mtd,
    ]);
    expect(answers).toEqual(cases);
  });

  it.each(fixture.uneven)('uneven counts at 5 levels drawn by the script: target $target', ({ target, cases }) => {
    const answers = (cases as Array<[number[], number[], number | null, Array<number | null>]>).map(([npts, ntox]) => {
      const selection = selectMtd(tallies(npts, ntox), { target }, levelsOf(npts));
      return [npts, ntox, selection.mtd, selection.estimates.map(({ rate }) => rounded(rate))];
    });
    expect(answers).toEqual(cases);
  });
});

describe('whole trials as get.oc runs them (DLT probabilities 0 or 1, so each trial is certain)', () => {
  const label = (c: (typeof fixture.trials)[number]) =>
    `target ${c.target}, DLT probabilities ${c.pTrue.join(' ')}, ${c.ncohort} cohorts of ${c.cohortsize} from level ${c.startdose}` + (c.extrasafe ? ', extra safe' : '');

  it.each(fixture.trials.map((c) => ({ ...c, label: label(c) })))('$label', (c) => {
    const levels = levelsOf(c.pTrue);
    const options = { target: c.target, cohortSize: c.cohortsize, maxSampleSize: c.ncohort * c.cohortsize, extraSafe: c.extrasafe };
    const npts = levels.map(() => 0);
    const ntox = levels.map(() => 0);
    let current: number | null = c.startdose;
    let last = boinDecision([], current, levels, options);
    while (current !== null) {
      npts[current - 1] += c.cohortsize;
      ntox[current - 1] += c.pTrue[current - 1]! * c.cohortsize;
      last = boinDecision(tallies(npts, ntox), current, levels, options);
      expect(last.awaiting).toBeUndefined();
      current = last.nextLevel;
    }
    expect({ npts, ntox, mtd: last.mtd, stopped: last.action === 'stop' }).toEqual({
      npts: c.npts,
      ntox: c.ntox,
      mtd: c.mtd,
      stopped: c.stopped,
    });
    expect(last.action).toBe(c.stopped ? 'stop' : 'mtd-found');
  });
});
