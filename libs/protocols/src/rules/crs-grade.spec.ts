import fc from 'fast-check';
import { crsInputSchema, gradeCrs, oxygenSupports, type CrsInput } from './crs-grade';

const feverOnly: CrsInput = { temperatureC: 38.5, hypotension: false, vasopressors: 0, oxygen: 'none' };
const grade = (change: Partial<CrsInput>) => gradeCrs({ ...feverOnly, ...change }).grade;

describe('ASTCT CRS grade', () => {
  it('grade 1: fever alone', () => {
    expect(gradeCrs(feverOnly)).toEqual({
      grade: 1,
      hypotensionGrade: 0,
      hypoxiaGrade: 0,
      reason: 'fever 38.5 °C without hypotension or hypoxia',
    });
  });

  it('grade 2: hypotension without vasopressors, a low-flow nasal cannula or blow-by', () => {
    expect(gradeCrs({ ...feverOnly, hypotension: true })).toMatchObject({ grade: 2, hypotensionGrade: 2, hypoxiaGrade: 0 });
    expect(gradeCrs({ ...feverOnly, oxygen: 'nasal-cannula', oxygenLitresPerMinute: 2 })).toMatchObject({
      grade: 2,
      hypoxiaGrade: 2,
      reason: 'fever 38.5 °C with hypoxia needing a low-flow nasal cannula at 2 L/min',
    });
    expect(grade({ oxygen: 'blow-by' })).toBe(2);
  });

  it('grade 2 for blow-by oxygen whatever its flow (only a nasal cannula is graded by flow)', () => {
    expect(gradeCrs({ ...feverOnly, oxygen: 'blow-by', oxygenLitresPerMinute: 10 })).toMatchObject({
      grade: 2,
      hypoxiaGrade: 2,
      reason: 'fever 38.5 °C with hypoxia needing blow-by oxygen',
    });
  });

  it('takes a nasal cannula with no flow recorded as low-flow, and says so without a flow', () => {
    expect(gradeCrs({ ...feverOnly, oxygen: 'nasal-cannula' })).toMatchObject({
      grade: 2,
      reason: 'fever 38.5 °C with hypoxia needing a low-flow nasal cannula',
    });
  });

  it('names vasopressin beside the vasopressors, or alone', () => {
    expect(gradeCrs({ ...feverOnly, hypotension: true, vasopressors: 1, vasopressin: true }).reason).toBe('fever 38.5 °C with hypotension needing one vasopressor and vasopressin');
    expect(gradeCrs({ ...feverOnly, hypotension: true, vasopressin: true }).reason).toBe('fever 38.5 °C with hypotension needing vasopressin');
    expect(gradeCrs({ ...feverOnly, hypotension: true, vasopressors: 3, vasopressin: true }).reason).toBe('fever 38.5 °C with hypotension needing 3 vasopressors and vasopressin');
  });

  it('grade 3: one vasopressor with or without vasopressin, high-flow cannula, facemask, non-rebreather or Venturi', () => {
    expect(gradeCrs({ ...feverOnly, hypotension: true, vasopressors: 1 })).toMatchObject({ grade: 3, hypotensionGrade: 3 });
    expect(grade({ hypotension: true, vasopressors: 1, vasopressin: true })).toBe(3);
    expect(grade({ hypotension: true, vasopressin: true })).toBe(3);
    expect(grade({ oxygen: 'high-flow-nasal-cannula' })).toBe(3);
    expect(grade({ oxygen: 'facemask' })).toBe(3);
    expect(grade({ oxygen: 'non-rebreather' })).toBe(3);
    expect(grade({ oxygen: 'venturi' })).toBe(3);
  });

  it('grade 4: several vasopressors (vasopressin excluded) or positive pressure', () => {
    expect(gradeCrs({ ...feverOnly, hypotension: true, vasopressors: 2 })).toMatchObject({
      grade: 4,
      reason: 'fever 38.5 °C with hypotension needing 2 vasopressors',
    });
    expect(grade({ hypotension: true, vasopressors: 2, vasopressin: true })).toBe(4);
    expect(grade({ oxygen: 'cpap' })).toBe(4);
    expect(grade({ oxygen: 'bipap' })).toBe(4);
    expect(gradeCrs({ ...feverOnly, oxygen: 'intubation' }).reason).toBe('fever 38.5 °C with hypoxia needing positive pressure (intubation)');
  });

  it('grade 5: death from CRS', () => {
    expect(gradeCrs({ ...feverOnly, hypotension: true, vasopressors: 3, diedOfCrs: true })).toMatchObject({
      grade: 5,
      hypotensionGrade: 4,
      reason: 'death from CRS',
    });
  });

  it('is the worse of hypotension and hypoxia, naming the finding that sets it', () => {
    const both = gradeCrs({ ...feverOnly, hypotension: true, oxygen: 'non-rebreather' });
    expect(both).toEqual({
      grade: 3,
      hypotensionGrade: 2,
      hypoxiaGrade: 3,
      reason: 'fever 38.5 °C with hypoxia needing a non-rebreather mask',
    });
    expect(gradeCrs({ ...feverOnly, hypotension: true, vasopressors: 1, oxygen: 'venturi' }).reason).toBe(
      'fever 38.5 °C with hypotension needing one vasopressor and hypoxia needing a Venturi mask',
    );
  });

  it('needs fever from 38.0 °C', () => {
    expect(grade({ temperatureC: 38.0 })).toBe(1);
    expect(gradeCrs({ ...feverOnly, temperatureC: 37.9 })).toEqual({
      grade: 0,
      hypotensionGrade: 0,
      hypoxiaGrade: 0,
      reason: 'no fever (37.9 °C is below 38.0 °C) and no antipyretics, tocilizumab or steroids: not CRS by ASTCT criteria',
    });
  });

  it('is not CRS without fever, however low the blood pressure or oxygen, but keeps the domain grades', () => {
    expect(gradeCrs({ ...feverOnly, temperatureC: 37, hypotension: true, vasopressors: 2, oxygen: 'bipap' })).toMatchObject({
      grade: 0,
      hypotensionGrade: 4,
      hypoxiaGrade: 4,
      reason: expect.stringMatching(/not CRS by ASTCT criteria/),
    });
  });

  it('after tocilizumab or steroids, grades by hypotension and hypoxia without fever', () => {
    const treated = { ...feverOnly, temperatureC: 36.8, afterTocilizumabOrSteroids: true };
    expect(gradeCrs({ ...treated, hypotension: true, vasopressors: 1 })).toMatchObject({
      grade: 3,
      reason: 'after tocilizumab or steroids with hypotension needing one vasopressor',
    });
    expect(gradeCrs(treated)).toMatchObject({ grade: 0, reason: 'after tocilizumab or steroids, without hypotension or hypoxia' });
    expect(gradeCrs({ ...treated, temperatureC: 38.2 }).grade).toBe(1);
  });

  it('after antipyretics, grades by hypotension and hypoxia without fever (ASTCT: antipyretics mask fever too)', () => {
    const masked = { ...feverOnly, temperatureC: 37.2, afterAntipyretics: true };
    expect(gradeCrs({ ...masked, hypotension: true })).toEqual({
      grade: 2,
      hypotensionGrade: 2,
      hypoxiaGrade: 0,
      reason: 'after antipyretics with hypotension not needing vasopressors',
    });
    expect(gradeCrs({ ...masked, oxygen: 'cpap' })).toMatchObject({ grade: 4, reason: 'after antipyretics with hypoxia needing positive pressure (CPAP)' });
    expect(gradeCrs(masked)).toMatchObject({ grade: 0, reason: 'after antipyretics, without hypotension or hypoxia' });
    expect(gradeCrs({ ...masked, afterAntipyretics: false, hypotension: true }).grade).toBe(0);
    expect(gradeCrs({ ...masked, afterTocilizumabOrSteroids: true, hypotension: true }).reason).toBe(
      'after antipyretics and tocilizumab or steroids with hypotension not needing vasopressors',
    );
    expect(gradeCrs({ ...masked, temperatureC: 38, hypotension: true }).reason).toBe('fever 38 °C with hypotension not needing vasopressors');
  });

  it('counts a nasal cannula above 6 L/min as high-flow', () => {
    expect(grade({ oxygen: 'nasal-cannula', oxygenLitresPerMinute: 6 })).toBe(2);
    expect(grade({ oxygen: 'nasal-cannula', oxygenLitresPerMinute: 6.1 })).toBe(3);
    expect(gradeCrs({ ...feverOnly, oxygen: 'nasal-cannula', oxygenLitresPerMinute: 6.1 }).reason).toBe(
      'fever 38.5 °C with hypoxia needing a high-flow nasal cannula at 6.1 L/min',
    );
  });

  it('never lowers the grade with more vasopressors, more oxygen support, hypotension, fever or treatment', () => {
    const ladder: Array<Pick<CrsInput, 'oxygen' | 'oxygenLitresPerMinute'>> = [
      { oxygen: 'none' },
      { oxygen: 'blow-by' },
      { oxygen: 'nasal-cannula', oxygenLitresPerMinute: 1 },
      { oxygen: 'nasal-cannula', oxygenLitresPerMinute: 6 },
      { oxygen: 'nasal-cannula', oxygenLitresPerMinute: 6.1 },
      { oxygen: 'high-flow-nasal-cannula', oxygenLitresPerMinute: 40 },
      { oxygen: 'facemask' },
      { oxygen: 'non-rebreather' },
      { oxygen: 'venturi' },
      { oxygen: 'cpap' },
      { oxygen: 'bipap' },
      { oxygen: 'intubation' },
    ];
    const crsInput = fc.record(
      {
        temperatureC: fc.double({ min: 30, max: 45, noNaN: true }),
        hypotension: fc.boolean(),
        vasopressors: fc.integer({ min: 0, max: 4 }),
        vasopressin: fc.boolean(),
        oxygen: fc.constantFrom(...oxygenSupports),
        oxygenLitresPerMinute: fc.double({ min: 0, max: 60, noNaN: true }),
        afterTocilizumabOrSteroids: fc.boolean(),
        afterAntipyretics: fc.boolean(),
        diedOfCrs: fc.boolean(),
      },
      { requiredKeys: ['temperatureC', 'hypotension', 'vasopressors', 'oxygen'] },
    );
    const step = fc.integer({ min: 0, max: ladder.length - 1 });
    const moreVasopressors = fc.integer({ min: 1, max: 3 });
    const increase = fc.double({ min: 0, max: 10, noNaN: true });
    fc.assert(
      fc.property(crsInput, moreVasopressors, step, step, increase, (crs, more, a, b, extra) => {
        const g = (change: Partial<CrsInput>) => gradeCrs({ ...crs, ...change }).grade;
        expect(g({ hypotension: false })).toBeLessThanOrEqual(g({ hypotension: true }));
        expect(g({})).toBeLessThanOrEqual(g({ vasopressors: crs.vasopressors + more }));
        expect(g({ vasopressin: false })).toBeLessThanOrEqual(g({ vasopressin: true }));
        expect(g({ afterTocilizumabOrSteroids: false })).toBeLessThanOrEqual(g({ afterTocilizumabOrSteroids: true }));
        expect(g({ afterAntipyretics: false })).toBeLessThanOrEqual(g({ afterAntipyretics: true }));
        expect(g({})).toBeLessThanOrEqual(g({ temperatureC: crs.temperatureC + extra }));
        expect(g({ diedOfCrs: false })).toBeLessThanOrEqual(g({ diedOfCrs: true }));
        const [less, most] = a <= b ? [a, b] : [b, a];
        expect(g({ ...ladder[less] })).toBeLessThanOrEqual(g({ ...ladder[most] }));
        const litres = crs.oxygenLitresPerMinute ?? 0;
        expect(g({ oxygen: 'nasal-cannula', oxygenLitresPerMinute: litres })).toBeLessThanOrEqual(g({ oxygen: 'nasal-cannula', oxygenLitresPerMinute: litres + extra }));
      }),
    );
  });
});

