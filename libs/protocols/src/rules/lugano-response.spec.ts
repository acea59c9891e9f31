import {
  diseaseControl,
  luganoInputSchema,
  luganoResponse,
  objectiveResponse,
  lesionProgression,
  nadirOf,
  spdChangeFromBaseline,
  type LesionMeasurement,
  type LesionSize,
  type LuganoInput,
  type LuganoResponse,
} from './lugano-response';

const response = (input: Omit<LuganoInput, 'newLesion'> & { newLesion?: boolean }) => luganoResponse({ newLesion: false, ...input }).response;

describe('Lugano 2014 response', () => {
  it('is CR on Deauville 1–3 and not on 4', () => {
    expect(response({ deauville: 1 })).toBe('CR');
    expect(luganoResponse({ deauville: 3, newLesion: false })).toEqual({
      response: 'CR',
      reason: 'complete metabolic response: Deauville 3',
    });
    expect(response({ deauville: 4 })).toBe('SD');
  });

  it('is PR on Deauville 4–5 with uptake reduced from baseline', () => {
    expect(response({ deauville: 4, uptakeReducedFromBaseline: true })).toBe('PR');
    expect(response({ deauville: 5, uptakeReducedFromBaseline: true })).toBe('PR');
    expect(response({ deauville: 5, uptakeReducedFromBaseline: false })).toBe('SD');
  });

  it('is PR from a 50 % fall of the SPD from baseline', () => {
    expect(luganoResponse({ spdChangeFromBaselinePct: -50, newLesion: false })).toEqual({
      response: 'PR',
      reason: 'SPD −50 % from baseline (partial response from −50 %)',
    });
    expect(luganoResponse({ spdChangeFromBaselinePct: -49.9, newLesion: false })).toEqual({
      response: 'SD',
      reason: 'stable disease: SPD −49.9 % from baseline',
    });
    expect(response({ spdChangeFromBaselinePct: -70 })).toBe('PR');
  });

  it('is SD on Deauville 4–5 without reduced uptake, whatever the SPD (no metabolic response)', () => {
    expect(luganoResponse({ deauville: 4, spdChangeFromBaselinePct: -70, newLesion: false })).toEqual({
      response: 'SD',
      reason: 'no metabolic response: Deauville 4 without reduced uptake from baseline, whatever the SPD −70 % from baseline',
    });
    expect(response({ deauville: 5, spdChangeFromBaselinePct: -100 })).toBe('SD');
    expect(response({ deauville: 5, uptakeReducedFromBaseline: false, spdChangeFromBaselinePct: -50 })).toBe('SD');
    expect(luganoResponse({ deauville: 4, newLesion: false }).reason).toBe('no metabolic response: Deauville 4 without reduced uptake from baseline');
    expect(response({ deauville: 3, spdChangeFromBaselinePct: 10 })).toBe('CR');
  });

  it('is PD from a 50 % rise of the SPD from nadir', () => {
    expect(luganoResponse({ spdChangeFromNadirPct: 50, newLesion: false })).toEqual({
      response: 'PD',
      reason: 'SPD +50 % from nadir (progression from +50 %)',
    });
    expect(response({ spdChangeFromNadirPct: 49.9 })).toBe('SD');
  });

  it('is PD on a new FDG-avid lesion, whatever else improved', () => {
    expect(luganoResponse({ deauville: 2, spdChangeFromBaselinePct: -80, newLesion: true })).toEqual({
      response: 'PD',
      reason: 'a new FDG-avid lesion',
    });
  });

  it('is PD on Deauville 4–5 with uptake increased from baseline, not on Deauville 3', () => {
    expect(response({ deauville: 4, uptakeIncreasedFromBaseline: true })).toBe('PD');
    expect(response({ deauville: 3, uptakeIncreasedFromBaseline: true })).toBe('CR');
  });

  it('says why, for uptake increased or reduced from baseline', () => {
    expect(luganoResponse({ deauville: 5, uptakeIncreasedFromBaseline: true, newLesion: false })).toEqual({
      response: 'PD',
      reason: 'Deauville 5 with uptake increased from baseline',
    });
    expect(luganoResponse({ deauville: 4, uptakeReducedFromBaseline: true, newLesion: false })).toEqual({
      response: 'PR',
      reason: 'partial metabolic response: Deauville 4 with uptake reduced from baseline',
    });
  });

  it('writes an unchanged SPD as 0 %, without a sign', () => {
    expect(luganoResponse({ spdChangeFromBaselinePct: 0, spdChangeFromNadirPct: 0, newLesion: false }).reason).toBe('stable disease: SPD 0 % from baseline, SPD 0 % from nadir');
  });

  it('lets progression win over a metabolic CR', () => {
    expect(response({ deauville: 2, spdChangeFromNadirPct: 60 })).toBe('PD');
  });

  it('is SD when none of these holds, naming what was measured', () => {
    expect(luganoResponse({ spdChangeFromBaselinePct: -20, spdChangeFromNadirPct: 10, newLesion: false })).toEqual({
      response: 'SD',
      reason: 'stable disease: SPD −20 % from baseline, SPD +10 % from nadir',
    });
  });
});

