import {
  ageBetween,
  allOf,
  anyOf,
  attestation,
  conditionPresent,
  diagnosisIs,
  exclusion,
  flagIs,
  inclusion,
  markerPositive,
  numberAtLeast,
  numberAtMost,
  numberBelow,
  onlyForSex,
  andThen,
  attestationStatements,
} from '../rules/eligibility';
import type { Attestation, Condition, Criterion, Finding } from '../rules/eligibility';
import type { ScreeningCondition } from '../rules/screening-data';

/**
 * Eligibility of NCT03754764, "A Feasibility and Safety Study of CD38 CAR-T Cell Immunotherapy for
 * Relapsed B-cell Acute Lymphoblastic Leukemia After CD19 CAR-T Adoptive Cellular Immunotherapy"
 * (seeds 000 and 001; 001 carries the criteria): every inclusion and exclusion criterion of the
 * trial record, in its own words. Judgement calls are attestations carried by ELIGIBILITY_CONFIRMED.
 */

export const cd38EligibilityAssumptions: string[] = [
  "Inclusion 1 'Male or female participant' restricts nothing (the record's Sex: All): it is met for every registered sex.",
  "'Relapsed … after CD19 CAR-T' is read as: diagnosis B-ALL, CD38 recorded positive, the disease recorded as relapsed, and a prior CD19 CAR-T recorded. CD19 loss is the trial's rationale, not a criterion, so CD19 status is not checked.",
  "Seed 000's objective speaks of 'relapsed or refractory leukemia and lymphoma'; eligibility follows the title and seed 001's criteria: relapsed B-ALL after CD19 CAR-T.",
  "Life expectancy ≥ 12 weeks is the investigator's judgement (attested); a recorded life expectancy must also be at least 12 weeks.",
  "'Adequate organ function' gives no numbers, so it is the investigator's judgement (attested). Recorded values are also held to the limits of the CD19 R/R ALL trial in this engine (seed 002): creatinine < 1.6 mg/dL, bilirubin < 2.0 mg/dL, AST and ALT < 3 × ULN, LVEF ≥ 0.5. A lab that is not recorded does not block the attestation.",
  'Acute GVHD is graded with either scale: one recorded grade clears it; a grade II–IV (Glucksberg) or B–D (IBMTR) on either scale excludes. Limited chronic GVHD does not exclude.',
  "'Within the last 30 days prior to screening' excludes a last investigational product 30 days or fewer before screening; 31 days or more is eligible. A CD19 CAR-T given as an investigational product counts towards this washout.",
  'Exclusion 9 (previous investigational gene or cell therapy) does not count the CD19 CAR-T after which the patient relapsed, since inclusion 3 requires it; any other gene or cell therapy product excludes. Stem cell transplantation and donor lymphocyte infusion are not investigational products here (the GVHD exclusion presumes transplanted patients).',
  "'Severe active infection' is recorded by the site as one condition that already leaves out uncomplicated urinary tract infection, bacterial pharyngitis and prophylactic antimicrobial treatment.",
  'Pregnancy and nursing are asked of female patients only, as in the CD19 trial.',
];

// ---------------------------------------------------------------------------------------------
// Attestations
// ---------------------------------------------------------------------------------------------

const lifeExpectancy12Weeks: Attestation = {
  id: 'life-expectancy-at-least-12-weeks',
  statement: "The patient's estimated life expectancy is at least 12 weeks",
};
const adequateOrganFunction: Attestation = {
  id: 'adequate-organ-function',
  statement: 'The patient has adequate organ function',
};

/** The attestations this protocol's eligibility sign-off may carry: id → what the investigator attests. */
export const cd38AttestationIds: Record<string, string> = attestationStatements([lifeExpectancy12Weeks, adequateOrganFunction]);

// ---------------------------------------------------------------------------------------------
// Conditions this trial needs beyond the shared builder
// ---------------------------------------------------------------------------------------------

/** Holds for every patient: the trial admits any sex. */
const anySex: Condition = {
  rule: 'any sex',
  find: ({ patient }) => ({ status: 'holds', statement: `the trial admits any sex (the patient's sex is ${patient.sex})` }),
};

/**
 * A recorded condition has the expected value, said in words either way: `flagIs` for a condition in
 * `conditions` (the shared builder's `conditionPresent` only asks for presence).
 */
function conditionIs(spec: { condition: ScreeningCondition; expected: boolean; label: string; whenTrue: string; whenFalse: string }): Condition {
  return {
    rule: spec.expected ? spec.whenTrue : spec.whenFalse,
    find: ({ screening }) => {
      const value = screening.conditions?.[spec.condition];
      if (value === undefined) return { status: 'unknown', missing: [`${spec.label} has not been recorded`], failing: [] };
      const statement = value ? spec.whenTrue : spec.whenFalse;
      return { status: value === spec.expected ? 'holds' : 'fails', statement };
    },
  };
}

