import { CTCAE_V5_TERM_LIST, ctcaeGradeProblem, ctcaeTerm } from './ctcae-terms';
import { adverseEventRefusals, type AdverseEventReport } from './ctcae';
import { EXPECTED_AFTER_CAR_T } from '../common/expected-events';

/** Grades each term has in the CTCAE v5.0 table ("–" for the others), as the table prints them. */
const grades = (term: string) => [1, 2, 3, 4, 5].filter((grade) => ctcaeGradeProblem(term, grade) === undefined);

/**
 * The rows of the CTCAE v5.0 term table (CTCAE_v5.0_2017-11-27.xlsx) the engine lists, as the table
 * prints them: each system organ class, then each term with its grades 1 to 5, "–" where the table
 * has no such grade. Read row by row against the published table; the module must say the same.
 */
const PRINTED_TABLE = `
  Blood and lymphatic system disorders
    Anemia                                            1  2  3  4  5
    Disseminated intravascular coagulation            –  2  3  4  5
    Febrile neutropenia                               –  –  3  4  5
  Cardiac disorders
    Atrial fibrillation                               1  2  3  4  5
    Cardiac arrest                                    –  –  –  4  5
    Heart failure                                     1  2  3  4  5
    Left ventricular systolic dysfunction             –  –  3  4  5
    Sinus tachycardia                                 1  2  3  –  –
  Gastrointestinal disorders
    Abdominal pain                                    1  2  3  –  –
    Colitis                                           1  2  3  4  5
    Constipation                                      1  2  3  4  5
    Diarrhea                                          1  2  3  4  5
    Mucositis oral                                    1  2  3  4  5
    Nausea                                            1  2  3  –  –
    Vomiting                                          1  2  3  4  5
  General disorders and administration site conditions
    Chills                                            1  2  3  –  –
    Death NOS                                         –  –  –  –  5
    Edema limbs                                       1  2  3  –  –
    Fatigue                                           1  2  3  –  –
    Fever                                             1  2  3  4  5
    Flu like symptoms                                 1  2  3  –  –
    Malaise                                           1  2  –  –  –
    Multi-organ failure                               –  –  3  4  5
    Pain                                              1  2  3  –  –
  Hepatobiliary disorders
    Hepatic failure                                   –  –  3  4  5
  Immune system disorders
    Allergic reaction                                 1  2  3  4  5
    Anaphylaxis                                       –  –  3  4  5
    Cytokine release syndrome                         1  2  3  4  5
  Infections and infestations
    Lung infection                                    –  2  3  4  5
    Sepsis                                            –  –  –  4  5
    Upper respiratory infection                       –  2  3  4  5
  Injury, poisoning and procedural complications
    Infusion related reaction                         1  2  3  4  5
  Investigations
    Activated partial thromboplastin time prolonged   1  2  3  –  –
    Alanine aminotransferase increased                1  2  3  4  –
    Alkaline phosphatase increased                    1  2  3  4  –
    Aspartate aminotransferase increased              1  2  3  4  –
    Blood bilirubin increased                         1  2  3  4  –
    Creatinine increased                              1  2  3  4  –
    Ejection fraction decreased                       –  2  3  4  –
    Fibrinogen decreased                              1  2  3  4  –
    GGT increased                                     1  2  3  4  –
    INR increased                                     1  2  3  –  –
    Lymphocyte count decreased                        1  2  3  4  –
    Neutrophil count decreased                        1  2  3  4  –
    Platelet count decreased                          1  2  3  4  –
    Weight loss                                       1  2  3  –  –
    White blood cell decreased                        1  2  3  4  –
  Metabolism and nutrition disorders
    Anorexia                                          1  2  3  4  5
    Hyperglycemia                                     1  2  3  4  5
    Hypocalcemia                                      1  2  3  4  5
    Hypokalemia                                       1  2  3  4  5
    Hypomagnesemia                                    1  2  3  4  5
    Hyponatremia                                      1  2  3  4  5
    Hypophosphatemia                                  1  2  3  4  5
    Tumor lysis syndrome                              –  –  3  4  5
  Musculoskeletal and connective tissue disorders
    Arthralgia                                        1  2  3  –  –
    Back pain                                         1  2  3  –  –
    Myalgia                                           1  2  3  –  –
  Nervous system disorders
    Aphasia                                           1  2  3  –  –
    Ataxia                                            1  2  3  –  –
    Cerebral edema                                    –  –  –  4  5
    Cognitive disturbance                             1  2  3  –  –
    Depressed level of consciousness                  1  2  3  4  5
    Dizziness                                         1  2  3  –  –
    Dysarthria                                        1  2  3  –  –
    Dysphasia                                         1  2  3  –  –
    Encephalopathy                                    1  2  3  4  5
    Headache                                          1  2  3  –  –
    Memory impairment                                 1  2  3  –  –
    Peripheral sensory neuropathy                     1  2  3  4  –
    Seizure                                           1  2  3  4  5
    Somnolence                                        1  2  3  4  5
    Syncope                                           –  –  3  –  –
    Tremor                                            1  2  3  –  –
  Psychiatric disorders
    Insomnia                                          1  2  3  –  –
  Renal and urinary disorders
    Acute kidney injury                               –  –  3  4  5
  Respiratory, thoracic and mediastinal disorders
    Adult respiratory distress syndrome               –  –  3  4  5
    Cough                                             1  2  3  –  –
    Dyspnea                                           1  2  3  4  5
    Hypoxia                                           –  2  3  4  5
    Pleural effusion                                  1  2  3  4  5
    Pneumonitis                                       1  2  3  4  5
    Pulmonary edema                                   1  2  3  4  5
    Respiratory failure                               –  –  –  4  5
  Skin and subcutaneous tissue disorders
    Alopecia                                          1  2  –  –  –
    Pruritus                                          1  2  3  –  –
    Rash maculo-papular                               1  2  3  –  –
  Vascular disorders
    Hypertension                                      1  2  3  4  5
    Hypotension                                       1  2  3  4  5
    Thromboembolic event                              1  2  3  4  5
`;

