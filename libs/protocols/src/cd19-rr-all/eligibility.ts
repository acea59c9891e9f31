import {
  allOf,
  anyOf,
  attestation,
  conditionPresent,
  diagnosisIs,
  exclusion,
  flagIs,
  inclusion,
  markerPositive,
  numberAbove,
  numberAtLeast,
  numberAtMost,
  numberBelow,
  onlyForSex,
  attestationStatements,
} from '../rules/eligibility';
import type { Attestation, Criterion } from '../rules/eligibility';

/**
 * Eligibility of "CAR-T Cell Therapy Targeting to CD19 for R/R ALL" (seed 002), every inclusion and
 * exclusion criterion of the trial record, in its own words. Judgement calls the record leaves to
 * the investigator are attestations carried by ELIGIBILITY_CONFIRMED.
 */

const survivalOver3Months: Attestation = {
  id: 'estimated-survival-over-3-months',
  statement: "The patient's estimated survival is longer than 3 months",
};
const toleratesChemotherapy: Attestation = {
  id: 'tolerates-immunosuppressive-chemotherapy',
  statement: 'The patient is not intolerant to immunosuppressive chemotherapies',
};
const noUncontrolledComplications: Attestation = {
  id: 'no-uncontrolled-complications',
  statement: 'The patient has no uncontrolled complications',
};
const noOtherContraindications: Attestation = {
  id: 'no-other-contraindications',
  statement: 'The patient has no other contraindication that makes participation in this trial inappropriate',
};

/** The attestations this protocol's eligibility sign-off may carry: id → what the investigator attests. */
export const cd19AttestationIds: Record<string, string> = attestationStatements([
  survivalOver3Months,
  toleratesChemotherapy,
  noUncontrolledComplications,
  noOtherContraindications,
]);

export const cd19Eligibility: Criterion[] = [
  // ---- Inclusion -----------------------------------------------------------------------------
  inclusion('cd19-positive-b-all', 'Diagnosed as CD19+ B-cell acute lymphoblastic leukemia', allOf([diagnosisIs(['B-ALL']), markerPositive('CD19')])),
  // Read as two alternatives: refractory disease (no remission), or residual disease that persists
  // after at least 2 consolidation cycles. The cycle count qualifies the residual disease only: a
  // refractory patient never reached the remission that consolidation follows.
  inclusion(
    'no-remission-or-persistent-residual-disease',
    'Fail to achieve remission, or with persistent residual disease after at least 2 cycles of consolidation',
    anyOf([
      flagIs({
        path: 'remissionAchieved',
        expected: false,
        label: 'whether remission was achieved',
        whenTrue: 'remission was achieved',
        whenFalse: 'remission was not achieved',
      }),
      allOf([
        flagIs({
          path: 'mrdPositive',
          expected: true,
          label: 'residual disease (MRD)',
          whenTrue: 'residual disease is detectable',
          whenFalse: 'no residual disease is detectable',
        }),
        numberAtLeast({ path: 'consolidationCycles', label: 'consolidation cycles', limit: 2 }),
      ]),
    ]),
  ),
  // The investigator's judgement decides; a recorded life expectancy must agree with it.
  // "Higher than 3 months" is taken as more than 13 weeks (3 months ≈ 91 days).
  attestation(
    'estimated-survival-over-3-months',
    'inclusion',
    "With an estimated survival of higher than 3 months (according to investigator's judgement)",
    survivalOver3Months,
    numberAbove({ path: 'lifeExpectancyWeeks', label: 'life expectancy', unit: 'weeks', limit: 13 }),
  ),
  inclusion(
    'organ-function-lvef',
    'Sufficient organ function: left ventricular ejection fractions≥ 0.5 by echocardiography',
    numberAtLeast({ path: 'labs.lvef', label: 'left ventricular ejection fraction', limit: 0.5 }),
  ),
  inclusion(
    'organ-function-creatinine',
    'Sufficient organ function: creatinine < 1.6 mg/dL',
    numberBelow({ path: 'labs.creatinineMgDl', label: 'creatinine', unit: 'mg/dL', limit: 1.6 }),
  ),
  // The record writes "aspartate aminotransferase/aspartate aminotransferase"; it means AST/ALT
  // (aspartate and alanine aminotransferase), the usual pair of liver transaminases, both < 3 × ULN.
  inclusion(
    'organ-function-ast-alt',
    'Sufficient organ function: aspartate aminotransferase/aspartate aminotransferase < 3 x upper limit of normal',
    allOf([numberBelow({ path: 'labs.astXUln', label: 'AST', unit: '× ULN', limit: 3 }), numberBelow({ path: 'labs.altXUln', label: 'ALT', unit: '× ULN', limit: 3 })]),
  ),
  inclusion(
    'organ-function-bilirubin',
    'Sufficient organ function: bilirubin <2.0 mg/dL',
    numberBelow({ path: 'labs.bilirubinMgDl', label: 'bilirubin', unit: 'mg/dL', limit: 2 }),
  ),
  inclusion(
    'performance-status',
    'Karnofsky performance status ≥ 60 or ECOG ≤ 2',
    anyOf([numberAtLeast({ path: 'karnofsky', label: 'Karnofsky performance status', limit: 60 }), numberAtMost({ path: 'ecog', label: 'ECOG', limit: 2 })]),
  ),

  // ---- Exclusion -----------------------------------------------------------------------------
  attestation('intolerant-to-immunosuppressive-chemotherapy', 'exclusion', 'Intolerant to immunosuppressive chemotherapies', toleratesChemotherapy),
  exclusion('active-infection', 'With active infection', conditionPresent('activeInfection', 'an active infection')),
  attestation('uncontrolled-complications', 'exclusion', 'With … other uncontrolled complications', noUncontrolledComplications),
  exclusion('seizure-history', 'With history of seizure', conditionPresent('seizureHistory', 'a history of seizure')),
  // "… and HIV infection": any one of the three excludes.
  exclusion(
    'active-hepatitis-or-hiv',
    'Active hepatitis B or hepatitis C infection and HIV infection',
    anyOf([
      conditionPresent('hepatitisB', 'active hepatitis B infection'),
      conditionPresent('hepatitisC', 'active hepatitis C infection'),
      conditionPresent('hiv', 'HIV infection'),
    ]),
  ),
  exclusion(
    'pregnant-or-lactating',
    'Pregnant or lactating women',
    onlyForSex(['female'], anyOf([conditionPresent('pregnant', 'pregnancy'), conditionPresent('lactating', 'lactation')])),
  ),
  // Contraception is asked of every patient, whatever their sex.
  exclusion(
    'refuses-contraception',
    'patients refusing to take effective contraception measures',
    flagIs({
      path: 'contraceptionAgreed',
      expected: false,
      label: 'agreement to take effective contraception',
      whenTrue: 'the patient agrees to take effective contraception',
      whenFalse: 'the patient refuses to take effective contraception',
    }),
  ),
  attestation(
    'other-contraindications',
    'exclusion',
    "Other contraindications that considered inappropriate to participate in this trial (according to investigator's judgement)",
    noOtherContraindications,
  ),
];
