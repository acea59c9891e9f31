/**
 * CTCAE v5.0 grades of laboratory results (NCI, Common Terminology Criteria for Adverse Events
 * v5.0, published November 27, 2017; SOC "Investigations" and, for Anemia, "Blood and lymphatic
 * system disorders"). Each term is graded from the one lab code that measures it, in the code's
 * canonical unit (rules/lab-results.ts): counts in ×10⁹/L (CTCAE prints /mm³: 1,500/mm³ = 1.5 ×10⁹/L),
 * haemoglobin in g/dL, enzymes in U/L, bilirubin and creatinine in mg/dL.
 *
 * Reading of CTCAE's ranges: "<1500 – 1000/mm³" is below 1500 down to 1000 included; ">3.0 – 5.0 ×
 * ULN" is above 3.0 × ULN up to 5.0 × ULN included. A grade that CTCAE defines only by clinical
 * findings (Anemia 4: "life-threatening consequences"; grade 5: death) is never given from a number.
 *
 * The reference range is the lab's own when the result carries it (`referenceRange`), else the
 * default below, listed in every protocol's assumptions (DEFAULT_RANGE_ASSUMPTION).
 */

export type LabSex = 'female' | 'male' | 'other' | 'unknown';

export interface ReferenceRange {
  low?: number;
  high?: number;
}

interface LabTermRule {
  term: string;
  /** Which side of the reference range is abnormal. */
  direction: 'decreased' | 'increased';
  /** Whether CTCAE grades the term against the patient's baseline as well ("if baseline was abnormal", "× baseline"). */
  usesBaseline: boolean;
  grade: (value: number, limits: { lln: number; uln: number; baseline?: number }) => { grade: number; criterion: string };
}

/** A limit times a factor, rounded off binary noise (6 × 1.2 is 7.2, not 7.199999999999999), so a value exactly at a limit falls on the side CTCAE puts it. */
const times = (factor: number, limit: number): number => Math.round(factor * limit * 1e9) / 1e9;

/** Grade by the first band the value falls in, from the worst; 0 when none. */
function band(value: number, bands: Array<[grade: number, test: (v: number) => boolean, criterion: string]>, normal: string) {
  for (const [grade, test, criterion] of bands) if (test(value)) return { grade, criterion };
  return { grade: 0, criterion: normal };
}

/** A count decreased (×10⁹/L): grade 1 below the LLN down to `g1`, then each threshold strictly below the previous one. */
function countDecreased(term: string, [g1, g2, g3]: [number, number, number]): LabTermRule {
  return {
    term,
    direction: 'decreased',
    usesBaseline: false,
    grade: (v, { lln }) =>
      band(
        v,
        [
          [4, (x) => x < g3, `< ${g3} ×10⁹/L`],
          [3, (x) => x < g2, `< ${g2} – ${g3} ×10⁹/L`],
          [2, (x) => x < g1, `< ${g1} – ${g2} ×10⁹/L`],
          [1, (x) => x < lln, `< LLN (${lln}) – ${g1} ×10⁹/L`],
        ],
        `not below the LLN (${lln} ×10⁹/L)`,
      ),
  };
}

/**
 * An enzyme or bilirubin increased, graded against the ULN when the baseline was normal and against
 * the baseline when it was abnormal (above the ULN). `factors` are the upper ends of grades 1–3 (×
 * ULN or × baseline); `abnormalFloor` the lower end of grade 1 against an abnormal baseline, which
 * CTCAE prints without ">" for ALT and AST ("1.5 – 3.0 × baseline", so 1.5 × is grade 1) and with it
 * for bilirubin ("> 1.0 – 1.5 × baseline").
 */
function increasedVsBaseline(term: string, [f1, f2, f3]: [number, number, number], abnormalFloor: { factor: number; inclusive: boolean }): LabTermRule {
  return {
    term,
    direction: 'increased',
    usesBaseline: true,
    grade: (v, { uln, baseline }) => {
      const abnormal = baseline !== undefined && baseline > uln;
      const ref = abnormal ? baseline : uln;
      const floor = times(abnormalFloor.factor, ref);
      const of = abnormal ? `× baseline (${baseline}), baseline abnormal` : `× ULN (${uln})${baseline === undefined ? ', no baseline on record' : ', baseline normal'}`;
      return band(
        v,
        [
          [4, (x) => x > times(f3, ref), `> ${f3} ${of}`],
          [3, (x) => x > times(f2, ref), `> ${f2} – ${f3} ${of}`],
          [2, (x) => x > times(f1, ref), `> ${f1} – ${f2} ${of}`],
          [
            1,
            (x) => (abnormal ? (abnormalFloor.inclusive ? x >= floor : x > floor) : x > uln),
            `${abnormal ? `${abnormalFloor.inclusive ? '' : '> '}${abnormalFloor.factor}` : '> ULN'} – ${f1} ${of}`,
          ],
        ],
        abnormal ? `below grade 1 (${abnormalFloor.inclusive ? '' : '> '}${abnormalFloor.factor} × baseline ${baseline})` : `not above the ULN (${uln})`,
      );
    },
  };
}