describe('CRS input schema', () => {
  it('accepts a complete bedside record', () => {
    const record = { ...feverOnly, hypotension: true, vasopressors: 1, vasopressin: true, oxygen: 'facemask' };
    expect(crsInputSchema.parse(record)).toEqual(record);
  });

  it('refuses vasopressors without hypotension and a nasal cannula without its flow', () => {
    const pressorsOnly = crsInputSchema.safeParse({ ...feverOnly, vasopressors: 1 });
    expect(pressorsOnly.success).toBe(false);
    expect(pressorsOnly.error?.issues[0]).toMatchObject({ path: ['hypotension'], message: expect.stringMatching(/vasopressors/) });
    const cannula = crsInputSchema.safeParse({ ...feverOnly, oxygen: 'nasal-cannula' });
    expect(cannula.error?.issues[0]).toMatchObject({ path: ['oxygenLitresPerMinute'] });
    const vasopressinOnly = crsInputSchema.safeParse({ ...feverOnly, vasopressin: true });
    expect(vasopressinOnly.error?.issues[0]).toMatchObject({ path: ['hypotension'] });
  });

  it('accepts a nasal cannula with its flow, and vasopressors or vasopressin with hypotension', () => {
    const cannula = { ...feverOnly, oxygen: 'nasal-cannula', oxygenLitresPerMinute: 4 };
    expect(crsInputSchema.parse(cannula)).toEqual(cannula);
    expect(crsInputSchema.safeParse({ ...feverOnly, hypotension: true, vasopressin: true }).success).toBe(true);
    expect(crsInputSchema.safeParse({ ...feverOnly, hypotension: true, vasopressors: 2 }).success).toBe(true);
  });

  it.each([{ temperatureC: 29.9 }, { temperatureC: 45.1 }, { vasopressors: 1.5, hypotension: true }, { vasopressors: -1 }, { oxygen: 'ecmo' }, { heartRate: 120 }])(
    'refuses %p',
    (change) => {
      expect(crsInputSchema.safeParse({ ...feverOnly, ...change }).success).toBe(false);
    },
  );
});
