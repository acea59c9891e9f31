import { boinBoundaries, boinBoundaryRow, boinDesignProblems, boinElimination, boinEliminated, checkedBoinDesign, overdoseProbability, resolveBoinDesign } from './boin-design';
import type { LevelTally } from './dose-escalation';

const t = (level: number, treated: number, dlts: number): LevelTally => ({ level, treated, dlts });

describe('BOIN boundaries (Liu & Yuan 2015, get.boundary)', () => {
  // φ1 = 0.6φ and φ2 = 1.4φ; the closed forms rounded to 3 decimals (docs/clinical.md, section "Dose escalation": φ = 0.30 → 0.236, 0.359).
  it.each([
    [0.15, 0.118, 0.179],
    [0.2, 0.157, 0.238],
    [0.25, 0.197, 0.298],
    [0.3, 0.236, 0.359],
    [0.35, 0.276, 0.419],
    [0.4, 0.316, 0.48],
  ])('target %p: escalate at or below %p, de-escalate above %p', (target, lambdaE, lambdaD) => {
    const boundaries = boinBoundaries({ target });
    expect(boundaries.lambdaE).toBeCloseTo(lambdaE, 3);
    expect(boundaries.lambdaD).toBeCloseTo(lambdaD, 3);
  });

  it('takes other φ1 and φ2', () => {
    // φ = 0.25, φ1 = 0.15, φ2 = 0.35: λe = log(0.85/0.75) / log(0.25·0.85 / (0.15·0.75)) = 0.12516 / 0.63599
    const { lambdaE, lambdaD } = boinBoundaries({ target: 0.25, phi1: 0.15, phi2: 0.35 });
    expect(lambdaE).toBeCloseTo(0.1968, 4);
    // λd = log(0.75/0.65) / log(0.35·0.75 / (0.25·0.65)) = 0.14310 / 0.47957
    expect(lambdaD).toBeCloseTo(0.2984, 4);
  });

  it('fills in the package defaults', () => {
    expect(resolveBoinDesign({ target: 0.25 })).toEqual({
      target: 0.25,
      phi1: 0.6 * 0.25,
      phi2: 1.4 * 0.25,
      eliminationCutoff: 0.95,
      extraSafe: false,
      offset: 0.05,
    });
  });
});

