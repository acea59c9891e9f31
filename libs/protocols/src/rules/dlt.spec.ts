import { assessDlt, type DltRule } from './dlt';

const rule: DltRule = {
  windowDays: 28,
  minGrade: 3,
  requiresRelated: true,
  excludedTerms: ['infusion related reaction'],
  description: 'test rule',
};
const infusedAt = '2026-01-01T10:00:00.000Z';
const report = { term: 'Hepatic failure', grade: 3, onset: '2026-01-10T00:00:00.000Z', related: true };

describe('DLT rule', () => {
  it('counts a related grade 3 toxicity inside the window', () => {
    expect(assessDlt(rule, report, infusedAt).dlt).toBe(true);
  });

  it('does not count grade 2, unrelated, excepted terms or onsets outside the window', () => {
    expect(assessDlt(rule, { ...report, grade: 2 }, infusedAt).dlt).toBe(false);
    expect(assessDlt(rule, { ...report, related: false }, infusedAt).dlt).toBe(false);
    expect(assessDlt(rule, { ...report, term: 'Infusion related reaction' }, infusedAt).dlt).toBe(false);
    expect(assessDlt(rule, { ...report, onset: '2026-01-01T09:00:00.000Z' }, infusedAt).dlt).toBe(false);
    expect(assessDlt(rule, { ...report, onset: '2026-01-29T10:00:00.000Z' }, infusedAt).dlt).toBe(true);
    expect(assessDlt(rule, { ...report, onset: '2026-01-29T10:00:01.000Z' }, infusedAt).dlt).toBe(false);
  });

  it('has no window before infusion', () => {
    expect(assessDlt(rule, report, undefined)).toEqual({ dlt: false, reason: expect.stringMatching(/not been infused/) });
  });
});
