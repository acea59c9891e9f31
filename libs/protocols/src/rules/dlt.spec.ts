import { EXPECTED_AFTER_CAR_T } from '../common/expected-events';
import { assessDlt, type DltRule } from './dlt';
import { PROLONGED_CYTOPENIA_BY_DAY_28 } from '../common/toxicity';

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
    expect(assessDlt(rule, report, infusedAt)).toEqual({
      dlt: true,
      provisional: false,
      reason: 'grade 3 Hepatic failure related to the product within the 28-day DLT window',
    });
  });

  it('does not count grade 2, unrelated, excepted terms or onsets outside the window', () => {
    expect(assessDlt(rule, { ...report, grade: 2 }, infusedAt).dlt).toBe(false);
    expect(assessDlt(rule, { ...report, related: false }, infusedAt).dlt).toBe(false);
    expect(assessDlt(rule, { ...report, term: 'Infusion related reaction' }, infusedAt).dlt).toBe(false);
    expect(assessDlt(rule, { ...report, onset: '2026-01-01T09:00:00.000Z' }, infusedAt).dlt).toBe(false);
    expect(assessDlt(rule, { ...report, onset: '2026-01-29T10:00:00.000Z' }, infusedAt).dlt).toBe(true);
    expect(assessDlt(rule, { ...report, onset: '2026-01-29T10:00:01.000Z' }, infusedAt).dlt).toBe(false);
  });

  it('says in one sentence why a toxicity does not count', () => {
    const reason = (r: typeof report) => assessDlt(rule, r, infusedAt).reason;
    expect(reason({ ...report, grade: 2 })).toBe('grade 2 is below grade 3');
    expect(reason({ ...report, related: false })).toBe('not attributed to the product');
    expect(reason({ ...report, term: ' Infusion related reaction ' })).toBe('Infusion related reaction is excepted by the protocol');
    expect(reason({ ...report, onset: '2026-01-01T09:00:00.000Z' })).toBe('onset is before the infusion');
    expect(reason({ ...report, onset: '2026-01-29T10:00:01.000Z' })).toBe('onset is after the 28-day DLT window');
  });

  it('counts unrelated toxicity when the rule does not ask for attribution', () => {
    expect(assessDlt({ ...rule, requiresRelated: false }, { ...report, related: false }, infusedAt).dlt).toBe(true);
  });

  it('has no window before infusion', () => {
    expect(assessDlt(rule, report, undefined)).toEqual({
      dlt: false,
      provisional: false,
      reason: expect.stringMatching(/not been infused/),
    });
  });
});

