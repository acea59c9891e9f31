/** The value sets events carry, each defined once: the server's schemas and refusals and the console's forms read them here. */

/** The response criteria a protocol (or one of its cohorts) assesses by. */
export const RESPONSE_CRITERIA = ['ALL', 'LUGANO_2014'] as const;
export type ResponseCriteria = (typeof RESPONSE_CRITERIA)[number];

/** Every response an assessment may state, in the order the event's schema lists them. */
export const RESPONSE_VALUES = ['CR', 'CRi', 'PR', 'SD', 'PD', 'NR'] as const;
export type ResponseValue = (typeof RESPONSE_VALUES)[number];

/**
 * The responses of each criteria: ALL (NCCN B-ALL: complete remission with or without count
 * recovery, no response, progression) and Lugano 2014 (complete or partial response, stable or
 * progressive disease). A protocol may add some (`extraResponses`).
 */
export const RESPONSES_BY_CRITERIA: Readonly<Record<ResponseCriteria, readonly ResponseValue[]>> = {
  ALL: ['CR', 'CRi', 'NR', 'PD'],
  LUGANO_2014: ['CR', 'PR', 'SD', 'PD'],
};

/**
 * The findings of a response assessment (RESPONSE_ASSESSED's data) each criteria reads; an
 * assessment by one criteria carries none of the other's.
 */
export const RESPONSE_FINDINGS: Readonly<Record<ResponseCriteria, readonly string[]>> = {
  ALL: ['marrowBlastsPct', 'circulatingBlasts', 'extramedullary', 'anc', 'platelets', 'countsUnit', 'mrdPct'],
  LUGANO_2014: ['deauville', 'spdChangePct', 'spdChangeFromNadirPct', 'lesions', 'newLesion', 'uptakeReducedFromBaseline', 'uptakeIncreasedFromBaseline'],
};

/** The ALL findings a response is computed from (rules/all-response.ts): without a response given directly, each is required. */
export const ALL_REQUIRED_FINDINGS = ['marrowBlastsPct', 'circulatingBlasts', 'extramedullary', 'anc', 'platelets', 'countsUnit'] as const;

/**
 * What a hand-recorded protocol deviation is about: the categories sponsors report deviations by
 * (ICH E3 (R1) Q&A, 2012; TransCelerate, Protocol Deviations process, 2017).
 */
export const DEVIATION_CATEGORIES = ['consent', 'eligibility', 'visitSchedule', 'procedure', 'investigationalProduct', 'safetyReporting', 'other'] as const;
export type DeviationCategory = (typeof DEVIATION_CATEGORIES)[number];
/** Major: it may affect the patient's safety or rights, or the reliability of the trial's data (ICH E3 (R1) Q&A: an "important" deviation); minor otherwise. */
export const DEVIATION_SEVERITIES = ['minor', 'major'] as const;
export type DeviationSeverity = (typeof DEVIATION_SEVERITIES)[number];
