import { CTCAE_GRADES, adverseEventGrade, adverseEventRefusals, adverseEventReportSchema, describeCtcaeGrade, type AdverseEventReport } from './ctcae';
import type { CrsInput } from './crs-grade';
import type { IcansInput } from './icans-grade';

const hepatitis: AdverseEventReport = {
  term: 'Hepatic failure',
  grade: 3,
  onset: '2026-01-10',
  related: true,
  serious: true,
};
const fever: CrsInput = { temperatureC: 39.1, hypotension: true, vasopressors: 1, oxygen: 'none' };
const crsReport: AdverseEventReport = { ...hepatitis, term: 'Cytokine release syndrome', grade: undefined, crs: fever };
const confusion: IcansInput = { ice: 5, consciousness: 'awake', seizure: 'none', motor: 'none', edema: 'none' };
const icansReport: AdverseEventReport = { ...hepatitis, term: 'ICANS', grade: undefined, icans: confusion };

describe('CTCAE v5.0 grades', () => {
  it('describes grades 1 to 5 in the v5.0 general words', () => {
    expect(Object.keys(CTCAE_GRADES)).toEqual(['1', '2', '3', '4', '5']);
    expect(describeCtcaeGrade(1)).toMatch(/^Mild/);
    expect(describeCtcaeGrade(2)).toMatch(/^Moderate/);
    expect(describeCtcaeGrade(3)).toMatch(/^Severe or medically significant but not immediately life-threatening; hospitalization/);
    expect(describeCtcaeGrade(4)).toBe('Life-threatening consequences; urgent intervention indicated');
    expect(describeCtcaeGrade(5)).toBe('Death related to AE');
  });

  it.each([0, 6, 2.5, Number.NaN])('refuses grade %p', (grade) => {
    expect(() => describeCtcaeGrade(grade)).toThrow(new RangeError(`a CTCAE grade is a whole number from 1 to 5, got ${grade}`));
  });
});

describe('adverse event grade', () => {
  it('takes a CTCAE grade as reported', () => {
    expect(adverseEventGrade(hepatitis)).toEqual({
      grade: 3,
      scale: 'CTCAE v5.0',
      reason: expect.stringMatching(/^Hepatic failure, CTCAE v5.0 grade 3: Severe/),
    });
  });

  it('grades CRS findings by ASTCT', () => {
    expect(adverseEventGrade(crsReport)).toEqual({
      grade: 3,
      scale: 'ASTCT CRS',
      reason: 'fever 39.1 °C with hypotension needing one vasopressor',
    });
  });

  it("grades ICANS findings by ASTCT with the patient's age", () => {
    expect(adverseEventGrade(icansReport, 40)).toEqual({ grade: 2, scale: 'ASTCT ICANS', reason: 'grade 2 by ICE 5' });
  });

  it('throws for a report it would refuse for its form', () => {
    expect(() => adverseEventGrade(icansReport)).toThrow(RangeError);
    expect(() => adverseEventGrade({ ...hepatitis, crs: fever })).toThrow(RangeError);
  });
});

describe('adverse event refusals', () => {
  it('accepts a graded CTCAE, CRS or ICANS report', () => {
    expect(adverseEventRefusals(hepatitis, undefined)).toEqual([]);
    expect(adverseEventRefusals(crsReport, undefined)).toEqual([]);
    expect(adverseEventRefusals(icansReport, 40)).toEqual([]);
  });

  it('refuses a grade that is not a whole number from 1 to 5, even for a term whose range it falls in', () => {
    // the schema refuses these at the door; the rule must not rely on that
    for (const grade of [2.5, 0, 6, Number.NaN]) {
      expect(adverseEventRefusals({ ...hepatitis, term: 'Nausea', grade }, undefined)).toEqual([`a CTCAE grade is a whole number from 1 to 5, got ${grade}`]);
      expect(() => adverseEventGrade({ ...hepatitis, term: 'Nausea', grade })).toThrow(new RangeError(`a CTCAE grade is a whole number from 1 to 5, got ${grade}`));
    }
  });

  it('refuses CRS findings without fever: not CRS by ASTCT criteria', () => {
    expect(adverseEventRefusals({ ...crsReport, crs: { ...fever, temperatureC: 37.5 } }, 40)).toEqual([
      'Cytokine release syndrome: no fever (37.5 °C is below 38.0 °C) and no antipyretics, tocilizumab or steroids: not CRS by ASTCT criteria; CRS findings that grade 0 by ASTCT criteria cannot be recorded as CRS, report them under their own CTCAE terms',
    ]);
  });

  it('refuses ICANS findings that grade 0', () => {
    expect(adverseEventRefusals({ ...icansReport, icans: { ...confusion, ice: 10 } }, 40)).toEqual([
      expect.stringMatching(/^ICANS: ICE 10, awake, .*: no ICANS; ICANS findings that grade 0 .* cannot be recorded as ICANS/),
    ]);
  });

  it('refuses ICANS without an age, or by ICE in a child aged 12 or under', () => {
    expect(adverseEventRefusals(icansReport, undefined)).toEqual([expect.stringMatching(/age is not known/)]);
    expect(adverseEventRefusals(icansReport, 12)).toEqual([expect.stringMatching(/CAPD/)]);
    expect(adverseEventRefusals({ ...icansReport, icans: { ...confusion, ice: undefined, capd: 10 } }, 12)).toEqual([]);
  });

  it('grades ICANS with CAPD from birth (age 0), and refuses an age below 0 or not a number', () => {
    const capd = { ...icansReport, icans: { ...confusion, ice: undefined, capd: 12 } };
    expect(adverseEventRefusals(capd, 0)).toEqual([]);
    expect(adverseEventGrade(capd, 0)).toMatchObject({ scale: 'ASTCT ICANS' });
    expect(adverseEventRefusals(capd, -0.1)).toEqual([expect.stringMatching(/age is not known/)]);
    expect(adverseEventRefusals(capd, Number.NaN)).toEqual([expect.stringMatching(/age is not known/)]);
    expect(adverseEventRefusals(icansReport, 12.01)).toEqual([]);
  });

  it('refuses an ICANS report with both an ICE and a CAPD score', () => {
    expect(adverseEventRefusals({ ...icansReport, icans: { ...confusion, capd: 10 } }, 40)).toEqual(['give the ICE score or the CAPD score, not both']);
  });

  it('refuses a report with no grading or more than one', () => {
    const none = { ...hepatitis, grade: undefined };
    expect(adverseEventRefusals(none, 40)).toEqual([expect.stringMatching(/exactly one/)]);
    expect(adverseEventRefusals({ ...crsReport, grade: 3 }, 40)).toEqual([expect.stringMatching(/exactly one/)]);
  });
});