/**
 * Creatinine increased: grade 1 > ULN – 1.5 × ULN; grade 2 > 1.5 – 3.0 × baseline or > 1.5 – 3.0 × ULN;
 * grade 3 > 3.0 × baseline or > 3.0 – 6.0 × ULN; grade 4 > 6.0 × ULN. Where both criteria apply,
 * the worse grade counts.
 */
const creatinineIncreased: LabTermRule = {
  term: 'Creatinine increased',
  direction: 'increased',
  usesBaseline: true,
  grade: (v, { uln, baseline }) => {
    const byUln = band(
      v,
      [
        [4, (x) => x > times(6, uln), `> 6.0 × ULN (${uln})`],
        [3, (x) => x > times(3, uln), `> 3.0 – 6.0 × ULN (${uln})`],
        [2, (x) => x > times(1.5, uln), `> 1.5 – 3.0 × ULN (${uln})`],
        [1, (x) => x > uln, `> ULN (${uln}) – 1.5 × ULN`],
      ],
      `not above the ULN (${uln})`,
    );
    if (baseline === undefined) return byUln;
    const byBaseline = band(
      v,
      [
        [3, (x) => x > times(3, baseline), `> 3.0 × baseline (${baseline})`],
        [2, (x) => x > times(1.5, baseline), `> 1.5 – 3.0 × baseline (${baseline})`],
      ],
      '',
    );
    return byBaseline.grade > byUln.grade ? byBaseline : byUln;
  },
};

/** Anemia: Hgb < LLN – 10.0 g/dL; < 10.0 – 8.0 g/dL; < 8.0 g/dL. Grade 4 and 5 are clinical. */
const anemia: LabTermRule = {
  term: 'Anemia',
  direction: 'decreased',
  usesBaseline: false,
  grade: (v, { lln }) =>
    band(
      v,
      [
        [3, (x) => x < 8, '< 8.0 g/dL'],
        [2, (x) => x < 10, '< 10.0 – 8.0 g/dL'],
        [1, (x) => x < lln, `< LLN (${lln}) – 10.0 g/dL`],
      ],
      `not below the LLN (${lln} g/dL)`,
    ),
};

/**
 * Fibrinogen decreased (mg/dL): < 1.0 – 0.75 × LLN; < 0.75 – 0.5 × LLN; < 0.5 – 0.25 × LLN;
 * < 0.25 × LLN or an absolute value < 50 mg/dL. "If abnormal" (a baseline below the LLN), by the
 * decrease from baseline instead: < 25 %; 25 – < 50 %; 50 – < 75 %; ≥ 75 % (or < 50 mg/dL). The same
 * reading as the CTCAE v5.0 toxicity grading of pharmaverse admiral (`atoxgr_criteria_ctcv5`).
 */
const fibrinogenDecreased: LabTermRule = {
  term: 'Fibrinogen decreased',
  direction: 'decreased',
  usesBaseline: true,
  grade: (v, { lln, baseline }) => {
    if (v < 50) return { grade: 4, criterion: '< 50 mg/dL' };
    if (baseline !== undefined && baseline < lln) {
      const decrease = Math.round(((baseline - v) / baseline) * 1e9) / 1e9;
      const of = `from an abnormal baseline (${baseline})`;
      return band(
        decrease,
        [
          [4, (d) => d >= 0.75, `a decrease of ≥ 75 % ${of}`],
          [3, (d) => d >= 0.5, `a decrease of 50 – < 75 % ${of}`],
          [2, (d) => d >= 0.25, `a decrease of 25 – < 50 % ${of}`],
          [1, (d) => d > 0, `a decrease of < 25 % ${of}`],
        ],
        `not below the abnormal baseline (${baseline})`,
      );
    }
    return band(
      v,
      [
        [4, (x) => x < times(0.25, lln), `< 0.25 × LLN (${lln})`],
        [3, (x) => x < times(0.5, lln), `< 0.5 – 0.25 × LLN (${lln})`],
        [2, (x) => x < times(0.75, lln), `< 0.75 – 0.5 × LLN (${lln})`],
        [1, (x) => x < lln, `< 1.0 – 0.75 × LLN (${lln})`],
      ],
      `not below the LLN (${lln} mg/dL)`,
    );
  },
};