describe('Lugano 2014 progression of one lesion from its nadir', () => {
  const at = (ldiCm: number, sdiCm: number) => ({ ldiCm, sdiCm });
  const progressed = (now: LesionSize, nadir: LesionSize) => lesionProgression('L1', now, nadir) !== undefined;

  it('needs the lesion abnormal: LDi above 1.5 cm', () => {
    // Nadir 1.0 × 1.0 cm; both diameters up by 0.5 cm and the PPD more than doubled.
    expect(progressed(at(1.5, 1.5), at(1, 1))).toBe(false);
    expect(progressed(at(1.6, 1.5), at(1, 1))).toBe(true);
  });

  it('needs the PPD at least 50 % above its nadir PPD', () => {
    // Nadir 2.0 × 2.0 cm (PPD 4): LDi +0.5 cm, PPD 2.5 × 2.4 = 6.0 (+50 %) progresses; 2.5 × 2.39 (+49.4 %) does not.
    expect(progressed(at(2.5, 2.4), at(2, 2))).toBe(true);
    expect(progressed(at(2.5, 2.39), at(2, 2))).toBe(false);
  });

  it('needs LDi or SDi up by 0.5 cm from nadir for a lesion ≤ 2 cm', () => {
    // Nadir 2.0 × 1.0 cm (PPD 2): 2.4 × 1.3 = 3.12 (+56 %) with no diameter up 0.5 cm does not; SDi +0.5 cm does.
    expect(progressed(at(2.4, 1.3), at(2, 1))).toBe(false);
    expect(progressed(at(2.4, 1.5), at(2, 1))).toBe(true);
    expect(progressed(at(2.5, 1.2), at(2, 1))).toBe(true);
    // Nadir 1.8 × 1.0 cm: LDi +0.5 cm to 2.3 cm, where 2.3 − 1.8 is 0.4999999999999998 in floating point.
    expect(progressed(at(2.3, 1.2), at(1.8, 1))).toBe(true);
  });

  it('needs LDi or SDi up by 1.0 cm from nadir for a lesion > 2 cm', () => {
    // Nadir 2.1 × 2.0 cm (PPD 4.2): 3.0 × 2.9 = 8.7 (+107 %) with +0.9 cm each does not; LDi +1.0 cm does.
    expect(progressed(at(3, 2.9), at(2.1, 2))).toBe(false);
    expect(progressed(at(3.1, 2.9), at(2.1, 2))).toBe(true);
    expect(progressed(at(3, 3), at(2.1, 2))).toBe(true);
  });

  it('counts a lesion that had vanished (0 × 0 cm) and is back above 1.5 cm', () => {
    expect(progressed(at(1.6, 0.5), at(0, 0))).toBe(true);
    expect(lesionProgression('L1', at(1.6, 0.5), at(0, 0))).toMatch(/PPD up from 0/);
  });

  it('says which lesion progressed, from what, and by which rule', () => {
    expect(lesionProgression('L2', at(2.5, 2.4), at(2, 2))).toBe(
      'lesion L2 2.5 × 2.4 cm from its nadir 2 × 2 cm: PPD +50 %, LDi or SDi up by 0.5 cm or more (a lesion ≤ 2 cm), LDi above 1.5 cm',
    );
    expect(lesionProgression('L3', at(3.1, 2.9), at(2.1, 2))).toMatch(/up by 1\.0 cm or more \(a lesion > 2 cm\)/);
  });
});

