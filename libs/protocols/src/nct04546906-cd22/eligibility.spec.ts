import fc from 'fast-check';
import { describeCriteria, evaluateEligibility } from '../rules/eligibility';
import type { EligibilityInput } from '../rules/eligibility';
import type { ScreeningData } from '../rules/screening-data';
import { cd22AttestationIds, cd22Eligibility, cd22EligibilityAssumptions } from './eligibility';
import { eligibleCd22Input } from '#testing/eligibility';

type Overrides = NonNullable<Parameters<typeof eligibleCd22Input>[0]>;

const evaluate = (screening: ScreeningData, more: Overrides = {}) => evaluateEligibility(cd22Eligibility, eligibleCd22Input({ ...more, screening }));
const resultOf = (id: string, screening: ScreeningData, more?: Overrides) => evaluate(screening, more).results.find((r) => r.id === id);
const allAttestationsBut = (id: string) => Object.keys(cd22AttestationIds).filter((a) => a !== id);

/** The eligible patient with some top-level fields replaced whole (not merged), or removed. */
function replacing(fields: ScreeningData, more: Overrides = {}): EligibilityInput {
  const input = eligibleCd22Input(more);
  return { ...input, screening: { ...input.screening, ...fields } };
}

const DISEASE = 'relapsed-or-refractory-b-all';
const REINTENSIFICATION = 'not-suitable-for-re-intensive-therapy';

