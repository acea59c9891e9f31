import { allRelapseInputSchema, classifyAllRelapse, relapseKindSchema, type AllRelapseInput } from './relapse';

const inRemission: AllRelapseInput = {
  marrowBlastsPct: 1,
  circulatingBlasts: false,
  extramedullary: false,
  mrdPct: 0,
  previousBestResponse: 'CR',
  previousMrdNegative: true,
};

describe('ALL relapse after CR/CRi', () => {
  it('is no relapse while the remission holds', () => {
    expect(classifyAllRelapse(inRemission)).toEqual({ relapse: false, reason: 'still in CR' });
  });

  it('is morphologic from 5 % marrow blasts', () => {
    expect(classifyAllRelapse({ ...inRemission, marrowBlastsPct: 4.9 }).relapse).toBe(false);
    expect(classifyAllRelapse({ ...inRemission, marrowBlastsPct: 5 })).toEqual({
      relapse: true,
      kind: 'morphologic',
      reason: '5 % marrow blasts after an MRD-negative CR',
    });
  });

  it('is morphologic on circulating blasts, also after CRi', () => {
    expect(classifyAllRelapse({ ...inRemission, circulatingBlasts: true, previousBestResponse: 'CRi', previousMrdNegative: false })).toEqual({
      relapse: true,
      kind: 'morphologic',
      reason: 'circulating blasts after CRi',
    });
  });

  it('is extramedullary on disease outside blood and marrow', () => {
    expect(classifyAllRelapse({ ...inRemission, extramedullary: true })).toMatchObject({ relapse: true, kind: 'extramedullary' });
  });

  it('is an MRD relapse from 0.01 % after an MRD-negative remission', () => {
    expect(classifyAllRelapse({ ...inRemission, mrdPct: 0.0099 }).relapse).toBe(false);
    expect(classifyAllRelapse({ ...inRemission, mrdPct: 0.01 })).toEqual({
      relapse: true,
      kind: 'mrd',
      reason: 'MRD 0.01 % after an MRD-negative CR',
    });
  });

  it('is no MRD relapse when the remission was MRD-positive or its MRD is unknown', () => {
    expect(classifyAllRelapse({ ...inRemission, mrdPct: 0.5, previousMrdNegative: false })).toEqual({
      relapse: false,
      reason: 'still in CR: MRD 0.5 % persists from an MRD-positive remission',
    });
    expect(classifyAllRelapse({ ...inRemission, mrdPct: 0.5, previousMrdNegative: undefined })).toEqual({
      relapse: false,
      reason: 'still in CR: MRD 0.5 %, but the remission is not recorded as MRD-negative',
    });
  });

  it('names every finding and takes the kind in the order morphologic, extramedullary, MRD', () => {
    expect(classifyAllRelapse({ ...inRemission, marrowBlastsPct: 40, extramedullary: true, mrdPct: 30 })).toEqual({
      relapse: true,
      kind: 'morphologic',
      reason: '40 % marrow blasts and extramedullary disease and MRD 30 % after an MRD-negative CR',
    });
    expect(classifyAllRelapse({ ...inRemission, extramedullary: true, mrdPct: 0.2 }).kind).toBe('extramedullary');
  });

  it('is no relapse without a prior remission: that is refractory disease', () => {
    expect(classifyAllRelapse({ ...inRemission, marrowBlastsPct: 60, previousBestResponse: 'NR' })).toEqual({
      relapse: false,
      reason: '60 % marrow blasts without a prior CR or CRi: refractory disease, not relapse',
    });
    expect(classifyAllRelapse({ ...inRemission, previousBestResponse: 'NR' })).toEqual({
      relapse: false,
      reason: 'no prior CR or CRi to relapse from',
    });
  });
});

describe('relapse schemas', () => {
  it('lists the recorded relapse kinds', () => {
    expect(relapseKindSchema.options).toEqual(['morphologic', 'mrd', 'extramedullary', 'progression']);
  });

  it('accepts an assessment and refuses an unknown best response or field', () => {
    expect(allRelapseInputSchema.parse(inRemission)).toEqual(inRemission);
    expect(allRelapseInputSchema.safeParse({ ...inRemission, previousBestResponse: 'PR' }).success).toBe(false);
    expect(allRelapseInputSchema.safeParse({ ...inRemission, cd19Negative: true }).success).toBe(false);
    expect(allRelapseInputSchema.safeParse({ ...inRemission, marrowBlastsPct: 120 }).success).toBe(false);
  });
});

describe('the reason there is no relapse', () => {
  const remission: AllRelapseInput = { marrowBlastsPct: 1, circulatingBlasts: false, extramedullary: false, previousBestResponse: 'CR', previousMrdNegative: false };

  it('is the remission alone without an MRD result, or below 0.01 %', () => {
    expect(classifyAllRelapse(remission)).toEqual({ relapse: false, reason: 'still in CR' });
    expect(classifyAllRelapse({ ...remission, mrdPct: 0.0099 })).toEqual({ relapse: false, reason: 'still in CR' });
  });

  it('names MRD from 0.01 % that persists from an MRD-positive remission, or one not recorded as MRD-negative', () => {
    expect(classifyAllRelapse({ ...remission, mrdPct: 0.01 })).toEqual({
      relapse: false,
      reason: 'still in CR: MRD 0.01 % persists from an MRD-positive remission',
    });
    const { previousMrdNegative: _unrecorded, ...notRecorded } = remission;
    expect(classifyAllRelapse({ ...notRecorded, mrdPct: 0.5 })).toEqual({
      relapse: false,
      reason: 'still in CR: MRD 0.5 %, but the remission is not recorded as MRD-negative',
    });
  });
});
