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
  onlyForSex,
  andThen,
  attestationStatements,
} from '../rules/eligibility';
import type { Attestation, Condition, Criterion } from '../rules/eligibility';

/**
 * Eligibility of NCT04546906, "Safety and Efficacy Study of CD22 CAR-T Cells for Relapsed or
 * Refractory Acute Lymphoblastic Leukemia" (seed 003): every inclusion and exclusion criterion of
 * the trial record, in its own words. Judgement calls are attestations carried by
 * ELIGIBILITY_CONFIRMED.
 */

export const cd22EligibilityAssumptions: string[] = [
  'Route 1 (relapse after remission, bone marrow morphological or minimal residual disease relapse) is a recorded relapse, whatever therapy brought the remission.',
  "Route 2 'can not be completely relieved by more than two times of repeated chemotherapy' is read as: not in remission after more than 2 courses (3 or more).",
  "Route 3 is high-risk disease (the site's risk stratification), not in remission after 1 or 2 courses, and the investigator's attestation that the patient is not suitable for re-intensive therapy. The attestation is needed only by a patient who takes this route.",
  'Routes 2 and 3 say "primary"; a relapsed patient qualifies by route 1 anyway, so the routes do not ask again whether the disease relapsed.',
  "'CD22 positive by FCM in bone marrow or peripheral blood' is the recorded CD22 marker, taken from flow cytometry of marrow or blood; CD22 recorded as dim is not positive.",
  'The assessable-lesion criterion applies only to isolated (extramedullary-only) relapse; any other patient meets it.',
  "'The estimated survival time is more than 3 months' is the investigator's judgement (attested); a recorded life expectancy must also be more than 13 weeks (3 months ≈ 91 days), as in the CD19 trial.",
  "'Need to sign informed consent' is an investigator's attestation at the eligibility sign-off. The engine separately refuses ELIGIBILITY_CONFIRMED before CONSENT_SIGNED, which stays the authority on consent.",
  "'Serious cardiac insufficiency', 'severe pulmonary function damaging', 'serious or persistent infection that can not be effectively controlled' and 'serious allergies' carry no numbers: the site records each as present or absent on the investigator's assessment.",
  "'Other malignant tumors' is a recorded other malignancy, past or present, with no exception.",
  "'Severe' in exclusion 5 qualifies the autoimmune disease; any immunodeficiency disease excludes.",
  "'Having pregnancy within 12 months' is read as a pregnancy planned within the next 12 months; pregnancy, lactation and planned pregnancy are asked of female patients only.",
  "Exclusion 10 is the investigator's judgement (attested); a recorded history of serious mental illness or substance abuse or addiction, the record's own examples, excludes as well.",
];

// ---------------------------------------------------------------------------------------------
// Attestations
// ---------------------------------------------------------------------------------------------

const unsuitableForReintensification: Attestation = {
  id: 'not-suitable-for-re-intensive-therapy',
  statement: 'The patient is not suitable for re-intensive therapy after 1–2 courses of chemotherapy',
};
const survivalOver3Months: Attestation = {
  id: 'estimated-survival-over-3-months',
  statement: "The patient's estimated survival time is more than 3 months",
};
const consentSigned: Attestation = {
  id: 'informed-consent-signed',
  statement: 'The patient has signed the informed consent',
};
const noSituationIncreasingRisk: Attestation = {
  id: 'no-situation-increasing-risk',
  statement:
    'The patient has no situation (such as a history of serious mental illness, substance abuse or addiction) that would increase the risks for the subject or affect the results of the study',
};

/** The attestations this protocol's eligibility sign-off may carry: id → what the investigator attests. */
export const cd22AttestationIds: Record<string, string> = attestationStatements([unsuitableForReintensification, survivalOver3Months, consentSigned, noSituationIncreasingRisk]);

// ---------------------------------------------------------------------------------------------
// Conditions this trial needs beyond the shared builder
// ---------------------------------------------------------------------------------------------

/** The investigator attests `attested` with the sign-off: a judgement call inside a structured rule. */
function attestedBy(attested: Attestation): Condition {
  const clause = attested.statement[0].toLowerCase() + attested.statement.slice(1);
  return {
    rule: `investigator attests: ${clause}`,
    find: ({ attestations }) =>
      attestations.includes(attested.id)
        ? { status: 'holds', statement: `the investigator attests that ${clause}` }
        : { status: 'unknown', missing: [`the investigator has not attested that ${clause}`], failing: [] },
  };
}

const notInRemission = flagIs({
  path: 'remissionAchieved',
  expected: false,
  label: 'whether remission was achieved',
  whenTrue: 'complete remission was achieved',
  whenFalse: 'complete remission was not achieved',
});

// ---------------------------------------------------------------------------------------------
// Criteria
// ---------------------------------------------------------------------------------------------

