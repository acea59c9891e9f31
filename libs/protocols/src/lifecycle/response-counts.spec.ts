import { responseAssessedDataSchema } from '../events';
import { cd19RrAllV1 } from '../cd19-rr-all/protocol';
import { assessedResponse } from './record';

/** A marrow in morphologic remission: the counts decide CR against CRi (NCCN ALL; rules/all-response.ts). */
const remission = { visit: 'D28', marrowBlastsPct: 1, circulatingBlasts: false, extramedullary: false };
const parse = (data: Record<string, unknown>) => responseAssessedDataSchema.safeParse({ ...remission, ...data });
const responseOf = (data: Record<string, unknown>) => {
  const parsed = parse(data);
  if (!parsed.success) throw new Error(parsed.error.message);
  return assessedResponse(cd19RrAllV1, { type: 'RESPONSE_ASSESSED', occurredAt: '2026-03-29T08:00:00.000Z', data: parsed.data }).response;
};
const problems = (data: Record<string, unknown>) => {
  const parsed = parse(data);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('blood counts on a response assessment: the unit said, never guessed', () => {
  it('refuses counts without their unit, naming both units', () => {
    expect(problems({ anc: 800, platelets: 150 })).toEqual([expect.stringMatching(/^countsUnit: the unit of anc and platelets is required, never guessed: '10\^9\/L'.*'\/uL'/)]);
    expect(problems({ anc: 0.8 })).toHaveLength(1);
    // No counts, no unit needed.
    expect(problems({ response: 'CR' })).toEqual([]);
  });

  it('reads 800 and 150,000 per µL as 0.8 and 150 ×10⁹/L: CRi, not the CR a unitless 800 gave', () => {
    expect(responseOf({ anc: 800, platelets: 150_000, countsUnit: '/uL' })).toBe('CRi');
    expect(responseOf({ anc: 0.8, platelets: 150, countsUnit: '10^9/L' })).toBe('CRi');
  });

  it('recovers counts at the boundaries in either unit: ANC ≥ 1.0 and platelets ≥ 100 ×10⁹/L', () => {
    expect(responseOf({ anc: 1000, platelets: 100_000, countsUnit: '/uL' })).toBe('CR');
    expect(responseOf({ anc: 999, platelets: 100_000, countsUnit: '/uL' })).toBe('CRi');
    expect(responseOf({ anc: 1000, platelets: 99_999, countsUnit: '/uL' })).toBe('CRi');
    expect(responseOf({ anc: 1.0, platelets: 100, countsUnit: '10^9/L' })).toBe('CR');
  });

  it('refuses a count beyond any plausible value in its unit: the unit was misread', () => {
    expect(problems({ anc: 800, platelets: 150, countsUnit: '10^9/L' })).toEqual([
      expect.stringMatching(/^anc: anc 800 10\^9\/L is beyond any plausible count \(at most 100 10\^9\/L\)/),
    ]);
    expect(problems({ anc: 100, platelets: 5000, countsUnit: '10^9/L' })).toEqual([]);
    expect(problems({ anc: 100_001, platelets: 5_000_001, countsUnit: '/uL' })).toHaveLength(2);
    expect(problems({ anc: -1, countsUnit: '/uL' })).toHaveLength(1);
  });
});
