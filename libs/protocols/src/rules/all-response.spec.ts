import { allResponse, allResponseInputsSchema, objectiveAllResponse } from './all-response';

const remission = { marrowBlastsPct: 2, circulatingBlasts: false, extramedullary: false, anc: 1.5, platelets: 150 };

describe('ALL response', () => {
  it('is CR with blasts below 5 % and counts recovered', () => {
    expect(allResponse(remission)).toEqual({ response: 'CR' });
  });

  it('is CRi without count recovery, on either count', () => {
    expect(allResponse({ ...remission, anc: 0.99 }).response).toBe('CRi');
    expect(allResponse({ ...remission, platelets: 99 }).response).toBe('CRi');
    expect(allResponse({ ...remission, anc: 1.0, platelets: 100 }).response).toBe('CR');
  });

  it('is NR at 5 % marrow blasts, with circulating blasts or extramedullary disease', () => {
    expect(allResponse({ ...remission, marrowBlastsPct: 4.99 }).response).toBe('CR');
    expect(allResponse({ ...remission, marrowBlastsPct: 5 }).response).toBe('NR');
    expect(allResponse({ ...remission, circulatingBlasts: true }).response).toBe('NR');
    expect(allResponse({ ...remission, extramedullary: true }).response).toBe('NR');
  });

  it('is MRD negative only below 10⁻⁴ and only in remission', () => {
    expect(allResponse({ ...remission, mrdPct: 0.0099 }).mrdNegative).toBe(true);
    expect(allResponse({ ...remission, mrdPct: 0.01 }).mrdNegative).toBe(false);
    expect(allResponse({ ...remission, marrowBlastsPct: 30, mrdPct: 0 }).mrdNegative).toBe(false);
  });
});

describe('ALL objective response', () => {
  it('counts CR and CRi, not NR', () => {
    expect(objectiveAllResponse('CR')).toBe(true);
    expect(objectiveAllResponse('CRi')).toBe(true);
    expect(objectiveAllResponse('NR')).toBe(false);
  });
});

describe('ALL response findings schema', () => {
  it('accepts a marrow assessment with or without MRD', () => {
    expect(allResponseInputsSchema.parse(remission)).toEqual(remission);
    expect(allResponseInputsSchema.safeParse({ ...remission, mrdPct: 0.005 }).success).toBe(true);
  });

  it.each([{ marrowBlastsPct: 101 }, { anc: -1 }, { platelets: undefined }, { mrdPct: -0.1 }, { flowBlasts: 3 }])('refuses %p', (change) => {
    expect(allResponseInputsSchema.safeParse({ ...remission, ...change }).success).toBe(false);
  });
});