describe('BOIN designs get.boundary refuses, each named with its bound', () => {
  it('accepts the default design of every target from 0.05 to 0.6', () => {
    for (const target of [0.05, 0.1, 0.2, 0.25, 0.3, 0.33, 0.4, 0.5, 0.6]) expect(boinDesignProblems({ target })).toEqual([]);
  });

  it.each([
    [0.049, 'got 0.049'],
    [0.601, 'got 0.601'],
    [0, 'got 0'],
    [Number.NaN, 'got NaN'],
  ])('target %p is outside 0.05–0.6', (target, got) => {
    expect(boinDesignProblems({ target })).toEqual([`the target DLT rate must be from 0.05 to 0.6 (BOIN's get.boundary refuses others), got ${got.slice(4)}`]);
  });

  it('φ2 not above the target, or above it by less than a tenth of it, is refused; a tenth above is accepted', () => {
    const tooToxic = (phi2: number) => `φ2 (the DLT rate deemed toxic) must be below 1 and above the target 0.3 by at least a tenth of it (at least 0.33), got ${phi2}`;
    expect(boinDesignProblems({ target: 0.3, phi2: 0.3 })).toEqual([tooToxic(0.3)]);
    expect(boinDesignProblems({ target: 0.3, phi2: 0.25 })).toEqual([tooToxic(0.25)]);
    expect(boinDesignProblems({ target: 0.3, phi2: 0.329 })).toEqual([tooToxic(0.329)]);
    expect(boinDesignProblems({ target: 0.3, phi2: 0.33 })).toEqual([]);
    expect(boinDesignProblems({ target: 0.3, phi2: 1 })).toEqual([tooToxic(1)]);
    expect(boinDesignProblems({ target: 0.3, phi2: 0.999 })).toEqual([]);
  });

  it('φ1 not below the target, or below it by less than a tenth of it, is refused', () => {
    const tooSafe = (phi1: number) => `φ1 (the DLT rate deemed safe) must be above 0 and below the target 0.3 by at least a tenth of it (at most 0.27), got ${phi1}`;
    expect(boinDesignProblems({ target: 0.3, phi1: 0.3 })).toEqual([tooSafe(0.3)]);
    expect(boinDesignProblems({ target: 0.3, phi1: 0.35 })).toEqual([tooSafe(0.35)]);
    // 0.3 − 0.27 is 0.02999999999999997 in floating point, under 0.1 × 0.3: get.boundary refuses it too
    expect(boinDesignProblems({ target: 0.3, phi1: 0.27 })).toEqual([tooSafe(0.27)]);
    expect(boinDesignProblems({ target: 0.3, phi1: 0.26 })).toEqual([]);
    expect(boinDesignProblems({ target: 0.3, phi1: 0 })).toEqual([tooSafe(0)]);
    expect(boinDesignProblems({ target: 0.3, phi1: 0.001 })).toEqual([]);
  });

  it('φ1 and φ2 exactly a tenth of the target away are accepted, as get.boundary refuses only "<"', () => {
    // values whose differences are exactly 0.1 × target in floating point (get.boundary accepts them:
    // λe 0.5303101080023227, λd 0.58624708122512847)
    const target = 0.55815461585445592;
    const design = { target, phi1: 0.50233915426901032, phi2: 0.61397007743990151 };
    expect(target - design.phi1).toBe(0.1 * target);
    expect(design.phi2 - target).toBe(0.1 * target);
    expect(boinDesignProblems(design)).toEqual([]);
    expect(boinBoundaries(design).lambdaE).toBeCloseTo(0.5303101080023227, 14);
    expect(boinBoundaries(design).lambdaD).toBeCloseTo(0.58624708122512847, 14);
  });

  it('an elimination cutoff outside 0–1 and an offset outside 0–0.5 or not below the cutoff are refused', () => {
    const cutoff = (value: number) => `the elimination cutoff must be a probability between 0 and 1, got ${value}`;
    const offset = (value: number) => `the extra safety offset must be from 0 to below 0.5 and below the elimination cutoff, got ${value}`;
    expect(boinDesignProblems({ target: 0.3, eliminationCutoff: 1 })).toEqual([cutoff(1)]);
    expect(boinDesignProblems({ target: 0.3, eliminationCutoff: 0 })).toEqual([cutoff(0), offset(0.05)]);
    expect(boinDesignProblems({ target: 0.3, eliminationCutoff: 0.999 })).toEqual([]);
    expect(boinDesignProblems({ target: 0.3, eliminationCutoff: 0.001, offset: 0 })).toEqual([]);
    expect(boinDesignProblems({ target: 0.3, offset: 0.5 })).toEqual([offset(0.5)]);
    expect(boinDesignProblems({ target: 0.3, offset: 0.499 })).toEqual([]);
    expect(boinDesignProblems({ target: 0.3, offset: -0.01 })).toEqual([offset(-0.01)]);
    expect(boinDesignProblems({ target: 0.3, offset: 0 })).toEqual([]);
    expect(boinDesignProblems({ target: 0.3, eliminationCutoff: 0.3, offset: 0.3 })).toEqual([offset(0.3)]);
  });

  it('names every problem at once, and the checked design throws with them all', () => {
    const design = { target: 0.3, phi1: 0.3, phi2: 0.3 };
    expect(boinDesignProblems(design)).toHaveLength(2);
    expect(() => checkedBoinDesign(design)).toThrow(new RangeError(`BOIN design refused: ${boinDesignProblems(design).join('; ')}`));
    expect(() => boinBoundaries(design)).toThrow(RangeError);
    expect(checkedBoinDesign({ target: 0.3 })).toEqual(resolveBoinDesign({ target: 0.3 }));
  });
});

