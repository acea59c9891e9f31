/**
 * The lab codes of the event vocabulary (LAB_RESULT_RECORDED), each with the units it is reported
 * in and the values it can physically take. A value outside its bounds is refused (400), never
 * stored: a negative count or a share above 100 % is not a measurement. A code not listed here is
 * kept as the site sends it (any finite value, any unit): the engine does not interpret it, the
 * exports carry it under its own name and the outcomes leave it out. Units are compared as written
 * (no conversion: that comes with a lab integration and UCUM), so each code lists the spellings
 * labs use for its one unit.
 */
export interface LabTest {
  /** The accepted spellings of the code's unit, the first one canonical. */
  units: readonly string[];
  min: number;
  max: number;
  /** Why the bounds are what they are: the source, or the physical reason. */
  bounds: string;
}

const PERCENT = ['%'] as const;
const PG_PER_ML = ['pg/mL', 'pg/ml'] as const;

/**
 * Cytokines: concentrations cannot be negative. 10⁶ pg/mL (1 µg/mL) is far above the peaks reported
 * in severe cytokine release syndrome after CAR-T cells, thousands to tens of thousands of pg/mL
 * (Teachey et al., Cancer Discov 2016;6:664–79): a value beyond it is a unit or keying error.
 */
const cytokine: LabTest = {
  units: PG_PER_ML,
  min: 0,
  max: 1e6,
  bounds: 'a concentration is not negative; 10⁶ pg/mL is far above any level reported in severe CRS (Teachey et al., Cancer Discov 2016)',
};

export const LAB_TESTS: Readonly<Record<string, LabTest>> = {
  /**
   * qPCR CAR transgene copies per µg of genomic DNA. A count, so never negative. 1 µg of human
   * genomic DNA holds about 150,000 diploid genomes (6.5 pg each: Doležel et al., Cytometry A
   * 2003;51:127–8), and a transduced cell carries a few vector copies: 10⁷ copies/µg would be over 60
   * copies in every cell of the sample.
   */
  CAR_COPIES: {
    units: ['copies/µg gDNA', 'copies/μg gDNA', 'copies/ug gDNA'],
    min: 0,
    max: 1e7,
    bounds: 'a count is not negative; 1 µg of genomic DNA is about 150,000 cells (Doležel et al., Cytometry A 2003), so 10⁷ copies/µg would be over 60 copies in every cell',
  },
  /** CAR-T cells by flow cytometry, as a share of the lymphocytes (or T cells) counted. */
  CAR_T_PERCENT: { units: PERCENT, min: 0, max: 100, bounds: 'a share of the cells counted' },
  IL6: cytokine,
  IL10: cytokine,
  IFNG: cytokine,
  TNFA: cytokine,
  /** Minimal residual disease by flow: leukaemic cells as a share of the nucleated cells counted. */
  MRD: { units: PERCENT, min: 0, max: 100, bounds: 'a share of the cells counted' },
};

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
