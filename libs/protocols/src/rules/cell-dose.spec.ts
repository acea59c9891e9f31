import { checkCellDose, formatCellsPerKg } from './cell-dose';
import type { DoseLevel } from './cell-dose';

const level1: DoseLevel = { level: 1, label: '5–10 ×10⁶/kg', minCellsPerKg: 5e6, maxCellsPerKg: 10e6 };

describe('cell dose', () => {
  it.each([5e6, 7.5e6, 10e6])('accepts %p cells/kg, both ends of the range included', (cellsPerKg) => {
    expect(checkCellDose(cellsPerKg, 60, level1)).toEqual({
      totalCells: cellsPerKg * 60,
      withinRange: true,
      reasons: [],
    });
  });

  it('refuses a dose just below the range, saying so', () => {
    expect(checkCellDose(4.99e6, 60, level1)).toEqual({
      totalCells: 299_400_000,
      withinRange: false,
      reasons: ['cell dose 4.99 ×10⁶/kg is below the assigned dose level 1 range of 5–10 ×10⁶/kg'],
    });
    expect(checkCellDose(4e6, 60, level1).reasons).toEqual(['cell dose 4.0 ×10⁶/kg is below the assigned dose level 1 range of 5–10 ×10⁶/kg']);
  });

  it('refuses a dose just above the range, saying so', () => {
    expect(checkCellDose(10.01e6, 60, level1)).toMatchObject({
      withinRange: false,
      reasons: ['cell dose 10.01 ×10⁶/kg is above the assigned dose level 1 range of 5–10 ×10⁶/kg'],
    });
  });

  it('counts whole cells', () => {
    expect(checkCellDose(5e6, 62.35, level1).totalCells).toBe(311_750_000);
    expect(checkCellDose(5_000_001, 0.5, level1).totalCells).toBe(2_500_001); // 2 500 000.5 rounds up
  });

  it('refuses impossible inputs', () => {
    expect(() => checkCellDose(-1, 60, level1)).toThrow(RangeError);
    expect(() => checkCellDose(5e6, 0, level1)).toThrow(RangeError);
    expect(() => checkCellDose(Number.NaN, 60, level1)).toThrow(RangeError);
    expect(() => checkCellDose(5e6, 60, { ...level1, minCellsPerKg: 11e6 })).toThrow(/empty range/);
    expect(() => checkCellDose(-1, 60, level1)).toThrow(new RangeError('cell dose must be a non-negative number of cells per kg, got -1'));
    expect(() => checkCellDose(5e6, 0, level1)).toThrow(new RangeError('weight must be a positive number of kg, got 0'));
    expect(() => checkCellDose(5e6, 60, { ...level1, minCellsPerKg: -1 })).toThrow(new RangeError('dose level 1 has an empty range -1–10000000 cells/kg'));
  });

  it('takes a dose of 0 as below the range, not as impossible', () => {
    expect(checkCellDose(0, 60, level1)).toEqual({
      totalCells: 0,
      withinRange: false,
      reasons: ['cell dose 0.0 ×10⁶/kg is below the assigned dose level 1 range of 5–10 ×10⁶/kg'],
    });
  });

  it('takes a level of one exact dose, or one starting at 0', () => {
    expect(checkCellDose(5e6, 60, { ...level1, maxCellsPerKg: 5e6 }).withinRange).toBe(true);
    expect(checkCellDose(0, 60, { ...level1, minCellsPerKg: 0 }).withinRange).toBe(true);
  });
});

describe('cell dose formatting', () => {
  it.each([
    [5e6, '5.0 ×10⁶/kg'],
    [10e6, '10.0 ×10⁶/kg'],
    [2.5e6, '2.5 ×10⁶/kg'],
    [4.99e6, '4.99 ×10⁶/kg'],
    [1.23456e6, '1.235 ×10⁶/kg'],
    [5e5, '0.5 ×10⁶/kg'],
  ])('writes %p as %p', (cellsPerKg, written) => {
    expect(formatCellsPerKg(cellsPerKg)).toBe(written);
  });
});