describe('get.boundary table', () => {
  it('target 0.30 from 1 to 12 patients, as the package prints it', () => {
    // get.boundary(target = 0.3, ncohort = 12, cohortsize = 1)
    const rows = Array.from({ length: 12 }, (_, index) => boinBoundaryRow({ target: 0.3 }, index + 1));
    expect(rows.map((row) => row.escalateAtMost)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(rows.map((row) => row.deEscalateFrom)).toEqual([1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5]);
    expect(rows.map((row) => row.eliminateFrom)).toEqual([null, null, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7]);
  });

  it('de-escalates from the elimination count when that is lower', () => {
    // cutoff 0.6: P(p > 0.3 | 1 of 3) = 0.652 eliminates at 1, under ⌈0.359 × 3⌉ = 2;
    // P(p > 0.3 | 2 of 6) = 0.647 eliminates at 2, under ⌈0.359 × 6⌉ = 3
    expect(boinBoundaryRow({ target: 0.3, eliminationCutoff: 0.6 }, 3)).toEqual({ treated: 3, escalateAtMost: 0, deEscalateFrom: 1, eliminateFrom: 1 });
    expect(boinBoundaryRow({ target: 0.3, eliminationCutoff: 0.6 }, 6)).toEqual({ treated: 6, escalateAtMost: 1, deEscalateFrom: 2, eliminateFrom: 2 });
    expect(boinBoundaryRow({ target: 0.3 }, 6)).toEqual({ treated: 6, escalateAtMost: 1, deEscalateFrom: 3, eliminateFrom: 4 });
  });

  it('refuses a row for fewer than 1 patient or a fraction of one', () => {
    expect(() => boinBoundaryRow({ target: 0.3 }, 0)).toThrow('a boundary needs at least 1 patient, got 0');
    expect(() => boinBoundaryRow({ target: 0.3 }, 2.5)).toThrow('a boundary needs at least 1 patient, got 2.5');
    expect(boinBoundaryRow({ target: 0.3 }, 1).treated).toBe(1);
  });
});

describe('BOIN elimination (P(p > φ | data) > cutoff under Beta(1, 1), n ≥ 3)', () => {
  it('uses a Beta(1, 1) prior: P(p > φ | 3 of 3) = 1 − 0.3⁴', () => {
    expect(overdoseProbability(t(1, 3, 3), 0.3)).toBeCloseTo(1 - 0.3 ** 4, 12);
    // Beta(1 + 2, 1 + 1): P(p ≤ 0.3) = 4·0.3³ − 3·0.3⁴ = 0.0837
    expect(overdoseProbability(t(1, 3, 2), 0.3)).toBeCloseTo(1 - 0.0837, 4);
  });

  it('eliminates a level and all above, from at least 3 patients', () => {
    const levels = [1, 2, 3, 4, 5];
    expect(boinEliminated([t(1, 3, 0), t(2, 3, 3)], { target: 0.3 }, levels)).toEqual([2, 3, 4, 5]);
    expect(boinEliminated([t(1, 2, 2)], { target: 0.3 }, levels)).toEqual([]);
    expect(boinEliminated([t(1, 3, 2)], { target: 0.3 }, levels)).toEqual([]);
    expect(boinEliminated([t(1, 3, 2)], { target: 0.3, eliminationCutoff: 0.9 }, levels)).toEqual(levels);
    expect(boinEliminated([t(4, 3, 3), t(2, 3, 3)], { target: 0.3 }, [4, 2, 1])).toEqual([2, 4]);
  });

  it('says which tally eliminated which levels, at which probability and cutoff', () => {
    expect(boinElimination([t(1, 3, 0), t(2, 3, 3), t(3, 3, 3)], { target: 0.3 }, [1, 2, 3])).toEqual({
      from: 2,
      tally: t(2, 3, 3),
      probability: 1 - betaBelow(0.3, 4, 1),
      cutoff: 0.95,
      extraSafe: false,
    });
    expect(boinElimination([t(1, 3, 0)], { target: 0.3 }, [1, 2])).toBeUndefined();
  });

  it('eliminates only above the cutoff, not at it', () => {
    const atCutoff = overdoseProbability(t(1, 3, 3), 0.3);
    expect(boinEliminated([t(1, 3, 3)], { target: 0.3, eliminationCutoff: atCutoff }, [1, 2])).toEqual([]);
    expect(boinEliminated([t(1, 3, 3)], { target: 0.3, eliminationCutoff: atCutoff - 1e-12 }, [1, 2])).toEqual([1, 2]);
  });

  it('with the extra safety rule, stops on the lowest level above cutoff − offset (3 or more patients)', () => {
    // 2 of 3: P = 0.916 > 0.95 − 0.05; the standard rule (0.95) would not eliminate it
    const design = { target: 0.3, extraSafe: true };
    expect(boinElimination([t(1, 3, 2)], design, [1, 2])).toEqual({
      from: 1,
      tally: t(1, 3, 2),
      probability: overdoseProbability(t(1, 3, 2), 0.3),
      cutoff: 0.95 - 0.05,
      extraSafe: true,
    });
    expect(boinEliminated([t(1, 3, 2)], design, [1, 2])).toEqual([1, 2]);
    expect(boinEliminated([t(1, 3, 2)], { target: 0.3 }, [1, 2])).toEqual([]);
    expect(boinEliminated([t(1, 2, 2)], design, [1, 2])).toEqual([]);
    // nobody at the lowest level: the extra rule has nothing to read, the standard one still applies
    expect(boinEliminated([t(2, 3, 2)], design, [1, 2])).toEqual([]);
    expect(boinEliminated([t(2, 3, 3)], design, [1, 2])).toEqual([2]);
    // the extra rule reads only the lowest level; the offset can be tightened
    expect(boinEliminated([t(1, 3, 0), t(2, 3, 2)], design, [1, 2])).toEqual([]);
    expect(boinEliminated([t(1, 3, 2)], { ...design, offset: 0.01 }, [1, 2])).toEqual([]);
    // the standard rule on the lowest level is named as such, even when the extra rule also holds
    expect(boinElimination([t(1, 3, 3)], design, [1, 2])).toMatchObject({ extraSafe: false, cutoff: 0.95 });
    // a higher level eliminated by the standard rule while the lowest passes the extra one
    expect(boinElimination([t(1, 3, 0), t(2, 3, 3)], design, [1, 2])).toMatchObject({ from: 2, extraSafe: false });
  });
});

/** P(X ≤ x) for X ~ Beta(a, 1) = x^a: checks the Beta CDF the elimination rests on. */
function betaBelow(x: number, a: number, _b: 1): number {
  return x ** a;
}
