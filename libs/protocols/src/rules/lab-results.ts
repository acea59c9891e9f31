/**
 * The lab codes of the event vocabulary (LAB_RESULT_RECORDED): the one catalogue the engine, its
 * lab integrations (HL7 v2 and FHIR in) and its exports (FHIR and SDTM out) share. Each test has
 * the unit it is kept in (written as people write it, and as its UCUM code), the values it can
 * physically take, its LOINC code where LOINC has one, and its SDTM test code. A value outside its
 * bounds is refused (400), never stored: a negative count or a share above 100 % is not a
 * measurement. A code not listed here is kept as the site sends it (any finite value, any unit):
 * the engine does not interpret it, the exports carry it under its own name and the outcomes leave
 * it out. An event posted by hand must use one of the listed spellings of the unit; a lab message is
 * converted to the canonical unit (UCUM) before it becomes an event.
 */
export interface LabTest {
  /** The name a reader sees (FHIR `code.text`). */
  name: string;
  /** The accepted spellings of the code's unit, the first one canonical. */
  units: readonly string[];
  /** The canonical unit as a UCUM code (https://ucum.org), for conversion and for the exports. */
  ucum: string;
  min: number;
  max: number;
  /** Why the bounds are what they are: the source, or the physical reason. */
  bounds: string;
  /** The LOINC code of the test in peripheral blood (serum or plasma for chemistry), when LOINC has one; none for the trial-specific assays (CAR copies, MRD by flow). */
  loinc?: { code: string; display: string };
  /** SDTM LBTESTCD (at most 8 characters) and LBTEST (at most 40). */
  sdtm: { testCode: string; test: string };
  /** SDTM LBCAT. */
  category: 'HEMATOLOGY' | 'CHEMISTRY' | 'CYTOKINES' | 'CELLULAR KINETICS' | 'DISEASE ASSESSMENT';
}

const PERCENT = ['%'] as const;
const PG_PER_ML = ['pg/mL', 'pg/ml'] as const;
/** Cell counts per litre of blood, ×10⁹ (= cells/nL, "G/L"); cells/µL is converted (× 0.001) on the way in. */
const GIGA_PER_L = ['10^9/L', '×10⁹/L', 'x10^9/L', '10*9/L', 'G/L'] as const;
const U_PER_L = ['U/L', 'IU/L'] as const;
const MG_PER_DL = ['mg/dL', 'mg/dl'] as const;

/**
 * Cytokines: concentrations cannot be negative. 10⁶ pg/mL (1 µg/mL) is far above the peaks reported
 * in severe cytokine release syndrome after CAR-T cells, thousands to tens of thousands of pg/mL
 * (Teachey et al., Cancer Discov 2016;6:664–79): a value beyond it is a unit or keying error.
 */
const cytokineBounds = {
  units: PG_PER_ML,
  ucum: 'pg/mL',
  min: 0,
  max: 1e6,
  bounds: 'a concentration is not negative; 10⁶ pg/mL is far above any level reported in severe CRS (Teachey et al., Cancer Discov 2016)',
  category: 'CYTOKINES',
} as const;

/** A blood count in ×10⁹/L: never negative; `max` far above the highest counts reported in hyperleukocytosis or extreme thrombocytosis. */
function bloodCount(name: string, max: number, why: string, loinc: LabTest['loinc'], sdtm: LabTest['sdtm']): LabTest {
  return { name, units: GIGA_PER_L, ucum: '10*9/L', min: 0, max, bounds: `a count is not negative; ${why}`, loinc, sdtm, category: 'HEMATOLOGY' };
}