describe('DLT rule with expected events', () => {
  const crsAllowance: DltRule = {
    ...rule,
    expectedEvents: [
      {
        term: 'Cytokine release syndrome',
        maxGrade: 3,
        resolvesWithinDays: 7,
        description: 'grade 3 CRS that resolves to grade ≤2 within 7 days',
      },
      { term: 'Fever', description: 'fever is expected after CAR-T infusion' },
    ],
  };
  const crs = { term: 'cytokine release syndrome ', grade: 3, onset: '2026-01-10T14:00:00.000Z', related: true };

  it('does not count an expected event without a resolution allowance, at any grade', () => {
    expect(assessDlt(crsAllowance, { ...report, term: 'Fever', grade: 4 }, infusedAt)).toEqual({
      dlt: false,
      provisional: false,
      reason: 'Fever is expected by the protocol: fever is expected after CAR-T infusion',
    });
  });

  it("matches the protocol's expected term however the protocol or the site spells its case and spaces", () => {
    const shouted: DltRule = { ...rule, expectedEvents: [{ term: ' FEVER ', description: 'fever is expected' }] };
    expect(assessDlt(shouted, { ...report, term: 'fever', grade: 4 }, infusedAt).dlt).toBe(false);
    expect(assessDlt(shouted, { ...report, term: 'Fever ', grade: 4 }, infusedAt).dlt).toBe(false);
  });

  it('counts an expected event above its highest expected grade, resolved or not', () => {
    expect(assessDlt(crsAllowance, { ...crs, grade: 4, resolvedAt: '2026-01-11' }, infusedAt)).toEqual({
      dlt: true,
      provisional: false,
      reason: 'grade 4 cytokine release syndrome related to the product within the 28-day DLT window, above the grade 3 the protocol expects',
    });
  });

  it('counts an unresolved expected event provisionally, naming the date it must resolve by', () => {
    expect(assessDlt(crsAllowance, crs, infusedAt)).toEqual({
      dlt: true,
      provisional: true,
      reason: expect.stringMatching(/not yet resolved: it counts unless it resolves by 2026-01-17 \(7 days after onset\)$/),
    });
  });

  it('does not count it when it resolved on day 7 of its allowance, and counts it from day 8', () => {
    expect(assessDlt(crsAllowance, { ...crs, resolvedAt: '2026-01-17T23:59:00.000Z' }, infusedAt)).toEqual({
      dlt: false,
      provisional: false,
      reason: 'cytokine release syndrome resolved 7 days after onset, within the 7 days the protocol allows',
    });
    expect(assessDlt(crsAllowance, { ...crs, resolvedAt: '2026-01-17' }, infusedAt).dlt).toBe(false);
    expect(assessDlt(crsAllowance, { ...crs, resolvedAt: '2026-01-18T00:30:00.000Z' }, infusedAt)).toEqual({
      dlt: true,
      provisional: false,
      reason: expect.stringMatching(/, resolved 8 days after onset, beyond the 7 days the protocol allows$/),
    });
    expect(assessDlt(crsAllowance, { ...crs, resolvedAt: '2026-01-18' }, infusedAt).dlt).toBe(true);
  });

  it('applies the window, grade, attribution and excepted terms before the allowance', () => {
    expect(assessDlt(crsAllowance, { ...crs, grade: 2 }, infusedAt)).toMatchObject({ dlt: false, provisional: false });
    expect(assessDlt(crsAllowance, { ...crs, related: false }, infusedAt)).toMatchObject({ dlt: false, provisional: false });
    expect(assessDlt(crsAllowance, { ...crs, onset: '2026-02-10' }, infusedAt)).toMatchObject({ dlt: false, provisional: false });
    const alsoExcluded = { ...crsAllowance, excludedTerms: ['cytokine release syndrome'] };
    expect(assessDlt(alsoExcluded, crs, infusedAt)).toMatchObject({ dlt: false, provisional: false });
  });

  it('counts other terms as before', () => {
    expect(assessDlt(crsAllowance, report, infusedAt)).toMatchObject({ dlt: true, provisional: false });
  });

  it('reads full resolution for an allowance that does not say otherwise, whatever the grade ≤ 1 date', () => {
    expect(assessDlt(crsAllowance, { ...crs, improvedToGrade1At: '2026-01-12' }, infusedAt)).toMatchObject({ dlt: true, provisional: true });
  });
});

