import {
  diseaseControl,
  luganoInputSchema,
  luganoResponse,
  objectiveResponse,
  type LuganoInput,
  type LuganoResponse,
} from './lugano-response';

const response = (input: Omit<LuganoInput, 'newLesion'> & { newLesion?: boolean }) =>
  luganoResponse({ newLesion: false, ...input }).response;

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
    expect(response({ deauville: 4, spdChangeFromBaselinePct: -70 })).toBe('PR');
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

  it('lets progression win over a metabolic CR', () => {
    expect(response({ deauville: 2, spdChangeFromNadirPct: 60 })).toBe('PD');
  });

  it('is SD when none of these holds, naming what was measured', () => {
    expect(luganoResponse({ deauville: 5, spdChangeFromBaselinePct: -20, spdChangeFromNadirPct: 10, newLesion: false })).toEqual({
      response: 'SD',
      reason: 'stable disease: Deauville 5 without reduced uptake, SPD −20 % from baseline, SPD +10 % from nadir',
    });
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
    expect(luganoInputSchema.safeParse({ spdChangeFromBaselinePct: -55, spdChangeFromNadirPct: 0, newLesion: false }).success).toBe(
      true,
    );
    expect(luganoInputSchema.safeParse({ newLesion: true }).success).toBe(true);
  });

  it('refuses an assessment with nothing measured', () => {
    const empty = luganoInputSchema.safeParse({ newLesion: false });
    expect(empty.error?.issues[0]?.message).toMatch(/Deauville score or an SPD change/);
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