describe('NCT04546906 (CD22 CAR-T) eligibility', () => {
  it('finds the factory patient eligible', () => {
    const result = evaluateEligibility(cd22Eligibility, eligibleCd22Input());
    expect(result.reasons).toEqual([]);
    expect(result.eligible).toBe(true);
    expect(result.results.every((r) => r.status === 'met')).toBe(true);
  });

  it('encodes the 6 inclusions and 10 exclusions of the trial record, once each', () => {
    const ids = cd22Eligibility.map((c) => `${c.kind}:${c.id}`);
    expect(ids).toEqual([
      'inclusion:relapsed-or-refractory-b-all',
      'inclusion:cd22-positive',
      'inclusion:assessable-lesion-if-extramedullary-only',
      'inclusion:ecog-at-most-2',
      'inclusion:estimated-survival-over-3-months',
      'inclusion:informed-consent-signed',
      'exclusion:serious-cardiac-insufficiency',
      'exclusion:severe-pulmonary-function-damage',
      'exclusion:other-malignant-tumors',
      'exclusion:uncontrolled-infection',
      'exclusion:severe-autoimmune-or-immunodeficiency',
      'exclusion:active-hepatitis',
      'exclusion:hiv-or-syphilis',
      'exclusion:serious-allergy-to-biological-products',
      'exclusion:pregnant-lactating-or-planning-pregnancy',
      'exclusion:situation-increasing-risk',
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('publishes each attestation a criterion asks for, with its statement, and states its assumptions', () => {
    const described = describeCriteria(cd22Eligibility);
    const asked = described.flatMap((c) => (c.attestation ? [c.attestation] : []));
    expect(asked.sort()).toEqual(Object.keys(cd22AttestationIds).sort());
    for (const c of described) {
      if (c.attestation) expect(c.attestationStatement).toBe(cd22AttestationIds[c.attestation]);
    }
    expect(described.find((c) => c.id === DISEASE)).toMatchObject({ attestation: REINTENSIFICATION, rule: expect.any(String) });
    expect(cd22EligibilityAssumptions.length).toBeGreaterThan(0);
  });

  describe('each criterion fails alone, saying the value and the limit', () => {
    const failures: Array<[id: string, change: Overrides, reason: string]> = [
      [DISEASE, { screening: { diagnosis: 'B-NHL' } }, 'the diagnosis is B-NHL, not B-ALL'],
      [DISEASE, { screening: { relapsed: false, remissionAchieved: true } }, 'the disease has not relapsed and complete remission was achieved'],
      [
        DISEASE,
        { screening: { relapsed: false, chemotherapyCourses: 2, conditions: { highRiskDisease: false } } },
        'the disease has not relapsed and chemotherapy courses 2 is not above 2 and high-risk disease is recorded as absent',
      ],
      [
        DISEASE,
        { screening: { relapsed: false, chemotherapyCourses: 2, conditions: { highRiskDisease: true } }, attestations: allAttestationsBut(REINTENSIFICATION) },
        'the disease has not relapsed and chemotherapy courses 2 is not above 2, and the investigator has not attested that the patient is not suitable for re-intensive therapy after 1–2 courses of chemotherapy',
      ],
      ['cd22-positive', { screening: { markers: { CD22: 'dim' } } }, 'CD22 is dim, not positive'],
      ['cd22-positive', { screening: { markers: { CD22: 'negative' } } }, 'CD22 is negative, not positive'],
      [
        'assessable-lesion-if-extramedullary-only',
        { screening: { extramedullaryOnly: true, assessableLesions: 0 } },
        'the disease is extramedullary only and assessable lesions 0 is below 1',
      ],
      ['ecog-at-most-2', { screening: { ecog: 3 } }, 'ECOG 3 is above 2'],
      ['estimated-survival-over-3-months', { screening: { lifeExpectancyWeeks: 13 } }, 'life expectancy 13 weeks is not above 13 weeks'],
      [
        'estimated-survival-over-3-months',
        { attestations: allAttestationsBut('estimated-survival-over-3-months') },
        "the investigator has not attested that the patient's estimated survival time is more than 3 months",
      ],
      [
        'informed-consent-signed',
        { attestations: allAttestationsBut('informed-consent-signed') },
        'the investigator has not attested that the patient has signed the informed consent',
      ],
      ['serious-cardiac-insufficiency', { screening: { conditions: { severeCardiacInsufficiency: true } } }, 'serious cardiac insufficiency is recorded'],
      ['severe-pulmonary-function-damage', { screening: { conditions: { severePulmonaryDysfunctionHistory: true } } }, 'a history of severe pulmonary function damage is recorded'],
      ['other-malignant-tumors', { screening: { conditions: { priorMalignancy: true } } }, 'another malignant tumor is recorded'],
      [
        'uncontrolled-infection',
        { screening: { conditions: { uncontrolledInfection: true } } },
        'a serious or persistent infection that cannot be effectively controlled is recorded',
      ],
      [
        'severe-autoimmune-or-immunodeficiency',
        { screening: { conditions: { autoimmuneDisease: true, severeAutoimmuneDisease: true } } },
        'an autoimmune disease is recorded and severe autoimmune disease is recorded',
      ],
      ['severe-autoimmune-or-immunodeficiency', { screening: { conditions: { immunodeficiency: true } } }, 'an immunodeficiency disease is recorded'],
      ['active-hepatitis', { screening: { conditions: { hepatitisB: true } } }, 'active hepatitis B (HBV DNA positive) is recorded'],
      ['active-hepatitis', { screening: { conditions: { hepatitisC: true } } }, 'active hepatitis C (HCV RNA positive) is recorded'],
      ['hiv-or-syphilis', { screening: { conditions: { hiv: true } } }, 'HIV infection is recorded'],
      ['hiv-or-syphilis', { screening: { conditions: { syphilis: true } } }, 'syphilis infection is recorded'],
      [
        'serious-allergy-to-biological-products',
        { screening: { conditions: { seriousAllergyToBiologicals: true } } },
        'a history of serious allergy to biological products is recorded',
      ],
      ['pregnant-lactating-or-planning-pregnancy', { screening: { conditions: { pregnant: true } } }, 'pregnancy is recorded'],
      ['pregnant-lactating-or-planning-pregnancy', { screening: { conditions: { lactating: true } } }, 'lactation is recorded'],
      ['pregnant-lactating-or-planning-pregnancy', { screening: { conditions: { pregnancyPlannedWithin12Months: true } } }, 'a pregnancy planned within 12 months is recorded'],
      [
        'situation-increasing-risk',
        { attestations: allAttestationsBut('no-situation-increasing-risk') },
        'the investigator has not attested that the patient has no situation (such as a history of serious mental illness, substance abuse or addiction) that would increase the risks for the subject or affect the results of the study',
      ],
      ['situation-increasing-risk', { screening: { conditions: { seriousMentalIllnessHistory: true } } }, 'a history of serious mental illness is recorded'],
      ['situation-increasing-risk', { screening: { conditions: { substanceAbuse: true } } }, 'substance abuse or addiction is recorded'],
    ];

    it.each(failures)('%s: %j → "%s"', (id, change, reason) => {
      const result = evaluateEligibility(cd22Eligibility, eligibleCd22Input(change));
      expect(result.eligible).toBe(false);
      expect(result.results.filter((r) => r.status !== 'met')).toEqual([expect.objectContaining({ id, reason })]);
      expect(result.reasons).toEqual([reason]);
    });

    it('covers every criterion', () => {
      const covered = new Set(failures.map(([id]) => id));
      expect(cd22Eligibility.map((c) => c.id).filter((id) => !covered.has(id))).toEqual([]);
    });
  });

  describe('numeric limits, on both sides', () => {
    it.each([
      [0, 'met'],
      [2, 'met'],
      [3, 'unmet'],
    ])('ECOG %p is %s', (ecog, status) => {
      expect(resultOf('ecog-at-most-2', { ecog })?.status).toBe(status);
    });

    it.each([
      [14, 'met'],
      [13, 'unmet'],
    ])('life expectancy %p weeks is %s', (lifeExpectancyWeeks, status) => {
      expect(resultOf('estimated-survival-over-3-months', { lifeExpectancyWeeks })?.status).toBe(status);
    });

    it.each([
      [1, 'met'],
      [0, 'unmet'],
    ])('an extramedullary-only relapse with %p assessable lesions is %s', (assessableLesions, status) => {
      expect(resultOf('assessable-lesion-if-extramedullary-only', { extramedullaryOnly: true, assessableLesions })?.status).toBe(status);
    });
  });

  describe('relapsed or refractory disease: three routes', () => {
    const primary = (screening: ScreeningData, attestations?: string[]) =>
      resultOf(DISEASE, { relapsed: false, remissionAchieved: false, ...screening }, attestations ? { attestations } : {});

    it('route 1: any relapse after remission, morphological or MRD', () => {
      expect(resultOf(DISEASE, { relapsed: true, remissionAchieved: true, chemotherapyCourses: 1 })?.status).toBe('met');
    });

    it('route 1 does not need the re-intensification attestation', () => {
      expect(evaluate({}, { attestations: allAttestationsBut(REINTENSIFICATION) }).eligible).toBe(true);
    });

    it.each([
      [3, 'met'],
      [2, 'unmet'],
    ])('route 2: primary disease not in remission after %p courses is %s', (chemotherapyCourses, status) => {
      expect(primary({ chemotherapyCourses, conditions: { highRiskDisease: false } })?.status).toBe(status);
    });

    it.each([
      [0, 'unmet'],
      [1, 'met'],
      [2, 'met'],
      [3, 'met'],
    ])('route 3: high-risk disease, attested unfit for re-intensification, after %p courses is %s', (chemotherapyCourses, status) => {
      expect(primary({ chemotherapyCourses, conditions: { highRiskDisease: true } })?.status).toBe(status);
    });

    it('route 3 needs the attestation, and names it', () => {
      expect(primary({ chemotherapyCourses: 1, conditions: { highRiskDisease: true } }, allAttestationsBut(REINTENSIFICATION))).toMatchObject({
        status: 'unmet',
        reason:
          'the disease has not relapsed and chemotherapy courses 1 is not above 2, and the investigator has not attested that the patient is not suitable for re-intensive therapy after 1–2 courses of chemotherapy',
      });
    });

    it('routes 2 and 3 need the disease out of remission', () => {
      expect(resultOf(DISEASE, { relapsed: false, remissionAchieved: true, chemotherapyCourses: 2, conditions: { highRiskDisease: true } })).toMatchObject({
        status: 'unmet',
        reason: 'the disease has not relapsed and complete remission was achieved',
      });
    });

    it('names what is not recorded', () => {
      const input = replacing({ relapsed: undefined, remissionAchieved: undefined, chemotherapyCourses: undefined });
      expect(evaluateEligibility(cd22Eligibility, input).results.find((r) => r.id === DISEASE)).toMatchObject({
        status: 'missing',
        reason:
          'whether the disease has relapsed has not been recorded, whether remission was achieved has not been recorded, chemotherapy courses has not been recorded and high-risk disease has not been recorded as present or absent',
      });
    });

    it('is met exactly when one route is', () => {
      const maybe = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined });
      fc.assert(
        fc.property(
          fc.boolean(),
          fc.boolean(),
          fc.integer({ min: 0, max: 6 }),
          fc.boolean(),
          maybe(fc.boolean()),
          (relapsed, remissionAchieved, chemotherapyCourses, highRiskDisease, attested) => {
            const attestations = attested ? Object.keys(cd22AttestationIds) : allAttestationsBut(REINTENSIFICATION);
            const result = resultOf(DISEASE, { relapsed, remissionAchieved, chemotherapyCourses, conditions: { highRiskDisease } }, { attestations });
            const route1 = relapsed;
            const route2 = !remissionAchieved && chemotherapyCourses > 2;
            const route3 = highRiskDisease && !remissionAchieved && chemotherapyCourses >= 1 && chemotherapyCourses <= 2 && !!attested;
            expect(result?.status === 'met').toBe(route1 || route2 || route3);
          },
        ),
      );
    });
  });

  describe('extramedullary-only relapse', () => {
    it('asks for a lesion only when the disease is extramedullary only', () => {
      expect(resultOf('assessable-lesion-if-extramedullary-only', { extramedullaryOnly: false })?.status).toBe('met');
      const input = replacing({ extramedullaryOnly: true, assessableLesions: undefined });
      expect(evaluateEligibility(cd22Eligibility, input).reasons).toEqual(['the disease is extramedullary only, and assessable lesions has not been recorded']);
    });
  });

  describe('exclusions asked in steps', () => {
    it('asks about severity only of a patient with an autoimmune disease', () => {
      expect(resultOf('severe-autoimmune-or-immunodeficiency', { conditions: { autoimmuneDisease: true, severeAutoimmuneDisease: false } })?.status).toBe('met');
      expect(resultOf('severe-autoimmune-or-immunodeficiency', { conditions: { autoimmuneDisease: true } })).toMatchObject({
        status: 'missing',
        reason: 'severe autoimmune disease has not been recorded as present or absent',
      });
    });

    it('does not ask a man about pregnancy, lactation or planned pregnancy', () => {
      const man = eligibleCd22Input({ patient: { sex: 'male' } });
      const { pregnant: _p, lactating: _l, pregnancyPlannedWithin12Months: _pp, ...otherConditions } = man.screening.conditions ?? {};
      expect(evaluateEligibility(cd22Eligibility, { ...man, screening: { ...man.screening, conditions: otherConditions } }).eligible).toBe(true);
    });
  });

  it('names the data that has not been recorded', () => {
    const result = evaluateEligibility(cd22Eligibility, { ...eligibleCd22Input(), screening: {}, attestations: [] });
    expect(result.eligible).toBe(false);
    expect(result.results.every((r) => r.status === 'missing')).toBe(true);
    expect(result.reasons).toEqual([
      'the diagnosis has not been recorded, whether the disease has relapsed has not been recorded, whether remission was achieved has not been recorded, chemotherapy courses has not been recorded, high-risk disease has not been recorded as present or absent and the investigator has not attested that the patient is not suitable for re-intensive therapy after 1–2 courses of chemotherapy',
      'CD22 status has not been recorded',
      'whether the disease is extramedullary only has not been recorded and assessable lesions has not been recorded',
      'ECOG has not been recorded',
      "the investigator has not attested that the patient's estimated survival time is more than 3 months",
      'the investigator has not attested that the patient has signed the informed consent',
      'serious cardiac insufficiency has not been recorded as present or absent',
      'a history of severe pulmonary function damage has not been recorded as present or absent',
      'another malignant tumor has not been recorded as present or absent',
      'a serious or persistent infection that cannot be effectively controlled has not been recorded as present or absent',
      'an autoimmune disease has not been recorded as present or absent and an immunodeficiency disease has not been recorded as present or absent',
      'active hepatitis B (HBV DNA positive) has not been recorded as present or absent and active hepatitis C (HCV RNA positive) has not been recorded as present or absent',
      'HIV infection has not been recorded as present or absent and syphilis infection has not been recorded as present or absent',
      'a history of serious allergy to biological products has not been recorded as present or absent',
      'pregnancy has not been recorded as present or absent, lactation has not been recorded as present or absent and a pregnancy planned within 12 months has not been recorded as present or absent',
      'the investigator has not attested that the patient has no situation (such as a history of serious mental illness, substance abuse or addiction) that would increase the risks for the subject or affect the results of the study',
    ]);
  });
});