describe('Lugano 2014 response from target lesions', () => {
  const lesion = (id: string, ldiCm: number, sdiCm: number): LesionMeasurement => ({ id, ldiCm, sdiCm });
  const priors = { L1: { baseline: { ldiCm: 4, sdiCm: 3 }, nadir: { ldiCm: 2, sdiCm: 2 } }, L2: { baseline: { ldiCm: 3, sdiCm: 2 }, nadir: { ldiCm: 3, sdiCm: 2 } } };

  it('is PD when one lesion progressed from its nadir although the SPD is still below baseline', () => {
    // SPD 2.5 × 2.4 + 1.5 × 1.0 = 7.5 against a baseline of 18 (−58 %): a partial response by the SPD alone.
    const result = luganoResponse({ lesions: [lesion('L1', 2.5, 2.4), lesion('L2', 1.5, 1)], newLesion: false }, priors);
    expect(result).toEqual({ response: 'PD', reason: expect.stringMatching(/^progression: lesion L1 2\.5 × 2\.4 cm from its nadir 2 × 2 cm: PPD \+50 %/) });
    expect(luganoResponse({ lesions: [lesion('L1', 2.5, 2.4), lesion('L2', 1.5, 1)], deauville: 2, newLesion: false }, priors).response).toBe('PD');
  });

  it('names every lesion that progressed, one after the other', () => {
    const both = luganoResponse({ lesions: [lesion('L1', 2.5, 2.4), lesion('L2', 4.5, 3)], newLesion: false }, priors);
    expect(both.response).toBe('PD');
    expect(both.reason).toMatch(/^progression: lesion L1 2\.5 × 2\.4 cm from its nadir 2 × 2 cm: [^;]+; lesion L2 4\.5 × 3 cm from its nadir 3 × 2 cm: PPD \+125 %/);
  });

  it('computes the SPD change from the baselines on record: PR from −50 %', () => {
    // Baseline SPD 4 × 3 + 3 × 2 = 18, the nadir so far; now 3 × 2 + 2 × 1.5 = 9 (−50 %).
    const shrinking = { L1: { baseline: { ldiCm: 4, sdiCm: 3 }, nadir: { ldiCm: 4, sdiCm: 3 } }, L2: priors.L2 };
    expect(luganoResponse({ lesions: [lesion('L1', 3, 2), lesion('L2', 2, 1.5)], newLesion: false }, shrinking)).toEqual({
      response: 'PR',
      reason: 'SPD −50 % from baseline (partial response from −50 %)',
    });
    expect(luganoResponse({ lesions: [lesion('L1', 3, 2), lesion('L2', 2, 1.6)], newLesion: false }, shrinking)).toEqual({
      response: 'SD',
      reason: 'stable disease: SPD −48.9 % from baseline',
    });
  });

  it('cannot judge a lesion without a nadir, nor an SPD without every baseline', () => {
    expect(luganoResponse({ lesions: [lesion('L9', 9, 9)], newLesion: false }, {})).toEqual({ response: 'SD', reason: 'stable disease: no measurement' });
    expect(spdChangeFromBaseline([lesion('L1', 1, 1), lesion('L9', 1, 1)], priors)).toBeUndefined();
    expect(spdChangeFromBaseline([lesion('L1', 1, 1)], { L1: { baseline: { ldiCm: 0, sdiCm: 0 } } })).toBeUndefined();
    expect(spdChangeFromBaseline(undefined, priors)).toBeUndefined();
  });

  it('finds the nadir as the smallest PPD, the first of equals', () => {
    expect(nadirOf([])).toBeUndefined();
    expect(
      nadirOf([
        { ldiCm: 4, sdiCm: 3 },
        { ldiCm: 2, sdiCm: 2 },
        { ldiCm: 4, sdiCm: 1 },
        { ldiCm: 3, sdiCm: 3 },
      ]),
    ).toEqual({ ldiCm: 2, sdiCm: 2 });
  });
});