describe('adverse event report schema', () => {
  it('accepts a report graded one way, with dates or date-times', () => {
    expect(adverseEventReportSchema.parse(hepatitis)).toEqual(hepatitis);
    expect(adverseEventReportSchema.safeParse(crsReport).success).toBe(true);
    expect(adverseEventReportSchema.safeParse({ ...icansReport, onset: '2026-01-10T08:30:00Z' }).success).toBe(true);
    expect(adverseEventReportSchema.safeParse({ ...hepatitis, resolvedAt: '2026-01-14T10:00:00+01:00' }).success).toBe(true);
  });

  it('refuses no grading or two at once, with one clear message', () => {
    const twice = adverseEventReportSchema.safeParse({ ...hepatitis, crs: fever });
    expect(twice.error?.issues).toEqual([
      expect.objectContaining({
        path: ['grade'],
        message: 'give exactly one of: a CTCAE grade, the CRS findings (crs) or the ICANS findings (icans)',
      }),
    ]);
    expect(adverseEventReportSchema.safeParse({ ...hepatitis, grade: undefined }).success).toBe(false);
  });

  it('checks the nested CRS and ICANS findings', () => {
    expect(adverseEventReportSchema.safeParse({ ...crsReport, crs: { ...fever, hypotension: false } }).success).toBe(false);
    expect(adverseEventReportSchema.safeParse({ ...icansReport, icans: { ...confusion, ice: 12 } }).success).toBe(false);
  });

  it('compares date-times to the instant: an hour before onset is refused, the onset itself is not', () => {
    const onset = '2026-01-10T15:00:00Z';
    expect(adverseEventReportSchema.safeParse({ ...hepatitis, onset, resolvedAt: '2026-01-10T14:00:00Z' }).success).toBe(false);
    expect(adverseEventReportSchema.safeParse({ ...hepatitis, onset, resolvedAt: '2026-01-09T23:00:00Z' }).success).toBe(false);
    expect(adverseEventReportSchema.safeParse({ ...hepatitis, onset, resolvedAt: onset }).success).toBe(true);
    expect(adverseEventReportSchema.safeParse({ ...hepatitis, onset: '2026-01-10', resolvedAt: '2026-01-09T23:59:59Z' }).success).toBe(false);
  });

  it('refuses a resolution before onset, counting a bare date as the whole day', () => {
    const sameDay = { ...hepatitis, onset: '2026-01-10T15:00:00Z', resolvedAt: '2026-01-10' };
    expect(adverseEventReportSchema.safeParse(sameDay).success).toBe(true);
    const before = adverseEventReportSchema.safeParse({ ...hepatitis, resolvedAt: '2026-01-09' });
    expect(before.error?.issues[0]).toMatchObject({ path: ['resolvedAt'], message: 'the event cannot resolve before its onset' });
  });

  it('takes the date the event improved to grade ≤ 1: from its onset, and not after it resolved', () => {
    const improved = { ...hepatitis, onset: '2026-01-10T15:00:00Z', improvedToGrade1At: '2026-01-10' };
    expect(adverseEventReportSchema.safeParse(improved).success).toBe(true);
    expect(adverseEventReportSchema.safeParse({ ...improved, improvedToGrade1At: '2026-01-14', resolvedAt: '2026-01-14' }).success).toBe(true);
    expect(adverseEventReportSchema.safeParse({ ...improved, improvedToGrade1At: '2026-01-14T10:00:00Z', resolvedAt: '2026-01-14' }).success).toBe(true);
    const early = adverseEventReportSchema.safeParse({ ...improved, improvedToGrade1At: '2026-01-09' });
    expect(early.error?.issues).toEqual([expect.objectContaining({ path: ['improvedToGrade1At'], message: 'the event cannot improve to grade ≤ 1 before its onset' })]);
    const resolvedFirst = adverseEventReportSchema.safeParse({ ...improved, improvedToGrade1At: '2026-01-15', resolvedAt: '2026-01-14' });
    expect(resolvedFirst.error?.issues).toEqual([expect.objectContaining({ path: ['resolvedAt'], message: 'the event cannot resolve before it improved to grade ≤ 1' })]);
  });

  it.each([{ grade: 0 }, { grade: 6 }, { grade: 2.5 }, { term: ' ' }, { onset: '10/01/2026' }, { onset: '2026-01-10T08:30:00' }, { serious: undefined }, { outcome: 'recovered' }])(
    'refuses %p',
    (change) => {
      expect(adverseEventReportSchema.safeParse({ ...hepatitis, ...change }).success).toBe(false);
    },
  );
});