function printedTable(): { term: string; soc: string; lowestGrade: number; highestGrade: number }[] {
  const rows: { term: string; soc: string; lowestGrade: number; highestGrade: number }[] = [];
  let soc = '';
  for (const line of PRINTED_TABLE.split('\n').filter((l) => l.trim() !== '')) {
    if (!line.startsWith('    ')) {
      soc = line.trim();
      continue;
    }
    const cells = line.trim().split(/\s{2,}/);
    const grades = cells.slice(1).flatMap((cell) => (cell === '–' ? [] : [Number(cell)]));
    rows.push({ term: cells[0], soc, lowestGrade: Math.min(...grades), highestGrade: Math.max(...grades) });
  }
  return rows;
}

describe('the CTCAE v5.0 term table', () => {
  it('holds exactly the printed rows, in the printed order, with their system organ class', () => {
    expect(CTCAE_V5_TERM_LIST).toEqual(printedTable());
  });

  it('finds each printed row by its term, and refuses exactly the grades printed "–"', () => {
    for (const row of printedTable()) {
      expect(ctcaeTerm(row.term)).toEqual(row);
      for (const grade of [1, 2, 3, 4, 5]) {
        const exists = grade >= row.lowestGrade && grade <= row.highestGrade;
        expect([row.term, grade, ctcaeGradeProblem(row.term, grade) === undefined]).toEqual([row.term, grade, exists]);
      }
    }
  });
});

