import fc from 'fast-check';
import { consciousnessLevels, edemaFindings, gradeIcans, iceScore, iceScoreSchema, icansInputSchema, motorFindings, seizureKinds, type IcansInput } from './icans-grade';

const adult = { ageYears: 45 };
const child = { ageYears: 8 };
const wellAdult: IcansInput = { ice: 10, consciousness: 'awake', seizure: 'none', motor: 'none', edema: 'none' };
const grade = (change: Partial<IcansInput>, patient = adult) => gradeIcans({ ...wellAdult, ...change }, patient).grade;

describe('ICE score', () => {
  it('adds orientation 4, naming 3, commands, writing and attention 1 each', () => {
    expect(iceScore({ orientation: 4, naming: 3, commands: 1, writing: 1, attention: 1 })).toBe(10);
    expect(iceScore({ orientation: 2, naming: 1, commands: 1, writing: 0, attention: 0 })).toBe(4);
  });

  it('refuses parts out of range or missing', () => {
    expect(iceScoreSchema.safeParse({ orientation: 5, naming: 3, commands: 1, writing: 1, attention: 1 }).success).toBe(false);
    expect(iceScoreSchema.safeParse({ orientation: 4, naming: 3, commands: 1, writing: 1 }).success).toBe(false);
  });
});

describe('ASTCT ICANS grade', () => {
  it('is 0 with ICE 10 and nothing else', () => {
    expect(gradeIcans(wellAdult, adult)).toEqual({
      grade: 0,
      domains: { ice: 0, consciousness: 0, seizure: 0, motor: 0, edema: 0 },
      reason: 'ICE 10, awake, no seizure, no motor weakness, no cerebral oedema: no ICANS',
    });
  });

  it.each([
    [10, 0],
    [9, 1],
    [7, 1],
    [6, 2],
    [3, 2],
    [2, 3],
    [0, 3],
  ])('grades ICE %p alone as %p', (ice, expected) => {
    expect(grade({ ice })).toBe(expected);
  });

  it.each([
    ['awake', 0],
    ['awakens-spontaneously', 1],
    ['awakens-to-voice', 2],
    ['awakens-to-touch', 3],
    ['unarousable', 4],
    ['stupor', 4],
    ['coma', 4],
  ] as const)('grades consciousness %p alone as %p', (consciousness, expected) => {
    expect(grade({ consciousness })).toBe(expected);
  });

  it.each([
    ['focal-or-generalized-resolving-rapidly', 3],
    ['nonconvulsive-on-eeg-resolving-with-intervention', 3],
    ['prolonged-or-repetitive', 4],
  ] as const)('grades seizure %p alone as %p', (seizure, expected) => {
    expect(grade({ seizure })).toBe(expected);
  });

  it('grades deep focal motor weakness alone as 4', () => {
    expect(grade({ motor: 'deep-focal-weakness' })).toBe(4);
  });

  it.each([
    ['focal-local', 3],
    ['diffuse-cerebral', 4],
    ['raised-icp-signs', 4],
  ] as const)('grades oedema %p alone as %p', (edema, expected) => {
    expect(grade({ edema })).toBe(expected);
  });

  it('ICE 0 is grade 3 when awake (global aphasia) and 4 when unarousable', () => {
    expect(grade({ ice: 0 })).toBe(3);
    expect(gradeIcans({ ...wellAdult, ice: 0, consciousness: 'unarousable' }, adult)).toMatchObject({
      grade: 4,
      domains: { ice: 3, consciousness: 4 },
      reason: 'grade 4 by unarousable',
    });
  });

  it('takes the worst domain and names every domain at that grade', () => {
    expect(gradeIcans({ ...wellAdult, ice: 3, seizure: 'focal-or-generalized-resolving-rapidly' }, adult)).toMatchObject({
      grade: 3,
      domains: { ice: 2, seizure: 3 },
      reason: 'grade 3 by a seizure that resolved rapidly',
    });
    expect(gradeIcans({ ...wellAdult, ice: 2, consciousness: 'awakens-to-touch', edema: 'focal-local' }, adult).reason).toBe(
      'grade 3 by ICE 2 and awakens to touch and focal oedema on neuroimaging',
    );
    expect(grade({ ice: 8, consciousness: 'awakens-to-voice' })).toBe(2);
  });

  it('grades without an ICE score when none could be done', () => {
    expect(gradeIcans({ consciousness: 'coma', seizure: 'none', motor: 'none', edema: 'none' }, adult)).toMatchObject({
      grade: 4,
      domains: { consciousness: 4 },
    });
  });

  it('grades children aged 12 or under by CAPD: 0 → 0, 1–8 → 1, ≥9 → 3', () => {
    const wellChild: IcansInput = { ...wellAdult, ice: undefined, capd: 0 };
    expect(gradeIcans(wellChild, child)).toMatchObject({ grade: 0, domains: { capd: 0 } });
    expect(grade({ ice: undefined, capd: 1 }, child)).toBe(1);
    expect(grade({ ice: undefined, capd: 8 }, child)).toBe(1);
    expect(grade({ ice: undefined, capd: 8, consciousness: 'awakens-to-voice' }, child)).toBe(2);
    expect(gradeIcans({ ...wellChild, capd: 9 }, child)).toMatchObject({ grade: 3, reason: 'grade 3 by CAPD 9' });
    expect(grade({ ice: undefined, capd: 12 }, { ageYears: 12 })).toBe(3);
  });

  it('refuses an ICE score for a child aged 12 or under with a RangeError', () => {
    expect(() => gradeIcans(wellAdult, { ageYears: 12 })).toThrow(RangeError);
    expect(() => gradeIcans(wellAdult, child)).toThrow(/CAPD/);
    expect(grade({}, { ageYears: 12.1 })).toBe(0);
  });

  it('accepts CAPD over 12 (developmental delay) but refuses both scores or an impossible age', () => {
    expect(grade({ ice: undefined, capd: 10 }, { ageYears: 17 })).toBe(3);
    expect(() => gradeIcans({ ...wellAdult, capd: 3 }, adult)).toThrow(RangeError);
    expect(() => gradeIcans(wellAdult, { ageYears: Number.NaN })).toThrow(RangeError);
    expect(() => gradeIcans(wellAdult, { ageYears: -1 })).toThrow(RangeError);
  });

  it('never gives a higher grade for a higher ICE score, all else equal', () => {
    const rest = fc.record({
      consciousness: fc.constantFrom(...consciousnessLevels),
      seizure: fc.constantFrom(...seizureKinds),
      motor: fc.constantFrom(...motorFindings),
      edema: fc.constantFrom(...edemaFindings),
    });
    const ice = fc.integer({ min: 0, max: 10 });
    fc.assert(
      fc.property(rest, ice, ice, (domains, a, b) => {
        const [lower, higher] = a <= b ? [a, b] : [b, a];
        expect(gradeIcans({ ...domains, ice: higher }, adult).grade).toBeLessThanOrEqual(gradeIcans({ ...domains, ice: lower }, adult).grade);
      }),
    );
  });
});

