import { LAB_TESTS } from '#protocols';
import { toCanonicalUnit } from './unit-conversion';

describe('toCanonicalUnit', () => {
  it('keeps a spelling the catalogue lists, in its canonical spelling', () => {
    expect(toCanonicalUnit('ANC', LAB_TESTS.ANC, 1.5, 'G/L')).toEqual({ value: 1.5, unit: '10^9/L' });
    expect(toCanonicalUnit('ALT', LAB_TESTS.ALT, 40, 'IU/L')).toEqual({ value: 40, unit: 'U/L' });
  });

  it('converts cells per microlitre to 10^9/L (× 0.001) and thousands per microlitre unchanged', () => {
    expect(toCanonicalUnit('ANC', LAB_TESTS.ANC, 4.2, '10*3/uL')).toEqual({ value: 4.2, unit: '10^9/L' });
    expect(toCanonicalUnit('ANC', LAB_TESTS.ANC, 500, '/uL')).toEqual({ value: 0.5, unit: '10^9/L' });
  });

  it('converts g/L of haemoglobin to g/dL', () => {
    expect(toCanonicalUnit('HGB', LAB_TESTS.HGB, 120, 'g/L')).toEqual({ value: 12, unit: 'g/dL' });
  });

  it('converts µmol/L of creatinine and bilirubin to mg/dL through their molar masses (88.4 and 17.1 µmol/L per mg/dL)', () => {
    const creatinine = toCanonicalUnit('CREAT', LAB_TESTS.CREAT, 88.4, 'umol/L');
    const bilirubin = toCanonicalUnit('BILI', LAB_TESTS.BILI, 17.1, 'umol/L');
    expect('value' in creatinine && creatinine.value).toBeCloseTo(1.0, 3);
    expect('value' in bilirubin && bilirubin.value).toBeCloseTo(1.0, 3);
    expect('value' in creatinine && creatinine.unit).toBe('mg/dL');
  });

  it('refuses mass to moles without a molar mass, another quantity, a unit that is not UCUM, and no unit', () => {
    expect(toCanonicalUnit('FIBRINOGEN', LAB_TESTS.FIBRINOGEN, 9, 'umol/L')).toEqual({ problem: expect.stringContaining('cannot be converted') });
    expect(toCanonicalUnit('ANC', LAB_TESTS.ANC, 4, 'g/dL')).toEqual({ problem: expect.stringContaining('cannot be converted') });
    expect(toCanonicalUnit('ANC', LAB_TESTS.ANC, 4, 'cells-per-thing')).toEqual({ problem: expect.stringContaining('not a UCUM unit') });
    expect(toCanonicalUnit('ANC', LAB_TESTS.ANC, 4, '')).toEqual({ problem: expect.stringContaining('without a unit') });
  });
});
