import { labResultDataSchema } from '../events';
import { LAB_TESTS, labCodeForLoinc, labResultProblems, labTest, standingResults } from './lab-results';

const result = (code: string, value: number, unit: string) => ({ code, value, unit });

describe('lab results within their physical bounds', () => {
  it('lists a unit and bounds for every code of the vocabulary', () => {
    expect(Object.keys(LAB_TESTS).sort()).toEqual(
      [
        'ALC',
        'ALT',
        'ANC',
        'AST',
        'BILI',
        'CAR_COPIES',
        'CAR_T_PERCENT',
        'CREAT',
        'CRP',
        'FERRITIN',
        'FIBRINOGEN',
        'HGB',
        'IFNG',
        'IL10',
        'IL6',
        'LDH',
        'MRD',
        'PLT',
        'TNFA',
        'WBC',
      ].sort(),
    );
    for (const test of Object.values(LAB_TESTS)) {
      expect(test.units.length).toBeGreaterThan(0);
      expect(test.min).toBeLessThan(test.max);
      expect(test.bounds.length).toBeGreaterThan(10);
      // SDTM's limits: LBTESTCD at most 8 characters, not starting with a digit; LBTEST at most 40.
      expect(test.sdtm.testCode).toMatch(/^[A-Z][A-Z0-9_]{0,7}$/);
      expect(test.sdtm.test.length).toBeLessThanOrEqual(40);
    }
    // One code per LOINC code, so a LOINC-coded result maps to one test.
    const loinc = Object.values(LAB_TESTS).flatMap((t) => (t.loinc ? [t.loinc.code] : []));
    expect(new Set(loinc).size).toBe(loinc.length);
    expect(labCodeForLoinc('751-8')).toBe('ANC');
    expect(labCodeForLoinc('0000-0')).toBeUndefined();
  });

  it.each([
    ['CAR_COPIES', 0, 'copies/µg gDNA', true],
    ['CAR_COPIES', 1e7, 'copies/ug gDNA', true],
    ['CAR_COPIES', 12_500, 'copies/μg gDNA', true],
    ['CAR_COPIES', -1, 'copies/µg gDNA', false],
    ['CAR_COPIES', 1.0001e7, 'copies/µg gDNA', false],
    ['CAR_T_PERCENT', 0, '%', true],
    ['CAR_T_PERCENT', 100, '%', true],
    ['CAR_T_PERCENT', 100.1, '%', false],
    ['CAR_T_PERCENT', -0.1, '%', false],
    ['MRD', 0.01, '%', true],
    ['MRD', 101, '%', false],
    ['IL6', 0, 'pg/mL', true],
    ['IL6', 1e6, 'pg/ml', true],
    ['IL6', 1.1e6, 'pg/mL', false],
    ['IL10', -3, 'pg/mL', false],
    ['IFNG', 5000, 'pg/mL', true],
    ['TNFA', -0.5, 'pg/mL', false],
  ])('%s %p %s is plausible: %p', (code, value, unit, ok) => {
    expect(labResultProblems(result(code, value, unit)).length === 0).toBe(ok);
  });

  it('names the field and the bound', () => {
    expect(labResultProblems(result('CAR_COPIES', -1, 'copies/µg gDNA'))).toEqual([
      { field: 'value', message: expect.stringMatching(/^CAR_COPIES is at least 0 copies\/µg gDNA \(a count is not negative/) },
    ]);
    expect(labResultProblems(result('CAR_T_PERCENT', 140, '%'))).toEqual([{ field: 'value', message: 'CAR_T_PERCENT is at most 100 % (a share of the cells counted)' }]);
  });

  it('refuses a unit the code is not reported in, naming the accepted ones', () => {
    expect(labResultProblems(result('CAR_COPIES', 5, 'pg/mL'))).toEqual([
      { field: 'unit', message: 'CAR_COPIES is reported in "copies/µg gDNA" or "copies/μg gDNA" or "copies/ug gDNA", not "pg/mL"' },
    ]);
    expect(labResultProblems(result('IL6', 5, 'ng/mL'))[0].field).toBe('unit');
  });

  it('keeps an unlisted code as sent, and a prototype name is not a listed code', () => {
    expect(labResultProblems(result('D_DIMER', -5, 'whatever'))).toEqual([]);
    expect(labTest('constructor')).toBeUndefined();
    expect(labTest('toString')).toBeUndefined();
  });

  it('is part of the event schema: 400 with the field named', () => {
    const parsed = labResultDataSchema.safeParse({ code: 'CAR_COPIES', value: -1, unit: 'copies/µg gDNA', collectedAt: '2026-03-02' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['value']);
    expect(labResultDataSchema.safeParse({ code: 'CAR_COPIES', value: 5, unit: 'copies/µg gDNA', collectedAt: '1899-01-01' }).success).toBe(false);
  });
});

describe('standing results: a later result of the same sample corrects the earlier', () => {
  const r = (code: string, collectedAt: string, value: number, compartment?: string) => ({ code, collectedAt, value, ...(compartment ? { compartment } : {}) });

  it('keeps the last recorded of one test from one sample, in the order given', () => {
    const results = [r('ANC', '2027-01-10T08:00:00Z', 0.4), r('PLT', '2027-01-10T08:00:00Z', 20), r('ANC', '2027-01-10T09:00:00+01:00', 0.6)];
    // 09:00+01:00 is the same instant as 08:00Z: the second ANC corrects the first.
    expect(standingResults(results)).toEqual([results[1], results[2]]);
  });

  it('keeps results of other instants, other compartments and other tests', () => {
    const results = [r('CAR_COPIES', '2027-01-10', 100), r('CAR_COPIES', '2027-01-10', 200, 'BM'), r('CAR_COPIES', '2027-01-11', 300), r('IL6', '2027-01-10', 5)];
    expect(standingResults(results)).toEqual(results);
    // Peripheral blood named or not is one compartment.
    expect(standingResults([r('CAR_COPIES', '2027-01-10', 100), r('CAR_COPIES', '2027-01-10', 150, 'PB')]).map((x) => x.value)).toEqual([150]);
  });
});