const ROMAN = ['0', 'I', 'II', 'III', 'IV'] as const;

/**
 * Grade II–IV (Glucksberg) or B–D (IBMTR) acute GVHD, or extensive chronic GVHD. Sites grade acute
 * GVHD with one scale or the other: one recorded grade is enough to clear it, and an excluding grade
 * on either scale excludes.
 */
const excludingGvhd: Condition = {
  rule: 'acute GVHD grade II–IV (Glucksberg) or B–D (IBMTR), or extensive chronic GVHD',
  find: ({ screening }): Finding => {
    const { acuteGlucksbergGrade: grade, acuteIbmtrIndex: index, chronic } = screening.gvhd ?? {};
    const present = [
      ...(grade !== undefined && grade >= 2 ? [`acute GVHD grade ${ROMAN[grade]} (Glucksberg) is within grades II–IV`] : []),
      ...(index === 'B' || index === 'C' || index === 'D' ? [`acute GVHD index ${index} (IBMTR) is within B–D`] : []),
      ...(chronic === 'extensive' ? ['extensive chronic GVHD is recorded'] : []),
    ];
    if (present.length) return { status: 'holds', statement: joinClauses(present) };
    const missing = [
      ...(grade === undefined && index === undefined ? ['the acute GVHD grade (Glucksberg or IBMTR) has not been recorded'] : []),
      ...(chronic === undefined ? ['chronic GVHD has not been recorded'] : []),
    ];
    if (missing.length) return { status: 'unknown', missing, failing: [] };
    const acute = grade !== undefined ? `acute GVHD grade ${ROMAN[grade]} (Glucksberg)` : `acute GVHD index ${index} (IBMTR)`;
    return { status: 'fails', statement: `${acute} is below the excluding grades and chronic GVHD is ${chronic}, not extensive` };
  },
};

/** "a", "a and b", "a, b and c". */
function joinClauses(clauses: readonly string[]): string {
  return clauses.length <= 1 ? clauses.join('') : `${clauses.slice(0, -1).join(', ')} and ${clauses[clauses.length - 1]}`;
}

// ---------------------------------------------------------------------------------------------
// Criteria
// ---------------------------------------------------------------------------------------------

