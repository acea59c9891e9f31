import { allOf, anyOf, attestation, attestationStatements, diagnosisIs, flagIs, inclusion, markerPositive } from '../rules/eligibility';
import type { Attestation, Criterion } from '../rules/eligibility';
import type { ScreeningData } from '../rules/screening-data';

/**
 * Eligibility of "A Study of CD20/CD22 Targeted CAR T-cell Therapy for Relapsed or Refractory
 * Lymphoid Malignancies" (seed 004). The record lists no inclusion or exclusion criteria: it says
 * only that the trial treats "CD20 and CD22-positive relapsed/refractory hematological malignancies"
 * in a B-ALL and a B-NHL cohort. This is the minimal set that follows from those words, plus one
 * investigator attestation, each criterion marked as derived.
 */

/** The trial's cohorts, named by the screening diagnosis that belongs to each. */
export const cd20Cd22Cohorts = ['B-ALL', 'B-NHL'] as const;
export type Cd20Cd22Cohort = (typeof cd20Cd22Cohorts)[number];

/** The cohort a recorded diagnosis belongs to; `undefined` for a diagnosis outside the trial or none yet. */
export function cd20Cd22Cohort(screening: ScreeningData): Cd20Cd22Cohort | undefined {
  return cd20Cd22Cohorts.find((cohort) => cohort === screening.diagnosis);
}

export const cd20Cd22EligibilityAssumptions: string[] = [
  'The trial record lists no inclusion or exclusion criteria. The criteria here are derived from its title and description ("CD20 and CD22-positive relapsed/refractory hematological malignancies", the B-ALL and B-NHL cohorts) and are the only ones encoded; no exclusion (infection, organ function, pregnancy …) is invented.',
  "'Lymphoid malignancies' is limited to the two cohorts the outcome measures name: a recorded diagnosis of B-ALL or B-NHL.",
  'CD20 and CD22 must both be recorded positive; a marker recorded as dim is not positive.',
  "'Relapsed/refractory' is met by a recorded relapse or recorded refractory disease.",
  "The record gives no survival or fitness threshold (its 'estimated survival of 2 years' describes the disease, not a criterion). One investigator attestation stands in: estimated survival and general condition allow CAR T-cell therapy and the trial's follow-up, with no contraindication.",
];

const survivalAndFitness: Attestation = {
  id: 'estimated-survival-and-fitness',
  statement: "The patient's estimated survival and general condition allow CD20/CD22 CAR T-cell therapy and the trial's follow-up, with no contraindication to it",
};

/** The attestations this protocol's eligibility sign-off may carry: id → what the investigator attests. */
export const cd20Cd22AttestationIds: Record<string, string> = attestationStatements([survivalAndFitness]);

export const cd20Cd22Eligibility: Criterion[] = [
  inclusion(
    'b-all-or-b-nhl',
    "Relapsed or Refractory Lymphoid Malignancies: B-cell acute lymphocytic leukemia (B-ALL) or B cell non-hodgkin's lymphoma (B-NHL) (derived from the record's title and cohorts)",
    diagnosisIs(cd20Cd22Cohorts),
  ),
  inclusion(
    'cd20-and-cd22-positive',
    "Patients with CD20 and CD22-positive relapsed/refractory hematological malignancies (derived from the record's description)",
    allOf([markerPositive('CD20'), markerPositive('CD22')]),
  ),
  inclusion(
    'relapsed-or-refractory',
    "Relapsed and Refractory (derived from the record's conditions)",
    anyOf([
      flagIs({
        path: 'relapsed',
        expected: true,
        label: 'whether the disease has relapsed',
        whenTrue: 'the disease has relapsed',
        whenFalse: 'the disease has not relapsed',
      }),
      flagIs({
        path: 'refractory',
        expected: true,
        label: 'whether the disease is refractory',
        whenTrue: 'the disease is refractory',
        whenFalse: 'the disease is not refractory',
      }),
    ]),
  ),
  attestation(
    'estimated-survival-and-fitness',
    'inclusion',
    "Estimated survival and fitness for CD20/CD22 dual targeted CAR T-cells, according to investigator's judgement (assumed: the record lists no such criterion)",
    survivalAndFitness,
  ),
];
