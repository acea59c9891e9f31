import { gradeLabResult, isGradedLab, labToxicityTerm, referenceLimits } from './ctcae-labs';

// CTCAE v5.0 (NCI, 27 Nov 2017), each boundary from both sides. `range` is the lab's reference
// range, so the grade-1 edge is tested at a known LLN / ULN.
const grade = (code: string, value: number, extra: { range?: { low?: number; high?: number }; baseline?: number; sex?: 'male' | 'female' } = {}) =>
  gradeLabResult({ code, value, referenceRange: extra.range, baseline: extra.baseline, sex: extra.sex })?.grade;

describe('CTCAE v5.0 counts decreased (×10⁹/L)', () => {
  it.each([
    // Neutrophil count decreased: <LLN–1500; <1500–1000; <1000–500; <500 /mm³
    ['ANC', 2.0, 0],
    ['ANC', 1.99, 1],
    ['ANC', 1.5, 1],
    ['ANC', 1.49, 2],
    ['ANC', 1.0, 2],
    ['ANC', 0.99, 3],
    ['ANC', 0.5, 3],
    ['ANC', 0.49, 4],
    ['ANC', 0, 4],
    // Platelet count decreased: <LLN–75,000; <75,000–50,000; <50,000–25,000; <25,000 /mm³
    ['PLT', 150, 0],
    ['PLT', 149, 1],
    ['PLT', 75, 1],
    ['PLT', 74.9, 2],
    ['PLT', 50, 2],
    ['PLT', 49.9, 3],
    ['PLT', 25, 3],
    ['PLT', 24.9, 4],
    // Lymphocyte count decreased: <LLN–800; <800–500; <500–200; <200 /mm³
    ['ALC', 1.0, 0],
    ['ALC', 0.99, 1],
    ['ALC', 0.8, 1],
    ['ALC', 0.79, 2],
    ['ALC', 0.5, 2],
    ['ALC', 0.49, 3],
    ['ALC', 0.2, 3],
    ['ALC', 0.19, 4],
    // White blood cell decreased: <LLN–3000; <3000–2000; <2000–1000; <1000 /mm³
    ['WBC', 4.0, 0],
    ['WBC', 3.99, 1],
    ['WBC', 3.0, 1],
    ['WBC', 2.99, 2],
    ['WBC', 2.0, 2],
    ['WBC', 1.99, 3],
    ['WBC', 1.0, 3],
    ['WBC', 0.99, 4],
  ])('%s %p is grade %p', (code, value, expected) => {
    const lln = { ANC: 2.0, PLT: 150, ALC: 1.0, WBC: 4.0 }[code];
    expect(grade(code, value, { range: { low: lln } })).toBe(expected);
  });

  it('uses the default LLN when the lab sends no range (ANC 1.8)', () => {
    expect(grade('ANC', 1.8)).toBe(0);
    expect(grade('ANC', 1.79)).toBe(1);
  });
});

describe('CTCAE v5.0 Anemia (g/dL)', () => {
  it.each([
    [12.0, 0],
    [11.9, 1],
    [10.0, 1],
    [9.9, 2],
    [8.0, 2],
    [7.9, 3],
    [3.0, 3],
  ])('Hgb %p is grade %p (LLN 12.0)', (value, expected) => {
    expect(grade('HGB', value, { range: { low: 12 } })).toBe(expected);
  });

  it('never gives grade 4 from a number: it is defined by life-threatening consequences', () => {
    expect(grade('HGB', 0.5, { range: { low: 12 } })).toBe(3);
  });

  it('takes the default LLN by sex: 13.5 g/dL for a man, 12.0 for a woman', () => {
    expect(grade('HGB', 13, { sex: 'male' })).toBe(1);
    expect(grade('HGB', 13, { sex: 'female' })).toBe(0);
  });
});

describe('CTCAE v5.0 ALT and AST increased (U/L)', () => {
  it.each(['ALT', 'AST'])('%s with a normal baseline grades against the ULN: >ULN–3; >3–5; >5–20; >20 × ULN', (code) => {
    const at = (value: number) => grade(code, value, { range: { high: 40 }, baseline: 30 });
    expect([at(40), at(40.1), at(120), at(120.1), at(200), at(200.1), at(800), at(800.1)]).toEqual([0, 1, 1, 2, 2, 3, 3, 4]);
  });

  it.each(['ALT', 'AST'])('%s with an abnormal baseline grades against it: 1.5–3; >3–5; >5–20; >20 × baseline', (code) => {
    const at = (value: number) => grade(code, value, { range: { high: 40 }, baseline: 100 });
    expect([at(149.9), at(150), at(300), at(300.1), at(500), at(500.1), at(2000), at(2000.1)]).toEqual([0, 1, 1, 2, 2, 3, 3, 4]);
  });

  it('grades against the ULN when there is no baseline', () => {
    expect(grade('ALT', 41, { range: { high: 40 } })).toBe(1);
    expect(gradeLabResult({ code: 'ALT', value: 41, referenceRange: { high: 40 } })?.reason).toContain('no baseline on record');
  });

  it('a baseline exactly at the ULN is normal', () => {
    expect(grade('ALT', 41, { range: { high: 40 }, baseline: 40 })).toBe(1);
  });
});

