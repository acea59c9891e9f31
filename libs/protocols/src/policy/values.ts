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
