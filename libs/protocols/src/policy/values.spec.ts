import { responseAssessedDataSchema } from '../events';
import { ALL_REQUIRED_FINDINGS, RESPONSE_CRITERIA, RESPONSE_FINDINGS, RESPONSE_VALUES, RESPONSES_BY_CRITERIA } from './values';

describe('the value sets', () => {
  it('lists the responses of each criteria as before (ALL: CR, CRi, NR, PD; Lugano 2014: CR, PR, SD, PD)', () => {
    expect(RESPONSES_BY_CRITERIA).toEqual({ ALL: ['CR', 'CRi', 'NR', 'PD'], LUGANO_2014: ['CR', 'PR', 'SD', 'PD'] });
  });

  it('lets the response assessment state every response of some criteria, and nothing else', () => {
    const ofSomeCriteria = new Set(RESPONSE_CRITERIA.flatMap((c) => RESPONSES_BY_CRITERIA[c]));
    expect(new Set(RESPONSE_VALUES)).toEqual(ofSomeCriteria);
    const response = responseAssessedDataSchema.shape.response.unwrap();
    expect(response.options).toEqual(['CR', 'CRi', 'PR', 'SD', 'PD', 'NR']);
    expect(responseAssessedDataSchema.safeParse({ visit: 'D28', response: 'VGPR' }).success).toBe(false);
  });

  it('assigns every finding of the response assessment to exactly one criteria', () => {
    const fields = Object.keys(responseAssessedDataSchema.shape).filter((k) => k !== 'visit' && k !== 'response');
    const assigned = RESPONSE_CRITERIA.flatMap((c) => RESPONSE_FINDINGS[c]);
    expect([...assigned].sort()).toEqual([...fields].sort());
    expect(new Set(assigned).size).toBe(assigned.length);
  });

  it('requires the ALL findings the response is computed from, MRD aside', () => {
    expect(ALL_REQUIRED_FINDINGS).toEqual(['marrowBlastsPct', 'circulatingBlasts', 'extramedullary', 'anc', 'platelets', 'countsUnit']);
    for (const finding of ALL_REQUIRED_FINDINGS) expect(RESPONSE_FINDINGS.ALL).toContain(finding);
  });
});