describe('CTCAE v5.0 Blood bilirubin increased (mg/dL)', () => {
  it('with a normal baseline: >ULN–1.5; >1.5–3; >3–10; >10 × ULN', () => {
    const at = (value: number) => grade('BILI', value, { range: { high: 1 }, baseline: 0.5 });
    expect([at(1), at(1.01), at(1.5), at(1.51), at(3), at(3.01), at(10), at(10.01)]).toEqual([0, 1, 1, 2, 2, 3, 3, 4]);
  });

  it('with an abnormal baseline: >1.0–1.5; >1.5–3; >3–10; >10 × baseline', () => {
    const at = (value: number) => grade('BILI', value, { range: { high: 1 }, baseline: 2 });
    expect([at(2), at(2.01), at(3), at(3.01), at(6), at(6.01), at(20), at(20.01)]).toEqual([0, 1, 1, 2, 2, 3, 3, 4]);
  });
});

describe('CTCAE v5.0 Creatinine increased (mg/dL)', () => {
  it('against the ULN: >ULN–1.5; >1.5–3; >3–6; >6 × ULN', () => {
    const at = (value: number) => grade('CREAT', value, { range: { high: 1 } });
    expect([at(1), at(1.01), at(1.5), at(1.51), at(3), at(3.01), at(6), at(6.01)]).toEqual([0, 1, 1, 2, 2, 3, 3, 4]);
  });

  it('against the baseline: >1.5–3.0 × baseline is grade 2, >3.0 × baseline grade 3, whichever is worse', () => {
    const at = (value: number) => grade('CREAT', value, { range: { high: 1.2 }, baseline: 0.4 });
    // 0.6 = 1.5 × baseline, below the ULN: grade 0; just above: grade 2 by baseline; 1.2 = 3.0 × baseline: still grade 2.
    expect([at(0.6), at(0.61), at(1.2), at(1.21), at(1.8), at(1.81)]).toEqual([0, 2, 2, 3, 3, 3]);
    // Grade 4 is by the ULN only: > 6.0 × ULN.
    expect(at(7.2)).toBe(3);
    expect(at(7.21)).toBe(4);
  });
});

describe('CTCAE v5.0 Fibrinogen decreased (mg/dL)', () => {
  it('with a normal baseline: <1.0–0.75; <0.75–0.5; <0.5–0.25; <0.25 × LLN', () => {
    const at = (value: number) => grade('FIBRINOGEN', value, { range: { low: 400 }, baseline: 450 });
    expect([at(400), at(399), at(300), at(299), at(200), at(199), at(100), at(99)]).toEqual([0, 1, 1, 2, 2, 3, 3, 4]);
  });

  it('below 50 mg/dL is grade 4 whatever the LLN or the baseline', () => {
    // 50 is < 0.5 × 150 but not < 0.25 × 150: grade 3; 49 is grade 4 by the absolute value.
    expect(grade('FIBRINOGEN', 50, { range: { low: 150 } })).toBe(3);
    expect(grade('FIBRINOGEN', 49, { range: { low: 150 } })).toBe(4);
    expect(grade('FIBRINOGEN', 49, { range: { low: 200 }, baseline: 60 })).toBe(4);
  });

  it('with an abnormal baseline, by the decrease from it: <25 %; 25–<50 %; 50–<75 %; ≥75 %', () => {
    const at = (value: number) => grade('FIBRINOGEN', value, { range: { low: 200 }, baseline: 160 });
    // 160 mg/dL baseline: 120 is a 25 % decrease, 80 a 50 %, 40 a 75 % (and < 50).
    expect([at(160), at(159), at(121), at(120), at(81), at(80), at(56), at(52)]).toEqual([0, 1, 1, 2, 2, 3, 3, 3]);
    // Baseline 300 below an LLN of 400: 75 is a 75 % decrease (grade 4), 76 is not.
    expect(grade('FIBRINOGEN', 75, { range: { low: 400 }, baseline: 300 })).toBe(4);
    expect(grade('FIBRINOGEN', 76, { range: { low: 400 }, baseline: 300 })).toBe(3);
    expect(grade('FIBRINOGEN', 200, { range: { low: 200 }, baseline: 1000 / 6 })).toBe(0);
  });
});

describe('what the rule grades', () => {
  it('grades the listed codes only and names their terms', () => {
    expect(isGradedLab('ANC')).toBe(true);
    expect(isGradedLab('IL6')).toBe(false);
    expect(isGradedLab('constructor')).toBe(false);
    expect(gradeLabResult({ code: 'CAR_COPIES', value: 1 })).toBeUndefined();
    expect(labToxicityTerm('PLT')).toBe('Platelet count decreased');
    expect(labToxicityTerm('HGB')).toBe('Anemia');
  });

  it("prefers the lab's range to the default", () => {
    expect(referenceLimits('CREAT', { high: 0.7 })).toEqual({ lln: 0, uln: 0.7 });
    expect(referenceLimits('CREAT', undefined)).toEqual({ lln: 0, uln: 1.2 });
    expect(referenceLimits('ANC', { high: 8 }).lln).toBe(1.8);
  });

  it('explains the grade with the criterion met', () => {
    expect(gradeLabResult({ code: 'ANC', value: 0.3 })?.reason).toBe('Neutrophil count decreased, CTCAE v5.0 grade 4: 0.3 is < 0.5 ×10⁹/L');
  });
});