describe('ASTCT ICANS grade: what it says and records', () => {
  const wellChild: IcansInput = { capd: 0, consciousness: 'awake', seizure: 'none', motor: 'none', edema: 'none' };

  it('grades a child by CAPD from birth, recording the domains assessed and no ICE', () => {
    expect(gradeIcans(wellChild, { ageYears: 0 })).toEqual({
      grade: 0,
      domains: { capd: 0, consciousness: 0, seizure: 0, motor: 0, edema: 0 },
      reason: 'CAPD 0, awake, no seizure, no motor weakness, no cerebral oedema: no ICANS',
    });
  });

  it('names deep focal motor weakness as the finding that grades 4', () => {
    expect(gradeIcans({ ...wellAdult, motor: 'deep-focal-weakness' }, adult).reason).toBe('grade 4 by deep focal motor weakness');
  });

  it('says why it cannot grade: an age below 0, or both scores', () => {
    expect(() => gradeIcans(wellChild, { ageYears: -1 })).toThrow(new RangeError('age must be a non-negative number of years, got -1'));
    expect(() => gradeIcans({ ...wellChild, ice: 10 }, adult)).toThrow(new RangeError('give the ICE score or the CAPD score, not both'));
  });
});

describe('ICANS input schema', () => {
  it('accepts an adult with ICE and a child with CAPD', () => {
    expect(icansInputSchema.parse(wellAdult)).toEqual(wellAdult);
    const { ice: _ice, ...withoutIce } = wellAdult;
    expect(icansInputSchema.safeParse({ ...withoutIce, capd: 12 }).success).toBe(true);
  });

  it('refuses both scores, scores out of range and unknown findings', () => {
    const both = icansInputSchema.safeParse({ ...wellAdult, capd: 3 });
    expect(both.error?.issues[0]?.message).toMatch(/not both/);
    expect(icansInputSchema.safeParse({ ...wellAdult, ice: 11 }).success).toBe(false);
    expect(icansInputSchema.safeParse({ ...wellAdult, ice: 9.5 }).success).toBe(false);
    expect(icansInputSchema.safeParse({ ...wellAdult, ice: undefined, capd: 33 }).success).toBe(false);
    expect(icansInputSchema.safeParse({ ...wellAdult, seizure: 'febrile' }).success).toBe(false);
    expect(icansInputSchema.safeParse({ ...wellAdult, tremor: true }).success).toBe(false);
  });
});