/** The CTCAE v5.0 term each lab code is graded by. */
export const LAB_TOXICITY_RULES: Readonly<Record<string, LabTermRule>> = {
  ANC: countDecreased('Neutrophil count decreased', [1.5, 1.0, 0.5]),
  PLT: countDecreased('Platelet count decreased', [75, 50, 25]),
  ALC: countDecreased('Lymphocyte count decreased', [0.8, 0.5, 0.2]),
  WBC: countDecreased('White blood cell decreased', [3.0, 2.0, 1.0]),
  HGB: anemia,
  ALT: increasedVsBaseline('Alanine aminotransferase increased', [3, 5, 20], { factor: 1.5, inclusive: true }),
  AST: increasedVsBaseline('Aspartate aminotransferase increased', [3, 5, 20], { factor: 1.5, inclusive: true }),
  BILI: increasedVsBaseline('Blood bilirubin increased', [1.5, 3, 10], { factor: 1, inclusive: false }),
  CREAT: creatinineIncreased,
  FIBRINOGEN: fibrinogenDecreased,
};

/**
 * Default reference ranges, used when a result does not carry the lab's own: adult ranges of common
 * use (haemoglobin by sex). Children's ranges differ (creatinine most of all), which is why a lab
 * should send its range with each result.
 */
export const DEFAULT_REFERENCE_RANGES: Readonly<Record<string, { low?: number; high?: number; lowBySex?: Partial<Record<LabSex, number>> }>> = {
  ANC: { low: 1.8, high: 7.5 },
  PLT: { low: 150, high: 400 },
  ALC: { low: 1.0, high: 4.0 },
  WBC: { low: 4.0, high: 11.0 },
  HGB: { low: 12.0, high: 17.5, lowBySex: { male: 13.5, female: 12.0 } },
  ALT: { high: 40 },
  AST: { high: 40 },
  BILI: { high: 1.2 },
  CREAT: { high: 1.2 },
  FIBRINOGEN: { low: 200, high: 400 },
};

export const DEFAULT_RANGE_ASSUMPTION =
  'Lab results are graded by CTCAE v5.0 against the reference range the lab sends with the result (referenceRange); without one, against adult defaults: ANC 1.8–7.5, platelets 150–400, lymphocytes 1.0–4.0, white cells 4.0–11.0 ×10⁹/L; haemoglobin LLN 13.5 g/dL (male) or 12.0 g/dL (female, other, unknown); ULN of ALT and AST 40 U/L, of total bilirubin and creatinine 1.2 mg/dL; fibrinogen 200–400 mg/dL.';

export interface LabGradeInput {
  code: string;
  value: number;
  referenceRange?: ReferenceRange;
  /** The patient's baseline result of the same code (the last collected before lymphodepletion). */
  baseline?: number;
  sex?: LabSex;
}

export interface LabGrade {
  code: string;
  term: string;
  grade: number;
  /** The CTCAE criterion the value met, with the limits used. */
  reason: string;
}

/** Whether CTCAE v5.0 grades results of this code. */
export const isGradedLab = (code: string): boolean => Object.hasOwn(LAB_TOXICITY_RULES, code);

/** The reference limits a result is graded against: the lab's own, else the default. */
export function referenceLimits(code: string, range: ReferenceRange | undefined, sex: LabSex = 'unknown'): { lln: number; uln: number } {
  const fallback = DEFAULT_REFERENCE_RANGES[code] ?? {};
  const lln = range?.low ?? fallback.lowBySex?.[sex] ?? fallback.low ?? 0;
  const uln = range?.high ?? fallback.high ?? Number.POSITIVE_INFINITY;
  return { lln, uln };
}

/** The CTCAE v5.0 grade (0 when normal) of a result; undefined for a code CTCAE does not grade from a number. */
export function gradeLabResult(input: LabGradeInput): LabGrade | undefined {
  if (!isGradedLab(input.code)) return undefined;
  const rule = LAB_TOXICITY_RULES[input.code];
  const limits = referenceLimits(input.code, input.referenceRange, input.sex);
  const baseline = rule.usesBaseline ? input.baseline : undefined;
  const { grade, criterion } = rule.grade(input.value, { ...limits, ...(baseline !== undefined ? { baseline } : {}) });
  return { code: input.code, term: rule.term, grade, reason: `${rule.term}, CTCAE v5.0 grade ${grade}: ${input.value} is ${criterion}` };
}

/** The CTCAE term a lab code is graded by, if any. */
export const labToxicityTerm = (code: string): string | undefined => (isGradedLab(code) ? LAB_TOXICITY_RULES[code].term : undefined);
