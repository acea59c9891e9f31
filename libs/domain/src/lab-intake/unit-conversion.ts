import { UcumLhcUtils } from '@lhncbc/ucum-lhc';
import type { LabTest } from '#protocols';

/**
 * Molar masses for the tests a laboratory may report in substance concentration (µmol/L) while the
 * catalogue keeps them in mass concentration (mg/dL). UCUM converts mass and moles only when given
 * the substance's molar mass.
 *
 * - Creatinine, C4H7N3O: 113.12 g/mol (PubChem CID 588). 1 mg/dL = 88.4 µmol/L, the factor of the
 *   AMA Manual of Style's SI conversion table.
 * - Bilirubin, C33H36N4O6: 584.66 g/mol (PubChem CID 5280352). 1 mg/dL = 17.1 µmol/L (same table).
 */
export const MOLAR_MASS_G_PER_MOL: Readonly<Record<string, number>> = {
  CREAT: 113.12,
  BILI: 584.66,
};

/** Significant digits kept after a conversion: floating point leaves 4.199999999999999 for 4.2 × 10³/µL in 10⁹/L. */
const SIGNIFICANT_DIGITS = 10;

export type Converted = { value: number; unit: string } | { problem: string };

const ucum = UcumLhcUtils.getInstance();

/**
 * A result in the catalogue's canonical unit (its first listed spelling). A unit the catalogue lists
 * for the test (`x10^9/L`, `G/L`, `IU/L` …) is already the canonical quantity; any other unit is read
 * as UCUM (https://ucum.org) and converted to the test's `ucum` unit with @lhncbc/ucum-lhc, through
 * the molar mass where the two are mass and substance concentrations. A unit that is not UCUM, or
 * that measures another quantity, is a problem, never guessed.
 */
export function toCanonicalUnit(code: string, test: LabTest, value: number, unit: string): Converted {
  const canonical = test.units[0];
  const given = unit.trim();
  if (test.units.includes(given)) return { value, unit: canonical };
  if (!given) return { problem: `${code} came without a unit; it is kept in ${canonical}` };
  if (ucum.validateUnitString(given).status !== 'valid') {
    return { problem: `unit "${given}" of ${code} is not a UCUM unit nor one the catalogue lists (${test.units.join(', ')})` };
  }
  const molecularWeight = MOLAR_MASS_G_PER_MOL[code];
  const converted = ucum.convertUnitTo(given, value, test.ucum, molecularWeight ? { molecularWeight } : {});
  if (converted.status !== 'succeeded' || converted.toVal === null || !Number.isFinite(converted.toVal)) {
    return { problem: `unit "${given}" of ${code} cannot be converted to ${test.ucum}` };
  }
  return { value: Number(converted.toVal.toPrecision(SIGNIFICANT_DIGITS)), unit: canonical };
}
