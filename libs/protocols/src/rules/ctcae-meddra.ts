import { ctcaeTerm } from './ctcae-terms';

/**
 * The MedDRA code CTCAE v5.0 publishes beside each of its terms (NCI, CTCAE v5.0, November 27, 2017,
 * term table CTCAE_v5.0_2017-11-27.xlsx, column "MedDRA Code"; MedDRA version 20.1). "Each CTCAE v5.0
 * term is a MedDRA LLT (Lowest Level Term)" (CTCAE v5.0, Introduction): the code is the term's LLT
 * code. The PT it sits under is not given by CTCAE and is often another term with its own code
 * (LLT "Fever" is PT "Pyrexia"), so the engine, which ships no MedDRA dictionary, exports no PT.
 *
 * (HL7 CodeX Radiation Therapy IG, ValueSet codexrt-radiotherapy-adverse-event-termVS: "Each CTCAE
 * term is a MedDRA LLT … The value set is CTCAE 5.0 and corresponds to MedDRA version 20.1".)
 *
 * The table holds every term of CTCAE_V5_TERMS (ctcae-terms.ts) that CTCAE v5.0 lists, checked term
 * by term against the v5.0 table as transcribed with its codes (github.com/oncohub/CTCAE5,
 * ctcaev5.js, all 837 terms) and spot-checked against mycsg.in/ctcae.php (Anemia 10002272) and the
 * HL7 CTC Adverse Events IG examples (Anemia 10002272 in MedDRA 20). Two terms of
 * CTCAE_V5_TERMS are not CTCAE v5.0 terms and have no code here: "Aphasia" (v5.0 has Dysphasia) and
 * "Cerebral edema" (v5.0 spells it "Edema cerebral"). Immune effector cell-associated neurotoxicity
 * syndrome (ICANS) is not a CTCAE v5.0 term either: it is graded on the ASTCT scale and exported
 * under its own words, without a code.
 */
export const CTCAE_V5_MEDDRA_CODES: Readonly<Record<string, string>> = {
  Anemia: '10002272',
  'Disseminated intravascular coagulation': '10013442',
  'Febrile neutropenia': '10016288',
  'Atrial fibrillation': '10003658',
  'Cardiac arrest': '10007515',
  'Heart failure': '10019279',
  'Left ventricular systolic dysfunction': '10069501',
  'Sinus tachycardia': '10040752',
  'Abdominal pain': '10000081',
  Colitis: '10009887',
  Constipation: '10010774',
  Diarrhea: '10012727',
  'Mucositis oral': '10028130',
  Nausea: '10028813',
  Vomiting: '10047700',
  Chills: '10008531',
  'Death NOS': '10011914',
  'Edema limbs': '10050068',
  Fatigue: '10016256',
  Fever: '10016558',
  'Flu like symptoms': '10016791',
  Malaise: '10025482',
  'Multi-organ failure': '10028154',
  Pain: '10033371',
  'Hepatic failure': '10019663',
  'Allergic reaction': '10001718',
  Anaphylaxis: '10002218',
  'Cytokine release syndrome': '10052015',
  'Lung infection': '10061229',
  Sepsis: '10040047',
  'Upper respiratory infection': '10046300',
  'Infusion related reaction': '10051792',
  'Activated partial thromboplastin time prolonged': '10000636',
  'Alanine aminotransferase increased': '10001551',
  'Alkaline phosphatase increased': '10001675',
  'Aspartate aminotransferase increased': '10003481',
  'Blood bilirubin increased': '10005364',
  'Creatinine increased': '10011368',
  'Ejection fraction decreased': '10050528',
  'Fibrinogen decreased': '10016596',
  'GGT increased': '10056910',
  'INR increased': '10022402',
  'Lymphocyte count decreased': '10025256',
  'Neutrophil count decreased': '10029366',
  'Platelet count decreased': '10035528',
  'Weight loss': '10047900',
  'White blood cell decreased': '10049182',
  Anorexia: '10002646',
  Hyperglycemia: '10020639',
  Hypocalcemia: '10020949',
  Hypokalemia: '10021018',
  Hypomagnesemia: '10021028',
  Hyponatremia: '10021038',
  Hypophosphatemia: '10021059',
  'Tumor lysis syndrome': '10045152',
  Arthralgia: '10003239',
  'Back pain': '10003988',
  Myalgia: '10028411',
  Ataxia: '10003591',
  'Cognitive disturbance': '10009845',
  'Depressed level of consciousness': '10012373',
  Dizziness: '10013573',
  Dysarthria: '10013887',
  Dysphasia: '10013951',
  Encephalopathy: '10014625',
  Headache: '10019211',
  'Memory impairment': '10027175',
  'Peripheral sensory neuropathy': '10034620',
  Seizure: '10039906',
  Somnolence: '10041349',
  Syncope: '10042772',
  Tremor: '10044565',
  Insomnia: '10022437',
  'Acute kidney injury': '10069339',
  'Adult respiratory distress syndrome': '10001409',
  Cough: '10011224',
  Dyspnea: '10013963',
  Hypoxia: '10021143',
  'Pleural effusion': '10035598',
  Pneumonitis: '10035742',
  'Pulmonary edema': '10037375',
  'Respiratory failure': '10038695',
  Alopecia: '10001760',
  Pruritus: '10037087',
  'Rash maculo-papular': '10037868',
  Hypertension: '10020772',
  Hypotension: '10021097',
  'Thromboembolic event': '10043565',
};

export interface CtcaeMeddraTerm {
  /** The term as CTCAE v5.0 spells it (a MedDRA LLT). */
  term: string;
  /** Its MedDRA LLT code, as CTCAE v5.0 lists it. */
  code: string;
  /** Its primary MedDRA system organ class, as CTCAE v5.0 groups it. */
  soc: string;
}

/**
 * The CTCAE v5.0 term and MedDRA code of a reported term, matched regardless of case and spacing;
 * undefined for a term CTCAE v5.0 does not list (or that the table above does not hold), which is
 * then exported under its own words only: a code is never guessed.
 */
export function ctcaeMeddraTerm(reported: string): CtcaeMeddraTerm | undefined {
  const known = ctcaeTerm(reported);
  const code = known && Object.hasOwn(CTCAE_V5_MEDDRA_CODES, known.term) ? CTCAE_V5_MEDDRA_CODES[known.term] : undefined;
  return known && code ? { term: known.term, code, soc: known.soc } : undefined;
}
