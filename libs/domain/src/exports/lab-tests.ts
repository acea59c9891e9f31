import { labTest } from '#protocols';
import type { Compartment } from './clinical-facts';

/** How a lab code of the event vocabulary (LAB_TESTS, libs/protocols/src/rules/lab-results.ts) is named in the exports. */
export interface LabTestName {
  /** The name a reader sees (FHIR `code.text` and display). */
  name: string;
  /** SDTM LBTESTCD: at most 8 characters, letters, digits and underscores, not starting with a digit. */
  testCode: string;
  /** SDTM LBTEST: at most 40 characters. */
  test: string;
}

/** The names of a lab code; a code the vocabulary does not list keeps its own name, cut to SDTM's limits. */
export function labTestName(code: string): LabTestName {
  const known = labTest(code);
  if (known) return { name: known.name, testCode: known.sdtm.testCode, test: known.sdtm.test };
  const letters = code.toUpperCase().replace(/[^A-Z0-9_]/g, '');
  const testCode = (/^[0-9]/.test(letters) ? `X${letters}` : letters).slice(0, 8) || 'UNKNOWN';
  return { name: code, testCode, test: code.slice(0, 40) };
}

/**
 * The catalogue's unit of a result: its canonical spelling (the SDTM standard unit) and UCUM code,
 * when the test is catalogued and the result is in one of the spellings the catalogue accepts for it
 * (all one unit, so the value stands as recorded); undefined otherwise, and the result keeps its own unit.
 */
export function catalogueUnit(code: string, unit: string): { canonical: string; ucum: string } | undefined {
  const known = labTest(code);
  return known?.units.includes(unit) ? { canonical: known.units[0], ucum: known.ucum } : undefined;
}

/** The compartment a sample came from: its name in FHIR (specimen type) and in SDTM (LBSPEC). */
export const COMPARTMENTS: Record<Compartment, { name: string; specimen: string }> = {
  PB: { name: 'Peripheral blood', specimen: 'BLOOD' },
  BM: { name: 'Bone marrow', specimen: 'BONE MARROW' },
  LN: { name: 'Lymph node', specimen: 'LYMPH NODE' },
  CSF: { name: 'Cerebrospinal fluid', specimen: 'CEREBROSPINAL FLUID' },
};