export const LAB_TESTS: Readonly<Record<string, LabTest>> = {
  /**
   * qPCR CAR transgene copies per µg of genomic DNA. A count, so never negative. 1 µg of human
   * genomic DNA holds about 150,000 diploid genomes (6.5 pg each: Doležel et al., Cytometry A
   * 2003;51:127–8), and a transduced cell carries a few vector copies: 10⁷ copies/µg would be over 60
   * copies in every cell of the sample. No LOINC code: the assay is the trial's own.
   */
  CAR_COPIES: {
    name: 'CAR transgene copies (qPCR)',
    units: ['copies/µg gDNA', 'copies/μg gDNA', 'copies/ug gDNA'],
    ucum: '{copies}/ug',
    min: 0,
    max: 1e7,
    bounds: 'a count is not negative; 1 µg of genomic DNA is about 150,000 cells (Doležel et al., Cytometry A 2003), so 10⁷ copies/µg would be over 60 copies in every cell',
    sdtm: { testCode: 'CARCOPY', test: 'CAR Transgene Copies' },
    category: 'CELLULAR KINETICS',
  },
  /** CAR-T cells by flow cytometry, as a share of the lymphocytes (or T cells) counted. */
  CAR_T_PERCENT: {
    name: 'CAR-T cells (flow cytometry)',
    units: PERCENT,
    ucum: '%',
    min: 0,
    max: 100,
    bounds: 'a share of the cells counted',
    sdtm: { testCode: 'CARTPCT', test: 'CAR-T Cells' },
    category: 'CELLULAR KINETICS',
  },
  IL6: {
    ...cytokineBounds,
    name: 'Interleukin 6',
    loinc: { code: '26881-3', display: 'Interleukin 6 [Mass/volume] in Serum or Plasma' },
    sdtm: { testCode: 'IL6', test: 'Interleukin 6' },
  },
  IL10: {
    ...cytokineBounds,
    name: 'Interleukin 10',
    loinc: { code: '26848-2', display: 'Interleukin 10 [Mass/volume] in Serum or Plasma' },
    sdtm: { testCode: 'IL10', test: 'Interleukin 10' },
  },
  IFNG: {
    ...cytokineBounds,
    name: 'Interferon gamma',
    loinc: { code: '27415-0', display: 'Interferon gamma [Mass/volume] in Serum or Plasma' },
    sdtm: { testCode: 'IFNG', test: 'Interferon Gamma' },
  },
  TNFA: {
    ...cytokineBounds,
    name: 'Tumor necrosis factor alpha',
    loinc: { code: '3074-2', display: 'Tumor necrosis factor.alpha [Mass/volume] in Serum or Plasma' },
    sdtm: { testCode: 'TNFA', test: 'Tumor Necrosis Factor Alpha' },
  },
  /** Minimal residual disease by flow: leukaemic cells as a share of the nucleated cells counted. No LOINC code: the panel is the trial's own. */
  MRD: {
    name: 'Minimal residual disease',
    units: PERCENT,
    ucum: '%',
    min: 0,
    max: 100,
    bounds: 'a share of the cells counted',
    sdtm: { testCode: 'MRD', test: 'Minimal Residual Disease' },
    category: 'DISEASE ASSESSMENT',
  },
  // Haematology: the counts CTCAE v5.0 grades (neutrophil, lymphocyte, white cell and platelet counts decreased, anaemia) and ICAHT follows.
  WBC: bloodCount(
    'Leukocytes',
    1000,
    'white counts above 100 ×10⁹/L are hyperleukocytosis and the highest reported are a few hundred',
    { code: '6690-2', display: 'Leukocytes [#/volume] in Blood by Automated count' },
    { testCode: 'WBC', test: 'Leukocytes' },
  ),
  ANC: bloodCount(
    'Neutrophils',
    500,
    'no neutrophil count approaches 500 ×10⁹/L even in hyperleukocytosis',
    { code: '751-8', display: 'Neutrophils [#/volume] in Blood by Automated count' },
    { testCode: 'NEUT', test: 'Neutrophils' },
  ),
  ALC: bloodCount(
    'Lymphocytes',
    1000,
    'lymphocyte counts of a few hundred ×10⁹/L are the highest reported (chronic lymphocytic leukaemia)',
    { code: '731-0', display: 'Lymphocytes [#/volume] in Blood by Automated count' },
    { testCode: 'LYM', test: 'Lymphocytes' },
  ),
  PLT: bloodCount(
    'Platelets',
    5000,
    'the highest platelet counts reported in extreme thrombocytosis are a few thousand ×10⁹/L',
    { code: '777-3', display: 'Platelets [#/volume] in Blood by Automated count' },
    { testCode: 'PLAT', test: 'Platelets' },
  ),
  /** Haemoglobin in g/dL (g/L and mmol/L are converted on the way in). */
  HGB: {
    name: 'Hemoglobin',
    units: ['g/dL', 'g/dl'],
    ucum: 'g/dL',
    min: 0,
    max: 25,
    bounds: 'a concentration is not negative; the highest haemoglobin in polycythaemia is near 25 g/dL',
    loinc: { code: '718-7', display: 'Hemoglobin [Mass/volume] in Blood' },
    sdtm: { testCode: 'HGB', test: 'Hemoglobin' },
    category: 'HEMATOLOGY',
  },
  // Chemistry: liver and kidney function CTCAE v5.0 grades against the upper limit of normal, and the markers of CRS and IEC-HS.
  ALT: {
    name: 'Alanine aminotransferase',
    units: U_PER_L,
    ucum: 'U/L',
    min: 0,
    max: 1e5,
    bounds: 'an activity is not negative; ischaemic hepatitis reaches some thousands of U/L, never 10⁵',
    loinc: { code: '1742-6', display: 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma' },
    sdtm: { testCode: 'ALT', test: 'Alanine Aminotransferase' },
    category: 'CHEMISTRY',
  },
  AST: {
    name: 'Aspartate aminotransferase',
    units: U_PER_L,
    ucum: 'U/L',
    min: 0,
    max: 1e5,
    bounds: 'an activity is not negative; ischaemic hepatitis reaches some thousands of U/L, never 10⁵',
    loinc: { code: '1920-8', display: 'Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma' },
    sdtm: { testCode: 'AST', test: 'Aspartate Aminotransferase' },
    category: 'CHEMISTRY',
  },
  /** Total bilirubin in mg/dL (µmol/L is converted on the way in). */
  BILI: {
    name: 'Bilirubin, total',
    units: MG_PER_DL,
    ucum: 'mg/dL',
    min: 0,
    max: 100,
    bounds: 'a concentration is not negative; the highest total bilirubin reported is some tens of mg/dL',
    loinc: { code: '1975-2', display: 'Bilirubin.total [Mass/volume] in Serum or Plasma' },
    sdtm: { testCode: 'BILI', test: 'Bilirubin' },
    category: 'CHEMISTRY',
  },
  /** Creatinine in mg/dL (µmol/L is converted on the way in). */
  CREAT: {
    name: 'Creatinine',
    units: MG_PER_DL,
    ucum: 'mg/dL',
    min: 0,
    max: 50,
    bounds: 'a concentration is not negative; end-stage kidney failure rarely passes 20 mg/dL',
    loinc: { code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma' },
    sdtm: { testCode: 'CREAT', test: 'Creatinine' },
    category: 'CHEMISTRY',
  },
  /** Ferritin in ng/mL (= µg/L): the marker of IEC-associated HLH-like syndrome (Hines et al., Transplant Cell Ther 2023). */
  FERRITIN: {
    name: 'Ferritin',
    units: ['ng/mL', 'ng/ml', 'µg/L', 'ug/L'],
    ucum: 'ng/mL',
    min: 0,
    max: 1e6,
    bounds: 'a concentration is not negative; ferritin in haemophagocytic syndromes reaches a few hundred thousand ng/mL',
    loinc: { code: '2276-4', display: 'Ferritin [Mass/volume] in Serum or Plasma' },
    sdtm: { testCode: 'FERRITIN', test: 'Ferritin' },
    category: 'CHEMISTRY',
  },
  CRP: {
    name: 'C reactive protein',
    units: ['mg/L', 'mg/l'],
    ucum: 'mg/L',
    min: 0,
    max: 1000,
    bounds: 'a concentration is not negative; the highest CRP reported in sepsis and CRS is some hundreds of mg/L',
    loinc: { code: '1988-5', display: 'C reactive protein [Mass/volume] in Serum or Plasma' },
    sdtm: { testCode: 'CRP', test: 'C Reactive Protein' },
    category: 'CHEMISTRY',
  },
  LDH: {
    name: 'Lactate dehydrogenase',
    units: U_PER_L,
    ucum: 'U/L',
    min: 0,
    max: 1e5,
    bounds: 'an activity is not negative; the highest LDH in massive haemolysis or tumour lysis is some tens of thousands of U/L',
    loinc: { code: '2532-0', display: 'Lactate dehydrogenase [Enzymatic activity/volume] in Serum or Plasma' },
    sdtm: { testCode: 'LDH', test: 'Lactate Dehydrogenase' },
    category: 'CHEMISTRY',
  },
  FIBRINOGEN: {
    name: 'Fibrinogen',
    units: MG_PER_DL,
    ucum: 'mg/dL',
    min: 0,
    max: 2000,
    bounds: 'a concentration is not negative; fibrinogen above 1,000 mg/dL is exceptional',
    loinc: { code: '3255-7', display: 'Fibrinogen [Mass/volume] in Platelet poor plasma by Coagulation assay' },
    sdtm: { testCode: 'FIBRINO', test: 'Fibrinogen' },
    category: 'HEMATOLOGY',
  },
};

/** The listed code a LOINC code stands for, if any. */
export function labCodeForLoinc(loinc: string): string | undefined {
  return Object.entries(LAB_TESTS).find(([, test]) => test.loinc?.code === loinc)?.[0];
}

/** The code's test, when the vocabulary lists it. */
export function labTest(code: string): LabTest | undefined {
  return Object.hasOwn(LAB_TESTS, code) ? LAB_TESTS[code] : undefined;
}

/**
 * What is wrong with a result for a listed code, as problems naming the field and the bound; none for a
 * plausible result or an unlisted code.
 */
export function labResultProblems(result: { code: string; unit: string; value: number }): Array<{ field: 'unit' | 'value'; message: string }> {
  const test = labTest(result.code);
  if (!test) return [];
  if (!test.units.includes(result.unit)) {
    return [{ field: 'unit', message: `${result.code} is reported in ${test.units.map((u) => `"${u}"`).join(' or ')}, not "${result.unit}"` }];
  }
  if (result.value >= test.min && result.value <= test.max) return [];
  const side = result.value < test.min ? `at least ${test.min}` : `at most ${test.max}`;
  return [{ field: 'value', message: `${result.code} is ${side} ${test.units[0]} (${test.bounds})` }];
}

/** One sample's result of one test: the code, the compartment (peripheral blood by default) and the collection instant. */
function sampleKey(result: { code: string; compartment?: string | null; collectedAt: string }): string {
  const at = Date.parse(result.collectedAt);
  return `${result.code}|${result.compartment ?? 'PB'}|${Number.isNaN(at) ? result.collectedAt : at}`;
}

/**
 * The results that stand, in the order given (the log's): of several results of one test from one
 * sample (same code, compartment and collection instant), the one recorded last, which corrects the
 * others (a lab's OBX-11 `C` or FHIR `corrected`, or a result re-entered by hand). The log keeps
 * every value; the readers (outcomes, exports) count each sample once.
 */
export function standingResults<T extends { code: string; compartment?: string | null; collectedAt: string }>(results: readonly T[]): T[] {
  const last = new Map<string, number>();
  results.forEach((result, i) => last.set(sampleKey(result), i));
  return results.filter((result, i) => last.get(sampleKey(result)) === i);
}
