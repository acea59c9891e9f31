import { checkCellDose } from '../rules/cell-dose';
import { findProtocol } from '../registry';
import { protocolDefinition } from './protocol';

/**
 * Each trial's cell dose range as its seed gives it (or, where the seed gives none, as the protocol
 * assumes it and says so), and every dose level checked against it: inside, at and just outside
 * each bound.
 */
const TRIALS = [
  // Seeds 000 and 001: "Day 0: 1-5x10e6/kg total dose on day 0".
  { protocolId: 'NCT03754764', min: 1e6, max: 5e6, seed: /^Seeds 000 and 001: "Day 0: 1-5x10e6\/kg total dose on day 0"/ },
  // Seed 002: "a target dose of 5~10×10E6/kg of recipient weight".
  { protocolId: 'cd19-rr-all', min: 5e6, max: 10e6, seed: /^Seed 002: "a target dose of 5~10×10E6\/kg/ },
  // Seed 003 gives no dose: an assumption, named as one.
  { protocolId: 'NCT04546906', min: 0.5e6, max: 3e6, seed: /^Assumed: seed 003 gives no dose/ },
  // Seed 004 gives no dose: an assumption, named as one.
  { protocolId: 'cd20-cd22', min: 1e6, max: 5e6, seed: /^Assumed: seed 004 gives no dose/ },
];

/** Just outside a bound: 0.01 ×10⁶/kg beyond it. */
const STEP = 0.01e6;

describe.each(TRIALS)('cell doses of $protocolId', ({ protocolId, min, max, seed }) => {
  const protocol = findProtocol(protocolId)!;
  const levels = protocol.spec.doseLevels;

  it("states the seed's range, and where it comes from", () => {
    expect(protocolDefinition(protocol).cellDoseRange).toEqual({ minCellsPerKg: min, maxCellsPerKg: max, source: expect.stringMatching(seed) });
  });

  it("puts every dose level inside the trial's range, the lowest at its minimum and the highest at its maximum", () => {
    for (const level of levels) {
      expect(level.minCellsPerKg).toBeGreaterThanOrEqual(min);
      expect(level.maxCellsPerKg).toBeLessThanOrEqual(max);
      expect(level.minCellsPerKg).toBeLessThanOrEqual(level.maxCellsPerKg);
    }
    expect(Math.min(...levels.map((l) => l.minCellsPerKg))).toBe(min);
    expect(Math.max(...levels.map((l) => l.maxCellsPerKg))).toBe(max);
  });

  it.each(levels.map((level) => [level.level, level] as const))('level %i accepts its bounds and what lies between, and refuses just outside', (_, level) => {
    const within = (cellsPerKg: number) => checkCellDose(cellsPerKg, 70, level).withinRange;
    expect(within(level.minCellsPerKg)).toBe(true);
    expect(within((level.minCellsPerKg + level.maxCellsPerKg) / 2)).toBe(true);
    expect(within(level.maxCellsPerKg)).toBe(true);
    expect(within(level.minCellsPerKg - STEP)).toBe(false);
    expect(within(level.maxCellsPerKg + STEP)).toBe(false);
  });

  it("lets no level take a dose outside the seed's range", () => {
    for (const level of levels) {
      expect(checkCellDose(min - STEP, 70, level).withinRange).toBe(false);
      expect(checkCellDose(max + STEP, 70, level).withinRange).toBe(false);
    }
  });
});

describe('the CD38 trial (NCT03754764)', () => {
  it('refuses 0.9 ×10⁶/kg at level 1, below the 1–5 ×10⁶/kg of seeds 000 and 001', () => {
    const level1 = findProtocol('NCT03754764')!.spec.doseLevels[0];
    expect(checkCellDose(0.9e6, 70, level1)).toEqual({
      totalCells: 63_000_000,
      withinRange: false,
      reasons: ['cell dose 0.9 ×10⁶/kg is below the assigned dose level 1 range of 1–1.2 ×10⁶/kg'],
    });
  });
});
