/**
 * The grades CTCAE v5.0 defines for each term (NCI, Common Terminology Criteria for Adverse Events
 * v5.0, published November 27, 2017; the term table CTCAE_v5.0_2017-11-27.xlsx). Where the table
 * prints "–" for a grade, that grade does not exist for the term: Nausea stops at grade 3, Alopecia
 * at grade 2, Hepatic failure starts at grade 3, Death NOS is grade 5 only, and grade 5 exists for
 * some terms only. Every term listed here has a contiguous range of grades.
 *
 * The list holds the terms the engine, its protocols, the simulator and the tests use, and the
 * toxicities common after CAR-T cells and lymphodepletion, each as the v5.0 table prints it. A term
 * not listed (CTCAE has about 840) is graded on the general scale 1–5, as CTCAE's "<SOC> – Other,
 * specify" terms are: the engine refuses only a grade it knows the term lacks.
 */

/** Lowest and highest grade of a term, both included. */
type GradeRange = readonly [lowest: number, highest: number];

/** Terms by MedDRA system organ class, as CTCAE v5.0 groups them. */
const CTCAE_V5_TERMS: Record<string, Record<string, GradeRange>> = {
  'Blood and lymphatic system disorders': {
    Anemia: [1, 5],
    'Disseminated intravascular coagulation': [2, 5],
    'Febrile neutropenia': [3, 5],
  },
  'Cardiac disorders': {
    'Atrial fibrillation': [1, 5],
    'Cardiac arrest': [4, 5],
    'Heart failure': [1, 5],
    'Left ventricular systolic dysfunction': [3, 5],
    'Sinus tachycardia': [1, 3],
  },
  'Gastrointestinal disorders': {
    'Abdominal pain': [1, 3],
    Colitis: [1, 5],
    Constipation: [1, 5],
    Diarrhea: [1, 5],
    'Mucositis oral': [1, 5],
    Nausea: [1, 3],
    Vomiting: [1, 5],
  },
  'General disorders and administration site conditions': {
    Chills: [1, 3],
    'Death NOS': [5, 5],
    'Edema limbs': [1, 3],
    Fatigue: [1, 3],
    Fever: [1, 5],
    'Flu like symptoms': [1, 3],
    Malaise: [1, 2],
    'Multi-organ failure': [3, 5],
    Pain: [1, 3],
  },
  'Hepatobiliary disorders': {
    'Hepatic failure': [3, 5],
  },
  'Immune system disorders': {
    'Allergic reaction': [1, 5],
    Anaphylaxis: [3, 5],
    'Cytokine release syndrome': [1, 5],
  },
  'Infections and infestations': {
    'Lung infection': [2, 5],
    Sepsis: [4, 5],
    'Upper respiratory infection': [2, 5],
  },
  'Injury, poisoning and procedural complications': {
    'Infusion related reaction': [1, 5],
  },
  Investigations: {
    'Activated partial thromboplastin time prolonged': [1, 3],
    'Alanine aminotransferase increased': [1, 4],
    'Alkaline phosphatase increased': [1, 4],
    'Aspartate aminotransferase increased': [1, 4],
    'Blood bilirubin increased': [1, 4],
    'Creatinine increased': [1, 4],
    'Ejection fraction decreased': [2, 4],
    'Fibrinogen decreased': [1, 4],
    'GGT increased': [1, 4],
    'INR increased': [1, 3],
    'Lymphocyte count decreased': [1, 4],
    'Neutrophil count decreased': [1, 4],
    'Platelet count decreased': [1, 4],
    'Weight loss': [1, 3],
    'White blood cell decreased': [1, 4],
  },
  'Metabolism and nutrition disorders': {
    Anorexia: [1, 5],
    Hyperglycemia: [1, 5],
    Hypocalcemia: [1, 5],
    Hypokalemia: [1, 5],
    Hypomagnesemia: [1, 5],
    Hyponatremia: [1, 5],
    Hypophosphatemia: [1, 5],
    'Tumor lysis syndrome': [3, 5],
  },
  'Musculoskeletal and connective tissue disorders': {
    Arthralgia: [1, 3],
    'Back pain': [1, 3],
    Myalgia: [1, 3],
  },
  'Nervous system disorders': {
    Aphasia: [1, 3],
    Ataxia: [1, 3],
    'Cerebral edema': [4, 5],
    'Cognitive disturbance': [1, 3],
    'Depressed level of consciousness': [1, 5],
    Dizziness: [1, 3],
    Dysarthria: [1, 3],
    Dysphasia: [1, 3],
    Encephalopathy: [1, 5],
    Headache: [1, 3],
    'Memory impairment': [1, 3],
    'Peripheral sensory neuropathy': [1, 4],
    Seizure: [1, 5],
    Somnolence: [1, 5],
    Syncope: [3, 3],
    Tremor: [1, 3],
  },
  'Psychiatric disorders': {
    Insomnia: [1, 3],
  },
  'Renal and urinary disorders': {
    'Acute kidney injury': [3, 5],
  },
  'Respiratory, thoracic and mediastinal disorders': {
    'Adult respiratory distress syndrome': [3, 5],
    Cough: [1, 3],
    Dyspnea: [1, 5],
    Hypoxia: [2, 5],
    'Pleural effusion': [1, 5],
    Pneumonitis: [1, 5],
    'Pulmonary edema': [1, 5],
    'Respiratory failure': [4, 5],
  },
  'Skin and subcutaneous tissue disorders': {
    Alopecia: [1, 2],
    Pruritus: [1, 3],
    'Rash maculo-papular': [1, 3],
  },
  'Vascular disorders': {
    Hypertension: [1, 5],
    Hypotension: [1, 5],
    'Thromboembolic event': [1, 5],
  },
};

export interface CtcaeTerm {
  /** The term as CTCAE v5.0 spells it. */
  term: string;
  /** Its MedDRA system organ class. */
  soc: string;
  lowestGrade: number;
  highestGrade: number;
}

const key = (term: string) => term.trim().replace(/\s+/g, ' ').toLowerCase();

const BY_KEY = new Map<string, CtcaeTerm>(
  Object.entries(CTCAE_V5_TERMS).flatMap(([soc, terms]) =>
    Object.entries(terms).map(([term, [lowestGrade, highestGrade]]) => [key(term), { term, soc, lowestGrade, highestGrade }] as const),
  ),
);

/** Every term of the table, in the order CTCAE v5.0 lists them (by SOC, then term). */
export const CTCAE_V5_TERM_LIST: readonly CtcaeTerm[] = [...BY_KEY.values()];

/** A CTCAE v5.0 term, matched regardless of case and spacing; undefined for a term the table does not list. */
export function ctcaeTerm(term: string): CtcaeTerm | undefined {
  return BY_KEY.get(key(term));
}

/**
 * Why CTCAE v5.0 has no such grade for the term, in a sentence the site can act on; undefined when
 * the grade exists, or when the term is not in the table (graded on the general scale 1–5).
 */
export function ctcaeGradeProblem(term: string, grade: number): string | undefined {
  const known = ctcaeTerm(term);
  if (!known || (grade >= known.lowestGrade && grade <= known.highestGrade)) return undefined;
  const grades = known.lowestGrade === known.highestGrade ? `grade ${known.lowestGrade} only` : `grades ${known.lowestGrade}–${known.highestGrade}`;
  const bound = grade > known.highestGrade ? `the highest is ${known.highestGrade}` : `the lowest is ${known.lowestGrade}`;
  return `${known.term}: CTCAE v5.0 has no grade ${grade} for ${known.term} (it has ${grades}; ${bound})`;
}
