import type { Compartment } from './clinical-facts';

/** How a lab code of the event vocabulary (docs/api.md, section "The event vocabulary", LAB_RESULT_RECORDED) is named in the exports. */
export interface LabTestName {
  /** The name a reader sees (FHIR `code.text` and display). */
  name: string;
  /** SDTM LBTESTCD: at most 8 characters, letters, digits and underscores, not starting with a digit. */
  testCode: string;
  /** SDTM LBTEST: at most 40 characters. */
  test: string;
}

const KNOWN_TESTS: Record<string, LabTestName> = {
  CAR_COPIES: { name: 'CAR transgene copies (qPCR)', testCode: 'CARCOPY', test: 'CAR Transgene Copies' },
  CAR_T_PERCENT: { name: 'CAR-T cells (flow cytometry)', testCode: 'CARTPCT', test: 'CAR-T Cells' },
  IL6: { name: 'Interleukin 6', testCode: 'IL6', test: 'Interleukin 6' },
  IL10: { name: 'Interleukin 10', testCode: 'IL10', test: 'Interleukin 10' },
  IFNG: { name: 'Interferon gamma', testCode: 'IFNG', test: 'Interferon Gamma' },
  TNFA: { name: 'Tumor necrosis factor alpha', testCode: 'TNFA', test: 'Tumor Necrosis Factor Alpha' },
  MRD: { name: 'Minimal residual disease', testCode: 'MRD', test: 'Minimal Residual Disease' },
};

/** The names of a lab code; a code the vocabulary does not list keeps its own name, cut to SDTM's limits. */
export function labTestName(code: string): LabTestName {
  const known = KNOWN_TESTS[code];
  if (known) return known;
  const letters = code.toUpperCase().replace(/[^A-Z0-9_]/g, '');
  const testCode = (/^[0-9]/.test(letters) ? `X${letters}` : letters).slice(0, 8) || 'UNKNOWN';
  return { name: code, testCode, test: code.slice(0, 40) };
}

/** The compartment a sample came from: its name in FHIR (specimen type) and in SDTM (LBSPEC). */
export const COMPARTMENTS: Record<Compartment, { name: string; specimen: string }> = {
  PB: { name: 'Peripheral blood', specimen: 'BLOOD' },
  BM: { name: 'Bone marrow', specimen: 'BONE MARROW' },
  LN: { name: 'Lymph node', specimen: 'LYMPH NODE' },
  CSF: { name: 'Cerebrospinal fluid', specimen: 'CEREBROSPINAL FLUID' },
};