describe('the CRS exception "resolves to grade ≤ 1 within 7 days"', () => {
  const toGrade1: DltRule = { ...rule, expectedEvents: [EXPECTED_AFTER_CAR_T.crs] };
  const crs = { term: 'Cytokine release syndrome', grade: 3, onset: '2026-01-10T14:00:00.000Z', related: true };

  it('is worded so, and counts improvement to grade ≤ 1, not full resolution', () => {
    expect(EXPECTED_AFTER_CAR_T.crs).toMatchObject({ maxGrade: 3, resolvesWithinDays: 7, resolution: 'grade-1-or-less' });
    expect(EXPECTED_AFTER_CAR_T.crs.description).toBe('CRS of grade ≤3 that resolves to grade ≤1 within 7 days');
  });

  it('does not count a CRS at grade ≤ 1 on day 7 that resolved only later', () => {
    const improved = { ...crs, improvedToGrade1At: '2026-01-17T20:00:00.000Z', resolvedAt: '2026-01-25' };
    expect(assessDlt(toGrade1, improved, infusedAt)).toEqual({
      dlt: false,
      provisional: false,
      reason: 'Cytokine release syndrome improved to grade ≤ 1 7 days after onset, within the 7 days the protocol allows',
    });
    expect(assessDlt(toGrade1, { ...crs, improvedToGrade1At: '2026-01-17' }, infusedAt).dlt).toBe(false);
  });

  it('counts a CRS still above grade 1 on day 8, even when it resolved on the same day', () => {
    expect(assessDlt(toGrade1, { ...crs, improvedToGrade1At: '2026-01-18', resolvedAt: '2026-01-18' }, infusedAt)).toEqual({
      dlt: true,
      provisional: false,
      reason:
        'grade 3 Cytokine release syndrome related to the product within the 28-day DLT window, improved to grade ≤ 1 8 days after onset, beyond the 7 days the protocol allows',
    });
  });

  it('takes full resolution as the date when only that is given (a report from before the field existed)', () => {
    expect(assessDlt(toGrade1, { ...crs, resolvedAt: '2026-01-17' }, infusedAt)).toMatchObject({ dlt: false, provisional: false });
    expect(assessDlt(toGrade1, { ...crs, resolvedAt: '2026-01-18' }, infusedAt)).toMatchObject({ dlt: true, provisional: false });
  });

  it('counts it provisionally until it is at grade ≤ 1, naming the date', () => {
    expect(assessDlt(toGrade1, crs, infusedAt)).toEqual({
      dlt: true,
      provisional: true,
      reason:
        'grade 3 Cytokine release syndrome related to the product within the 28-day DLT window, not yet at grade ≤ 1: it counts unless it resolves to grade ≤ 1 by 2026-01-17 (7 days after onset)',
    });
  });

  it('counts grade 4 CRS whenever it improved', () => {
    expect(assessDlt(toGrade1, { ...crs, grade: 4, improvedToGrade1At: '2026-01-11' }, infusedAt)).toMatchObject({ dlt: true, provisional: false });
  });
});

describe('the prolonged-cytopenia clause (grade ≥ 3 not recovered by day 28)', () => {
  const withClause: DltRule = { ...rule, excludedTerms: ['neutrophil count decreased', 'platelet count decreased', 'anemia'], prolongedCytopenia: PROLONGED_CYTOPENIA_BY_DAY_28 };
  const cytopenia = (persistsOnStudyDay: number | undefined, grade = 4, term = 'Neutrophil count decreased', related = true) =>
    assessDlt(withClause, { term, grade, onset: '2026-01-29T09:00:00.000Z', related, ...(persistsOnStudyDay !== undefined ? { persistsOnStudyDay } : {}) }, infusedAt);

  it('counts a count still grade ≥ 3 from day 28 to day 31, whatever the DLT window says of the onset', () => {
    expect(cytopenia(28).dlt).toBe(true);
    expect(cytopenia(31).dlt).toBe(true);
    expect(cytopenia(28, 3, 'Platelet count decreased').reason).toBe(
      'grade 3 Platelet count decreased still present on day 28, not recovered by day 28: grade ≥ 3 neutrophil or platelet count decreased not recovered by day 28 is dose-limiting (assumed)',
    );
  });

  it('does not count on day 27 or day 32, at grade 2, unattributed, for another term, or without a lab result', () => {
    expect(cytopenia(27).dlt).toBe(false);
    expect(cytopenia(32).dlt).toBe(false);
    expect(cytopenia(28, 2).dlt).toBe(false);
    expect(cytopenia(28, 4, 'Neutrophil count decreased', false).dlt).toBe(false);
    expect(cytopenia(28, 4, 'Anemia').dlt).toBe(false);
    expect(cytopenia(undefined).dlt).toBe(false);
  });

  it('leaves a rule without the clause as it was', () => {
    expect(
      assessDlt(
        { ...withClause, prolongedCytopenia: undefined },
        { term: 'Neutrophil count decreased', grade: 4, onset: '2026-01-29T09:00:00.000Z', related: true, persistsOnStudyDay: 28 },
        infusedAt,
      ).dlt,
    ).toBe(false);
  });
});