export const cd38Eligibility: Criterion[] = [
  // ---- Inclusion -----------------------------------------------------------------------------
  inclusion('male-or-female', 'Male or female participant', anySex),
  inclusion('age-12-to-70', '12 Years to 70 Years (Child, Adult, Senior)', ageBetween(12, 70)),
  // The CD19 CAR-T is what this trial requires; exclusion 9 therefore leaves it out (see below).
  inclusion(
    'relapsed-cd38-positive-b-all-after-cd19-car-t',
    'Patient with relapsed CD38+ B-cell acute lymphoblastic leukemia after CD19 CAR-T adoptive cellular immunotherapy',
    allOf([
      diagnosisIs(['B-ALL']),
      markerPositive('CD38'),
      flagIs({
        path: 'relapsed',
        expected: true,
        label: 'whether the disease has relapsed',
        whenTrue: 'the disease has relapsed',
        whenFalse: 'the disease has not relapsed',
      }),
      flagIs({
        path: 'priorCd19CarT',
        expected: true,
        label: 'prior CD19 CAR-T therapy',
        whenTrue: 'the patient has received a CD19 CAR-T product',
        whenFalse: 'the patient has not received a CD19 CAR-T product',
      }),
    ]),
  ),
  attestation(
    'life-expectancy-at-least-12-weeks',
    'inclusion',
    "Estimated life expectancy ≥ 12 weeks (according to investigator's judgement)",
    lifeExpectancy12Weeks,
    numberAtLeast({ path: 'lifeExpectancyWeeks', label: 'life expectancy', unit: 'weeks', limit: 12 }),
  ),
  inclusion('ecog-at-most-1', 'Eastern Cooperative Oncology Group (ECOG) performance status ≤ 1', numberAtMost({ path: 'ecog', label: 'ECOG', limit: 1 })),
  // Assumption: the record gives no numbers, so the investigator attests; recorded labs are held to
  // the CD19 R/R ALL trial's limits (seed 002), and an unrecorded lab does not block the attestation.
  attestation(
    'adequate-organ-function',
    'inclusion',
    'Adequate organ function',
    adequateOrganFunction,
    allOf([
      numberBelow({ path: 'labs.creatinineMgDl', label: 'creatinine', unit: 'mg/dL', limit: 1.6 }),
      numberBelow({ path: 'labs.bilirubinMgDl', label: 'bilirubin', unit: 'mg/dL', limit: 2 }),
      numberBelow({ path: 'labs.astXUln', label: 'AST', unit: '× ULN', limit: 3 }),
      numberBelow({ path: 'labs.altXUln', label: 'ALT', unit: '× ULN', limit: 3 }),
      numberAtLeast({ path: 'labs.lvef', label: 'left ventricular ejection fraction', limit: 0.5 }),
    ]),
  ),

  // ---- Exclusion -----------------------------------------------------------------------------
  // The exception is asked only of a patient with a prior malignancy.
  exclusion(
    'prior-malignancy',
    'Prior malignancy, except carcinoma in situ of the skin or cervix treated with curative intent and with no evidence of active disease',
    andThen(
      conditionPresent('priorMalignancy', 'a prior malignancy'),
      conditionIs({
        condition: 'priorMalignancyOnlyCuredInSituSkinOrCervix',
        expected: false,
        label: 'whether the prior malignancy is only a carcinoma in situ of the skin or cervix treated with curative intent',
        whenTrue: 'it is only a carcinoma in situ of the skin or cervix treated with curative intent, with no active disease',
        whenFalse: 'it is not only a carcinoma in situ of the skin or cervix treated with curative intent',
      }),
    ),
  ),
  exclusion(
    'burkitt-or-cml-lymphoid-blast-crisis',
    "Diagnosis of Burkitt's leukemia/lymphoma according to WHO classification or chronic myelogenous leukemia lymphoid blast crisis",
    anyOf([
      conditionPresent('burkittLeukemiaLymphoma', "Burkitt's leukemia/lymphoma"),
      conditionPresent('cmlLymphoidBlastCrisis', 'chronic myelogenous leukemia lymphoid blast crisis'),
    ]),
  ),
  exclusion('richter-syndrome', "Richter's syndrome", conditionPresent('richterSyndrome', "Richter's syndrome")),
  exclusion('gvhd', 'Presence of Grade II-IV (Glucksberg) or B-D (IBMTR) acute or extensive chronic GVHD at the time of screening', excludingGvhd),
  exclusion(
    'autoimmune-immunodeficiency-or-immunosuppression',
    'Subjects with any autoimmune disease or any immune deficiency disease or other disease in need of immunosuppressive therapy',
    anyOf([
      conditionPresent('autoimmuneDisease', 'an autoimmune disease'),
      conditionPresent('immunodeficiency', 'an immune deficiency disease'),
      conditionPresent('immunosuppressiveTherapyNeeded', 'a disease in need of immunosuppressive therapy'),
    ]),
  ),
  exclusion(
    'severe-active-infection',
    'Severe active infection (uncomplicated urinary tract infections, bacterial pharyngitis is allowed), Prophylactic antibiotic, antiviral and antifungal treatment is permissible',
    conditionPresent('severeActiveInfection', 'a severe active infection'),
  ),
  exclusion(
    'active-hepatitis-or-hiv',
    'Active hepatitis B, active hepatitis C, or any human immunodeficiency virus (HIV) infection at the time of screening',
    anyOf([conditionPresent('hepatitisB', 'active hepatitis B'), conditionPresent('hepatitisC', 'active hepatitis C'), conditionPresent('hiv', 'HIV infection')]),
  ),
  // Never having had an investigational product clears this without a date; otherwise the washout
  // is counted in days before screening, 30 or fewer excluding.
  exclusion(
    'investigational-product-within-30-days',
    'Patient has an investigational medicinal product within the last 30 days prior to screening',
    allOf([
      flagIs({
        path: 'priorInvestigationalProduct',
        expected: true,
        label: 'prior investigational medicinal products',
        whenTrue: 'the patient has received an investigational medicinal product',
        whenFalse: 'the patient has never received an investigational medicinal product',
      }),
      numberAtMost({
        path: 'daysSinceInvestigationalProduct',
        label: 'time since the last investigational medicinal product',
        unit: 'days',
        limit: 30,
      }),
    ]),
  ),
  // The CD19 CAR-T after which the patient relapsed is what inclusion 3 requires, so it cannot be
  // what this exclusion means. The site records the other products in their own field, and
  // `priorCd19CarT` plays no part here.
  exclusion(
    'prior-gene-or-cell-therapy',
    'Previous treatment with investigational gene or cell therapy medicine products',
    flagIs({
      path: 'priorGeneOrCellTherapyOtherThanCd19CarT',
      expected: true,
      label: 'prior gene or cell therapy other than the CD19 CAR-T',
      whenTrue: 'the patient has received an investigational gene or cell therapy product other than the CD19 CAR-T',
      whenFalse: 'the patient has received no investigational gene or cell therapy product other than the CD19 CAR-T',
    }),
  ),
  exclusion(
    'systemic-steroids',
    'Concurrent use of systemic steroids. Recent or current use of inhaled steroids is not exclusionary',
    conditionPresent('systemicSteroids', 'concurrent use of systemic steroids'),
  ),
  exclusion(
    'pregnant-or-nursing',
    'Pregnant or nursing women',
    onlyForSex(['female'], anyOf([conditionPresent('pregnant', 'pregnancy'), conditionPresent('lactating', 'nursing')])),
  ),
];
