import { describeCriteria, evaluateEligibility } from '../rules/eligibility';
import type { ScreeningData } from '../rules/screening-data';
import { cd20Cd22AttestationIds, cd20Cd22Cohort, cd20Cd22Cohorts, cd20Cd22Eligibility, cd20Cd22EligibilityAssumptions } from './eligibility';
import { eligibleCd20Cd22Input } from '#testing/eligibility';

type Overrides = NonNullable<Parameters<typeof eligibleCd20Cd22Input>[1]>;

describe('CD20/CD22 dual CAR-T eligibility', () => {
  it.each(cd20Cd22Cohorts)('finds the factory patient of the %s cohort eligible', (cohort) => {
    const result = evaluateEligibility(cd20Cd22Eligibility, eligibleCd20Cd22Input(cohort));
    expect(result.reasons).toEqual([]);
    expect(result.eligible).toBe(true);
  });

  it('encodes the minimal derived set, once each', () => {
    expect(cd20Cd22Eligibility.map((c) => `${c.kind}:${c.id}`)).toEqual([
      'inclusion:b-all-or-b-nhl',
      'inclusion:cd20-and-cd22-positive',
      'inclusion:relapsed-or-refractory',
      'inclusion:estimated-survival-and-fitness',
    ]);
  });

  it('publishes its attestation and says that the record lists no other criteria', () => {
    const described = describeCriteria(cd20Cd22Eligibility);
    expect(described.flatMap((c) => (c.attestation ? [c.attestation] : []))).toEqual(Object.keys(cd20Cd22AttestationIds));
    for (const c of described) {
      if (c.attestation) expect(c.attestationStatement).toBe(cd20Cd22AttestationIds[c.attestation]);
      else expect(c.rule).toEqual(expect.any(String));
    }
    expect(cd20Cd22EligibilityAssumptions[0]).toMatch(/lists no inclusion or exclusion criteria/);
  });

  describe.each(cd20Cd22Cohorts)('in the %s cohort, each criterion fails alone', (cohort) => {
    const failures: Array<[id: string, change: Overrides, reason: string]> = [
      ['b-all-or-b-nhl', { screening: { diagnosis: 'CLL' } }, 'the diagnosis is CLL, not B-ALL or B-NHL'],
      ['cd20-and-cd22-positive', { screening: { markers: { CD20: 'negative' } } }, 'CD20 is negative, not positive'],
      ['cd20-and-cd22-positive', { screening: { markers: { CD22: 'dim' } } }, 'CD22 is dim, not positive'],
      ['relapsed-or-refractory', { screening: { relapsed: false, refractory: false } }, 'the disease has not relapsed and the disease is not refractory'],
      [
        'estimated-survival-and-fitness',
        { attestations: [] },
        "the investigator has not attested that the patient's estimated survival and general condition allow CD20/CD22 CAR T-cell therapy and the trial's follow-up, with no contraindication to it",
      ],
    ];

    it.each(failures)('%s: %j → "%s"', (id, change, reason) => {
      const result = evaluateEligibility(cd20Cd22Eligibility, eligibleCd20Cd22Input(cohort, change));
      expect(result.results.filter((r) => r.status !== 'met')).toEqual([expect.objectContaining({ id, reason })]);
      expect(result.reasons).toEqual([reason]);
    });

    it('covers every criterion', () => {
      const covered = new Set(failures.map(([id]) => id));
      expect(cd20Cd22Eligibility.filter((c) => !covered.has(c.id))).toEqual([]);
    });
  });

  it.each<[boolean | undefined, boolean | undefined, string]>([
    [true, false, 'met'],
    [false, true, 'met'],
    [true, undefined, 'met'],
    [false, undefined, 'unmet'],
    [undefined, undefined, 'missing'],
  ])('relapsed %p, refractory %p is %s', (relapsed, refractory, status) => {
    const input = eligibleCd20Cd22Input('B-NHL');
    const screening = { ...input.screening, relapsed, refractory };
    const result = evaluateEligibility(cd20Cd22Eligibility, { ...input, screening });
    expect(result.results.find((r) => r.id === 'relapsed-or-refractory')?.status).toBe(status);
  });

  it('names the data that has not been recorded', () => {
    const result = evaluateEligibility(cd20Cd22Eligibility, { ...eligibleCd20Cd22Input('B-ALL'), screening: {}, attestations: [] });
    expect(result.results.every((r) => r.status === 'missing')).toBe(true);
    expect(result.reasons).toEqual([
      'the diagnosis has not been recorded',
      'CD20 status has not been recorded and CD22 status has not been recorded',
      'whether the disease has relapsed has not been recorded and whether the disease is refractory has not been recorded',
      "the investigator has not attested that the patient's estimated survival and general condition allow CD20/CD22 CAR T-cell therapy and the trial's follow-up, with no contraindication to it",
    ]);
  });

  describe('cohort from the recorded diagnosis', () => {
    it.each<[ScreeningData, string | undefined]>([
      [{ diagnosis: 'B-ALL' }, 'B-ALL'],
      [{ diagnosis: 'B-NHL' }, 'B-NHL'],
      [{ diagnosis: 'CLL' }, undefined],
      [{ diagnosis: 'b-all' }, undefined],
      [{}, undefined],
    ])('%j → %p', (screening, cohort) => {
      expect(cd20Cd22Cohort(screening)).toBe(cohort);
    });

    it.each(cd20Cd22Cohorts)('maps the %s factory patient to its own cohort', (cohort) => {
      expect(cd20Cd22Cohort(eligibleCd20Cd22Input(cohort).screening)).toBe(cohort);
    });
  });
});