export const cd22Eligibility: Criterion[] = [
  // ---- Inclusion -----------------------------------------------------------------------------
  // The attestation sits inside route 3, so the criterion carries it for the sign-off to publish.
  {
    ...inclusion(
      'relapsed-or-refractory-b-all',
      'Patients with relapsed and refractory acute B-lymphoblastic leukemia who have any of the following: ' +
        '1. B-ALL patients with relapse (including bone marrow morphological relapse 1 and minimal residual relapse 2) after remission by chemotherapy or autologous stem cell transplantation; ' +
        '2. Primary B-ALL patients who can not be completely relieved by more than two times of repeated chemotherapy; ' +
        '3. High risk primary B-ALL patients who have not been relieved but are not suitable for re intensive therapy after 1-2 times of chemotherapy',
      // Route 1 is a relapse; routes 2 and 3 share "not in remission" and differ in the courses given.
      allOf([
        diagnosisIs(['B-ALL']),
        anyOf([
          flagIs({
            path: 'relapsed',
            expected: true,
            label: 'whether the disease has relapsed',
            whenTrue: 'the disease has relapsed',
            whenFalse: 'the disease has not relapsed',
          }),
          allOf([
            notInRemission,
            anyOf([
              numberAbove({ path: 'chemotherapyCourses', label: 'chemotherapy courses', limit: 2 }),
              allOf([
                conditionPresent('highRiskDisease', 'high-risk disease'),
                numberAtLeast({ path: 'chemotherapyCourses', label: 'chemotherapy courses', limit: 1 }),
                numberAtMost({ path: 'chemotherapyCourses', label: 'chemotherapy courses', limit: 2 }),
                attestedBy(unsuitableForReintensification),
              ]),
            ]),
          ]),
        ]),
      ]),
    ),
    attestation: unsuitableForReintensification,
  },
  inclusion('cd22-positive', 'Flow cytometry (FCM) showed CD 22 positive in bone marrow or peripheral blood', markerPositive('CD22')),
  inclusion(
    'assessable-lesion-if-extramedullary-only',
    'There should be at least one assessable lesion in B-ALL patients with simple extramedullary recurrence',
    anyOf([
      flagIs({
        path: 'extramedullaryOnly',
        expected: false,
        label: 'whether the disease is extramedullary only',
        whenTrue: 'the disease is extramedullary only',
        whenFalse: 'the disease is not extramedullary only',
      }),
      numberAtLeast({ path: 'assessableLesions', label: 'assessable lesions', limit: 1 }),
    ]),
  ),
  inclusion(
    'ecog-at-most-2',
    'The activity state score of the Eastern Cooperative Oncology Group (ECOG) was less than or equal to 2',
    numberAtMost({ path: 'ecog', label: 'ECOG', limit: 2 }),
  ),
  // "More than 3 months" is taken as more than 13 weeks, as in the CD19 trial.
  attestation(
    'estimated-survival-over-3-months',
    'inclusion',
    'The estimated survival time is more than 3 months',
    survivalOver3Months,
    numberAbove({ path: 'lifeExpectancyWeeks', label: 'life expectancy', unit: 'weeks', limit: 13 }),
  ),
  // An attestation, not screening data: the engine's own CONSENT_SIGNED check stays the authority.
  attestation('informed-consent-signed', 'inclusion', 'Need to sign informed consent', consentSigned),

  // ---- Exclusion -----------------------------------------------------------------------------
  exclusion('serious-cardiac-insufficiency', 'Serious cardiac insufficiency', conditionPresent('severeCardiacInsufficiency', 'serious cardiac insufficiency')),
  exclusion(
    'severe-pulmonary-function-damage',
    'Has a history of severe pulmonary function damaging',
    conditionPresent('severePulmonaryDysfunctionHistory', 'a history of severe pulmonary function damage'),
  ),
  exclusion('other-malignant-tumors', 'Other malignant tumors', conditionPresent('priorMalignancy', 'another malignant tumor')),
  exclusion(
    'uncontrolled-infection',
    'Serious infection or persistent infection and can not be effectively controlled',
    conditionPresent('uncontrolledInfection', 'a serious or persistent infection that cannot be effectively controlled'),
  ),
  exclusion(
    'severe-autoimmune-or-immunodeficiency',
    'Merging severe autoimmune diseases or immunodeficiency disease',
    anyOf([
      andThen(conditionPresent('autoimmuneDisease', 'an autoimmune disease'), conditionPresent('severeAutoimmuneDisease', 'severe autoimmune disease')),
      conditionPresent('immunodeficiency', 'an immunodeficiency disease'),
    ]),
  ),
  exclusion(
    'active-hepatitis',
    'Patients with active hepatitis (HBV DNA or HCV RNA positive)',
    anyOf([conditionPresent('hepatitisB', 'active hepatitis B (HBV DNA positive)'), conditionPresent('hepatitisC', 'active hepatitis C (HCV RNA positive)')]),
  ),
  exclusion(
    'hiv-or-syphilis',
    'Patients with HIV infection or syphilis infection',
    anyOf([conditionPresent('hiv', 'HIV infection'), conditionPresent('syphilis', 'syphilis infection')]),
  ),
  exclusion(
    'serious-allergy-to-biological-products',
    'Has a history of serious allergies on Biological products (including antibiotics)',
    conditionPresent('seriousAllergyToBiologicals', 'a history of serious allergy to biological products'),
  ),
  exclusion(
    'pregnant-lactating-or-planning-pregnancy',
    'Being pregnant and lactating or having pregnancy within 12 months',
    onlyForSex(
      ['female'],
      anyOf([
        conditionPresent('pregnant', 'pregnancy'),
        conditionPresent('lactating', 'lactation'),
        conditionPresent('pregnancyPlannedWithin12Months', 'a pregnancy planned within 12 months'),
      ]),
    ),
  ),
  attestation(
    'situation-increasing-risk',
    'exclusion',
    'Any situations that the researchers believe will increase the risks for the subject or affect the results of the study(including a history of serious mental illness, substance abuse and addiction)',
    noSituationIncreasingRisk,
    anyOf([conditionPresent('seriousMentalIllnessHistory', 'a history of serious mental illness'), conditionPresent('substanceAbuse', 'substance abuse or addiction')]),
  ),
];