describe('CTCAE v5.0 grades per term', () => {
  it.each([
    ['Nausea', [1, 2, 3]],
    ['Fatigue', [1, 2, 3]],
    ['Alopecia', [1, 2]],
    ['Headache', [1, 2, 3]],
    ['Malaise', [1, 2]],
    ['Hepatic failure', [3, 4, 5]],
    ['Febrile neutropenia', [3, 4, 5]],
    ['Acute kidney injury', [3, 4, 5]],
    ['Tumor lysis syndrome', [3, 4, 5]],
    ['Hypoxia', [2, 3, 4, 5]],
    ['Lung infection', [2, 3, 4, 5]],
    ['Neutrophil count decreased', [1, 2, 3, 4]],
    ['Platelet count decreased', [1, 2, 3, 4]],
    ['Alanine aminotransferase increased', [1, 2, 3, 4]],
    ['INR increased', [1, 2, 3]],
    ['Cerebral edema', [4, 5]],
    ['Sepsis', [4, 5]],
    ['Syncope', [3]],
    ['Death NOS', [5]],
    ['Cytokine release syndrome', [1, 2, 3, 4, 5]],
    ['Fever', [1, 2, 3, 4, 5]],
    ['Encephalopathy', [1, 2, 3, 4, 5]],
    ['Anemia', [1, 2, 3, 4, 5]],
  ])('%s has grades %p', (term, expected) => {
    expect(grades(term)).toEqual(expected);
  });

  it('names the term, the grade and the highest grade when the grade is above the term', () => {
    expect(ctcaeGradeProblem('Nausea', 4)).toBe('Nausea: CTCAE v5.0 has no grade 4 for Nausea (it has grades 1–3; the highest is 3)');
    expect(ctcaeGradeProblem('Fatigue', 4)).toBe('Fatigue: CTCAE v5.0 has no grade 4 for Fatigue (it has grades 1–3; the highest is 3)');
    expect(ctcaeGradeProblem('Alopecia', 3)).toBe('Alopecia: CTCAE v5.0 has no grade 3 for Alopecia (it has grades 1–2; the highest is 2)');
  });

  it('names the lowest grade when the grade is below the term, and a single grade as such', () => {
    expect(ctcaeGradeProblem('Hepatic failure', 2)).toBe('Hepatic failure: CTCAE v5.0 has no grade 2 for Hepatic failure (it has grades 3–5; the lowest is 3)');
    expect(ctcaeGradeProblem('Syncope', 4)).toBe('Syncope: CTCAE v5.0 has no grade 4 for Syncope (it has grade 3 only; the highest is 3)');
    expect(ctcaeGradeProblem('Death NOS', 4)).toBe('Death NOS: CTCAE v5.0 has no grade 4 for Death NOS (it has grade 5 only; the lowest is 5)');
  });

  it('matches a term regardless of case and spacing, and names it as CTCAE spells it', () => {
    expect(ctcaeTerm('  nausea ')).toEqual({ term: 'Nausea', soc: 'Gastrointestinal disorders', lowestGrade: 1, highestGrade: 3 });
    expect(ctcaeTerm('ALANINE  aminotransferase   increased')?.term).toBe('Alanine aminotransferase increased');
    expect(ctcaeGradeProblem('NAUSEA', 4)).toMatch(/^Nausea: CTCAE v5.0 has no grade 4 for Nausea/);
    // the words of a term are kept apart: a term run together is not the term
    expect(ctcaeTerm('Heartfailure')).toBeUndefined();
    expect(ctcaeTerm('Hepatic  failure')?.term).toBe('Hepatic failure');
  });

  it('grades a term it does not list on the general scale 1–5', () => {
    expect(ctcaeTerm('Pneumonia')).toBeUndefined();
    expect(grades('Pneumonia')).toEqual([1, 2, 3, 4, 5]);
    expect(grades('Immune effector cell-associated neurotoxicity syndrome')).toEqual([1, 2, 3, 4, 5]);
  });

  it('lists every term once, with its system organ class and a range inside 1–5', () => {
    const names = CTCAE_V5_TERM_LIST.map((t) => t.term.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
    for (const t of CTCAE_V5_TERM_LIST) {
      expect(t.soc).not.toBe('');
      expect(1 <= t.lowestGrade && t.lowestGrade <= t.highestGrade && t.highestGrade <= 5).toBe(true);
    }
  });

  it('lists the terms the protocols expect after CAR-T cells, and those the simulator reports', () => {
    const simulated = [
      'Cytokine release syndrome',
      'Alanine aminotransferase increased',
      'Acute kidney injury',
      'Tumor lysis syndrome',
      'Atrial fibrillation',
      'Neutrophil count decreased',
      'Platelet count decreased',
      'Anemia',
      'Febrile neutropenia',
      'Infusion related reaction',
      'Fatigue',
      'Nausea',
      'Headache',
      'Hypokalemia',
      'Lung infection',
      'Upper respiratory infection',
    ];
    const expected = [EXPECTED_AFTER_CAR_T.infusionReaction, EXPECTED_AFTER_CAR_T.fever, EXPECTED_AFTER_CAR_T.crs].map((e) => e.term);
    for (const term of [...simulated, ...expected]) expect(ctcaeTerm(term)).toBeDefined();
  });
});

describe('a reported CTCAE grade the term does not have', () => {
  const report = (term: string, grade: number): AdverseEventReport => ({ term, grade, onset: '2026-01-10', related: true, serious: false });

  it.each([
    ['Nausea', 4],
    ['Fatigue', 4],
    ['Alopecia', 3],
    ['Fatigue', 5],
    ['Hepatic failure', 2],
  ])('is refused: %s grade %p', (term, grade) => {
    expect(adverseEventRefusals(report(term, grade), 40)).toEqual([expect.stringContaining(`has no grade ${grade} for ${term}`)]);
  });

  it.each([
    ['Nausea', 3],
    ['Fatigue', 3],
    ['Alopecia', 2],
    ['Hepatic failure', 3],
    ['Fever', 5],
    ['Pneumonia', 5],
  ])('is not: %s grade %p', (term, grade) => {
    expect(adverseEventRefusals(report(term, grade), 40)).toEqual([]);
  });
});