describe('ORR and DCR', () => {
  const responses: LuganoResponse[] = ['CR', 'PR', 'SD', 'PD'];

  it('counts CR and PR as objective responses', () => {
    expect(responses.filter(objectiveResponse)).toEqual(['CR', 'PR']);
  });

  it('counts CR, PR and SD as disease control', () => {
    expect(responses.filter(diseaseControl)).toEqual(['CR', 'PR', 'SD']);
  });
});

describe('Lugano input schema', () => {
  it('accepts a PET-CT or a CT assessment', () => {
    expect(luganoInputSchema.safeParse({ deauville: 4, uptakeReducedFromBaseline: true, newLesion: false }).success).toBe(true);
    expect(luganoInputSchema.safeParse({ spdChangeFromBaselinePct: -55, spdChangeFromNadirPct: 0, newLesion: false }).success).toBe(true);
    expect(luganoInputSchema.safeParse({ newLesion: true }).success).toBe(true);
    expect(luganoInputSchema.safeParse({ lesions: [{ id: 'L1', ldiCm: 2, sdiCm: 1.5 }], newLesion: false }).success).toBe(true);
  });

  it('refuses lesions with SPD changes, a lesion twice, or a shortest diameter above the longest', () => {
    const l1 = { id: 'L1', ldiCm: 2, sdiCm: 1.5 };
    const messages = (input: object) => luganoInputSchema.safeParse({ newLesion: false, ...input }).error?.issues.map((i) => i.message);
    expect(messages({ lesions: [l1], spdChangeFromBaselinePct: -60 })).toEqual(['give the target lesions or the SPD changes, not both: the SPD is computed from the lesions']);
    expect(messages({ lesions: [l1], spdChangeFromNadirPct: 10 })).toHaveLength(1);
    expect(messages({ lesions: [l1, { ...l1 }] })).toEqual(['each lesion is measured once per assessment: lesion ids must be unique']);
    expect(messages({ lesions: [{ ...l1, sdiCm: 2.1 }] })).toEqual(['the shortest diameter (sdiCm) cannot exceed the longest (ldiCm)']);
    expect(messages({ lesions: [] })).toHaveLength(1);
    expect(messages({ lesions: Array.from({ length: 7 }, (_, i) => ({ ...l1, id: `L${i}` })) })).toEqual([
      'the SPD is summed over up to 6 target lesions (Lugano 2014): give at most 6',
    ]);
    expect(messages({ lesions: Array.from({ length: 6 }, (_, i) => ({ ...l1, id: `L${i}` })) })).toBeUndefined();
  });

  it('accepts an assessment with one SPD change alone, from baseline or from nadir', () => {
    expect(luganoInputSchema.safeParse({ spdChangeFromBaselinePct: -60, newLesion: false }).success).toBe(true);
    expect(luganoInputSchema.safeParse({ spdChangeFromNadirPct: 10, newLesion: false }).success).toBe(true);
  });

  it('refuses an assessment with nothing measured', () => {
    const empty = luganoInputSchema.safeParse({ newLesion: false });
    expect(empty.error?.issues[0]?.message).toBe('give a Deauville score, the target lesions or an SPD change (or report a new lesion) to assess the response');
  });

  it.each([
    { deauville: 0 },
    { deauville: 6 },
    { deauville: 3.5 },
    { spdChangeFromBaselinePct: -101 },
    { deauville: 4, uptakeReducedFromBaseline: true, uptakeIncreasedFromBaseline: true },
    { deauville: 2, suvMax: 3 },
  ])('refuses %p', (change) => {
    expect(luganoInputSchema.safeParse({ newLesion: false, ...change }).success).toBe(false);
  });
});
