import fc from 'fast-check';
import { describeCriteria, evaluateEligibility } from '../rules/eligibility';
import type { EligibilityInput } from '../rules/eligibility';
import type { ScreeningData } from '../rules/screening-data';
import { cd38AttestationIds, cd38Eligibility, cd38EligibilityAssumptions } from './eligibility';
import { eligibleCd38Input } from '#testing/eligibility';

type Overrides = NonNullable<Parameters<typeof eligibleCd38Input>[0]>;

const evaluate = (screening: ScreeningData, more: Overrides = {}) => evaluateEligibility(cd38Eligibility, eligibleCd38Input({ ...more, screening }));
const resultOf = (id: string, screening: ScreeningData, more?: Overrides) => evaluate(screening, more).results.find((r) => r.id === id);
const allAttestationsBut = (id: string) => Object.keys(cd38AttestationIds).filter((a) => a !== id);

/** The eligible patient with one top-level field replaced whole (not merged), e.g. a GVHD record. */
function replacing(fields: ScreeningData): EligibilityInput {
  const input = eligibleCd38Input();
  return { ...input, screening: { ...input.screening, ...fields } };
}

describe('NCT03754764 (CD38 CAR-T) eligibility', () => {
  it('finds the factory patient eligible', () => {
    const result = evaluateEligibility(cd38Eligibility, eligibleCd38Input());
    expect(result.reasons).toEqual([]);
    expect(result.eligible).toBe(true);
    expect(result.results.every((r) => r.status === 'met')).toBe(true);
  });

  it('encodes the 6 inclusions and 11 exclusions of the trial record, once each', () => {
    const ids = cd38Eligibility.map((c) => `${c.kind}:${c.id}`);
    expect(ids).toEqual([
      'inclusion:male-or-female',
      'inclusion:age-12-to-70',
      'inclusion:relapsed-cd38-positive-b-all-after-cd19-car-t',
      'inclusion:life-expectancy-at-least-12-weeks',
      'inclusion:ecog-at-most-1',
      'inclusion:adequate-organ-function',
      'exclusion:prior-malignancy',
      'exclusion:burkitt-or-cml-lymphoid-blast-crisis',
      'exclusion:richter-syndrome',
      'exclusion:gvhd',
      'exclusion:autoimmune-immunodeficiency-or-immunosuppression',
      'exclusion:severe-active-infection',
      'exclusion:active-hepatitis-or-hiv',
      'exclusion:investigational-product-within-30-days',
      'exclusion:prior-gene-or-cell-therapy',
      'exclusion:systemic-steroids',
      'exclusion:pregnant-or-nursing',
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('publishes each attestation a criterion asks for, with its statement, and states its assumptions', () => {
    const described = describeCriteria(cd38Eligibility);
    const asked = described.flatMap((c) => (c.attestation ? [c.attestation] : []));
    expect(asked.sort()).toEqual(Object.keys(cd38AttestationIds).sort());
    for (const c of described) {
      if (c.attestation) expect(c.attestationStatement).toBe(cd38AttestationIds[c.attestation]);
      else expect(c.rule).toEqual(expect.any(String));
    }
    expect(cd38EligibilityAssumptions.length).toBeGreaterThan(0);
  });

  describe('each criterion fails alone, saying the value and the limit', () => {
    const failures: Array<[id: string, change: Overrides, reason: string]> = [
      ['age-12-to-70', { patient: { birthDate: '2014-03-03' } }, 'age 11 is below the minimum of 12 years'],
      ['age-12-to-70', { patient: { birthDate: '1955-03-02' } }, 'age 71 is above the maximum of 70 years'],
      ['relapsed-cd38-positive-b-all-after-cd19-car-t', { screening: { diagnosis: 'B-NHL' } }, 'the diagnosis is B-NHL, not B-ALL'],
      ['relapsed-cd38-positive-b-all-after-cd19-car-t', { screening: { markers: { CD38: 'dim' } } }, 'CD38 is dim, not positive'],
      ['relapsed-cd38-positive-b-all-after-cd19-car-t', { screening: { relapsed: false } }, 'the disease has not relapsed'],
      ['relapsed-cd38-positive-b-all-after-cd19-car-t', { screening: { priorCd19CarT: false } }, 'the patient has not received a CD19 CAR-T product'],
      ['life-expectancy-at-least-12-weeks', { screening: { lifeExpectancyWeeks: 11 } }, 'life expectancy 11 weeks is below 12 weeks'],
      [
        'life-expectancy-at-least-12-weeks',
        { attestations: allAttestationsBut('life-expectancy-at-least-12-weeks') },
        "the investigator has not attested that the patient's estimated life expectancy is at least 12 weeks",
      ],
      ['ecog-at-most-1', { screening: { ecog: 2 } }, 'ECOG 2 is above 1'],
      [
        'adequate-organ-function',
        { attestations: allAttestationsBut('adequate-organ-function') },
        'the investigator has not attested that the patient has adequate organ function',
      ],
      ['adequate-organ-function', { screening: { labs: { creatinineMgDl: 1.6 } } }, 'creatinine 1.6 mg/dL is not below 1.6 mg/dL'],
      ['adequate-organ-function', { screening: { labs: { bilirubinMgDl: 2 } } }, 'bilirubin 2 mg/dL is not below 2 mg/dL'],
      ['adequate-organ-function', { screening: { labs: { astXUln: 3 } } }, 'AST 3 × ULN is not below 3 × ULN'],
      ['adequate-organ-function', { screening: { labs: { altXUln: 3.5 } } }, 'ALT 3.5 × ULN is not below 3 × ULN'],
      ['adequate-organ-function', { screening: { labs: { lvef: 0.49 } } }, 'left ventricular ejection fraction 0.49 is below 0.5'],
      [
        'prior-malignancy',
        { screening: { conditions: { priorMalignancy: true, priorMalignancyOnlyCuredInSituSkinOrCervix: false } } },
        'a prior malignancy is recorded and it is not only a carcinoma in situ of the skin or cervix treated with curative intent',
      ],
      ['burkitt-or-cml-lymphoid-blast-crisis', { screening: { conditions: { burkittLeukemiaLymphoma: true } } }, "Burkitt's leukemia/lymphoma is recorded"],
      ['burkitt-or-cml-lymphoid-blast-crisis', { screening: { conditions: { cmlLymphoidBlastCrisis: true } } }, 'chronic myelogenous leukemia lymphoid blast crisis is recorded'],
      ['richter-syndrome', { screening: { conditions: { richterSyndrome: true } } }, "Richter's syndrome is recorded"],
      [
        'gvhd',
        { screening: { gvhd: { acuteGlucksbergGrade: 2, acuteIbmtrIndex: 'B' } } },
        'acute GVHD grade II (Glucksberg) is within grades II–IV and acute GVHD index B (IBMTR) is within B–D',
      ],
      ['gvhd', { screening: { gvhd: { chronic: 'extensive' } } }, 'extensive chronic GVHD is recorded'],
      ['autoimmune-immunodeficiency-or-immunosuppression', { screening: { conditions: { autoimmuneDisease: true } } }, 'an autoimmune disease is recorded'],
      ['autoimmune-immunodeficiency-or-immunosuppression', { screening: { conditions: { immunodeficiency: true } } }, 'an immune deficiency disease is recorded'],
      [
        'autoimmune-immunodeficiency-or-immunosuppression',
        { screening: { conditions: { immunosuppressiveTherapyNeeded: true } } },
        'a disease in need of immunosuppressive therapy is recorded',
      ],
      ['severe-active-infection', { screening: { conditions: { severeActiveInfection: true } } }, 'a severe active infection is recorded'],
      ['active-hepatitis-or-hiv', { screening: { conditions: { hepatitisB: true } } }, 'active hepatitis B is recorded'],
      ['active-hepatitis-or-hiv', { screening: { conditions: { hepatitisC: true } } }, 'active hepatitis C is recorded'],
      ['active-hepatitis-or-hiv', { screening: { conditions: { hiv: true } } }, 'HIV infection is recorded'],
      [
        'investigational-product-within-30-days',
        { screening: { daysSinceInvestigationalProduct: 30 } },
        'the patient has received an investigational medicinal product and time since the last investigational medicinal product 30 days is at most 30 days',
      ],
      [
        'prior-gene-or-cell-therapy',
        { screening: { priorGeneOrCellTherapyOtherThanCd19CarT: true } },
        'the patient has received an investigational gene or cell therapy product other than the CD19 CAR-T',
      ],
      ['systemic-steroids', { screening: { conditions: { systemicSteroids: true } } }, 'concurrent use of systemic steroids is recorded'],
      ['pregnant-or-nursing', { screening: { conditions: { pregnant: true } } }, 'pregnancy is recorded'],
      ['pregnant-or-nursing', { screening: { conditions: { lactating: true } } }, 'nursing is recorded'],
    ];

    it.each(failures)('%s: %j → "%s"', (id, change, reason) => {
      const result = evaluateEligibility(cd38Eligibility, eligibleCd38Input(change));
      expect(result.eligible).toBe(false);
      expect(result.results.filter((r) => r.status !== 'met')).toEqual([expect.objectContaining({ id, reason })]);
      expect(result.reasons).toEqual([reason]);
    });

    it('covers every criterion that can fail', () => {
      const covered = new Set(failures.map(([id]) => id));
      expect(cd38Eligibility.map((c) => c.id).filter((id) => !covered.has(id))).toEqual(['male-or-female']);
    });
  });

  it("admits any sex ('Male or female participant' is the record's Sex: All)", () => {
    for (const sex of ['female', 'male', 'other', 'unknown'] as const) {
      expect(resultOf('male-or-female', {}, { patient: { sex } })?.status).toBe('met');
    }
  });

  describe('numeric limits, on both sides', () => {
    it.each([
      ['2014-03-02', 12, 'met'],
      ['2014-03-03', 11, 'unmet'],
      ['1955-03-03', 70, 'met'],
      ['1955-03-02', 71, 'unmet'],
    ])('born %s (age %p on 2026-03-02) is %s', (birthDate, _age, status) => {
      expect(resultOf('age-12-to-70', {}, { patient: { birthDate } })?.status).toBe(status);
    });

    it.each([
      [0, 'met'],
      [1, 'met'],
      [2, 'unmet'],
    ])('ECOG %p is %s', (ecog, status) => {
      expect(resultOf('ecog-at-most-1', { ecog })?.status).toBe(status);
    });

    it.each([
      [12, 'met'],
      [11.9, 'unmet'],
    ])('life expectancy %p weeks is %s', (lifeExpectancyWeeks, status) => {
      expect(resultOf('life-expectancy-at-least-12-weeks', { lifeExpectancyWeeks })?.status).toBe(status);
    });

    it.each<[ScreeningData['labs'], string]>([
      [{ creatinineMgDl: 1.59 }, 'met'],
      [{ creatinineMgDl: 1.6 }, 'unmet'],
      [{ bilirubinMgDl: 1.99 }, 'met'],
      [{ bilirubinMgDl: 2 }, 'unmet'],
      [{ astXUln: 2.99, altXUln: 2.99 }, 'met'],
      [{ astXUln: 3 }, 'unmet'],
      [{ altXUln: 3 }, 'unmet'],
      [{ lvef: 0.5 }, 'met'],
      [{ lvef: 0.49 }, 'unmet'],
    ])('organ function with %j is %s', (labs, status) => {
      expect(resultOf('adequate-organ-function', { labs })?.status).toBe(status);
    });

    it.each([
      [31, 'met'],
      [30, 'unmet'],
      [0, 'unmet'],
    ])('an investigational product %p days before screening is %s', (daysSinceInvestigationalProduct, status) => {
      expect(resultOf('investigational-product-within-30-days', { daysSinceInvestigationalProduct })?.status).toBe(status);
    });
  });

  describe('judgement calls', () => {
    it('lets the attestation carry organ function while labs are not recorded', () => {
      const { screening, ...rest } = eligibleCd38Input();
      const noLabs = { ...rest, screening: { ...screening, labs: undefined } };
      expect(evaluateEligibility(cd38Eligibility, noLabs).eligible).toBe(true);
      const unattested = { ...noLabs, attestations: allAttestationsBut('adequate-organ-function') };
      expect(evaluateEligibility(cd38Eligibility, unattested).reasons).toEqual(['the investigator has not attested that the patient has adequate organ function']);
    });

    it('does not let the attestation override a recorded lab outside the limit', () => {
      expect(resultOf('adequate-organ-function', { labs: { creatinineMgDl: 2.1, lvef: 0.4 } })).toMatchObject({
        status: 'unmet',
        reason: 'creatinine 2.1 mg/dL is not below 1.6 mg/dL and left ventricular ejection fraction 0.4 is below 0.5',
      });
    });
  });

  describe('GVHD', () => {
    const gvhdOf = (gvhd: ScreeningData['gvhd']) => evaluateEligibility(cd38Eligibility, replacing({ gvhd })).results.find((r) => r.id === 'gvhd');

    it.each<[ScreeningData['gvhd'], string]>([
      [{ acuteGlucksbergGrade: 0, acuteIbmtrIndex: 'none', chronic: 'none' }, 'met'],
      [{ acuteGlucksbergGrade: 1, chronic: 'limited' }, 'met'],
      [{ acuteIbmtrIndex: 'A', chronic: 'none' }, 'met'],
      [{ acuteGlucksbergGrade: 2, chronic: 'none' }, 'unmet'],
      [{ acuteGlucksbergGrade: 3, chronic: 'none' }, 'unmet'],
      [{ acuteGlucksbergGrade: 4, chronic: 'none' }, 'unmet'],
      [{ acuteIbmtrIndex: 'B', chronic: 'none' }, 'unmet'],
      [{ acuteIbmtrIndex: 'D', chronic: 'none' }, 'unmet'],
      [{ acuteGlucksbergGrade: 1, acuteIbmtrIndex: 'B', chronic: 'none' }, 'unmet'],
      [{ acuteGlucksbergGrade: 0, chronic: 'extensive' }, 'unmet'],
    ])('%j is %s', (gvhd, status) => {
      expect(gvhdOf(gvhd)?.status).toBe(status);
    });

    it('clears acute GVHD on one recorded scale, and says which grade excludes', () => {
      expect(gvhdOf({ acuteGlucksbergGrade: 1, chronic: 'limited' })?.status).toBe('met');
      expect(gvhdOf({ acuteGlucksbergGrade: 3, chronic: 'none' })?.reason).toBe('acute GVHD grade III (Glucksberg) is within grades II–IV');
      expect(gvhdOf({ acuteIbmtrIndex: 'C', chronic: 'limited' })?.reason).toBe('acute GVHD index C (IBMTR) is within B–D');
    });

    it('names the grading that has not been recorded', () => {
      expect(gvhdOf({ chronic: 'none' })).toMatchObject({
        status: 'missing',
        reason: 'the acute GVHD grade (Glucksberg or IBMTR) has not been recorded',
      });
      expect(gvhdOf({ acuteGlucksbergGrade: 0 })).toMatchObject({ status: 'missing', reason: 'chronic GVHD has not been recorded' });
      expect(gvhdOf(undefined)).toMatchObject({
        status: 'missing',
        reason: 'the acute GVHD grade (Glucksberg or IBMTR) has not been recorded and chronic GVHD has not been recorded',
      });
    });

    it('excludes on what is recorded even while the rest is not', () => {
      expect(gvhdOf({ chronic: 'extensive' })).toMatchObject({ status: 'unmet', reason: 'extensive chronic GVHD is recorded' });
      expect(gvhdOf({ acuteGlucksbergGrade: 2 })?.status).toBe('unmet');
    });

    it('excludes exactly when a scale shows grade II–IV / B–D or chronic GVHD is extensive', () => {
      const maybe = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined });
      const gvhd = fc.record({
        acuteGlucksbergGrade: maybe(fc.integer({ min: 0, max: 4 })),
        acuteIbmtrIndex: maybe(fc.constantFrom('none' as const, 'A' as const, 'B' as const, 'C' as const, 'D' as const)),
        chronic: maybe(fc.constantFrom('none' as const, 'limited' as const, 'extensive' as const)),
      });
      fc.assert(
        fc.property(gvhd, (recorded) => {
          const { acuteGlucksbergGrade: grade, acuteIbmtrIndex: index, chronic } = recorded;
          const excluded = (grade ?? 0) >= 2 || ['B', 'C', 'D'].includes(index ?? 'none') || chronic === 'extensive';
          const known = (grade !== undefined || index !== undefined) && chronic !== undefined;
          const expected = excluded ? 'unmet' : known ? 'met' : 'missing';
          expect(gvhdOf(recorded)?.status).toBe(expected);
        }),
      );
    });
  });

  describe('prior therapy', () => {
    it('requires the CD19 CAR-T and does not count it as a previous gene or cell therapy', () => {
      const result = evaluate({ priorCd19CarT: true, priorGeneOrCellTherapyOtherThanCd19CarT: false });
      expect(result.eligible).toBe(true);
    });

    it('without the CD19 CAR-T the patient fails the inclusion, not the exclusion', () => {
      const result = evaluate({ priorCd19CarT: false, priorGeneOrCellTherapyOtherThanCd19CarT: false });
      expect(result.results.filter((r) => r.status !== 'met').map((r) => r.id)).toEqual(['relapsed-cd38-positive-b-all-after-cd19-car-t']);
    });

    it('excludes any other investigational gene or cell therapy, beside the CD19 CAR-T', () => {
      const result = evaluate({ priorCd19CarT: true, priorGeneOrCellTherapyOtherThanCd19CarT: true });
      expect(result.results.filter((r) => r.status !== 'met').map((r) => r.id)).toEqual(['prior-gene-or-cell-therapy']);
    });

    it('asks about other gene or cell therapy products', () => {
      const input = replacing({ priorGeneOrCellTherapyOtherThanCd19CarT: undefined });
      expect(evaluateEligibility(cd38Eligibility, input).reasons).toEqual(['prior gene or cell therapy other than the CD19 CAR-T has not been recorded']);
    });

    it('counts a CD19 CAR-T given in a trial towards the 30-day washout', () => {
      const recentCarT = evaluate({ priorInvestigationalProduct: true, daysSinceInvestigationalProduct: 21 });
      expect(recentCarT.results.filter((r) => r.status !== 'met').map((r) => r.id)).toEqual(['investigational-product-within-30-days']);
    });

    it('clears the washout for a patient who never had an investigational product, without a date', () => {
      const input = replacing({ priorInvestigationalProduct: false, daysSinceInvestigationalProduct: undefined });
      expect(evaluateEligibility(cd38Eligibility, input).eligible).toBe(true);
    });

    it('asks for the date of the last investigational product when there was one', () => {
      const input = replacing({ priorInvestigationalProduct: true, daysSinceInvestigationalProduct: undefined });
      expect(evaluateEligibility(cd38Eligibility, input).reasons).toEqual(['time since the last investigational medicinal product has not been recorded']);
    });
  });

  describe('prior malignancy', () => {
    it('allows a cured carcinoma in situ of the skin or cervix', () => {
      const conditions = { priorMalignancy: true, priorMalignancyOnlyCuredInSituSkinOrCervix: true };
      expect(resultOf('prior-malignancy', { conditions })?.status).toBe('met');
    });

    it('asks about the exception only when there was a prior malignancy', () => {
      expect(resultOf('prior-malignancy', { conditions: { priorMalignancy: false } })?.status).toBe('met');
      expect(resultOf('prior-malignancy', { conditions: { priorMalignancy: true } })).toMatchObject({
        status: 'missing',
        reason: 'whether the prior malignancy is only a carcinoma in situ of the skin or cervix treated with curative intent has not been recorded',
      });
    });
  });

  it('asks a woman, not a man, about pregnancy and nursing', () => {
    const man = eligibleCd38Input({ patient: { sex: 'male' } });
    const { pregnant: _pregnant, lactating: _lactating, ...otherConditions } = man.screening.conditions ?? {};
    const silent = { ...man, screening: { ...man.screening, conditions: otherConditions } };
    expect(evaluateEligibility(cd38Eligibility, silent).eligible).toBe(true);
    const woman = { ...silent, patient: { ...silent.patient, sex: 'female' as const } };
    expect(evaluateEligibility(cd38Eligibility, woman).reasons).toEqual([
      'pregnancy has not been recorded as present or absent and nursing has not been recorded as present or absent',
    ]);
  });

  it('names the data that has not been recorded', () => {
    const result = evaluateEligibility(cd38Eligibility, { ...eligibleCd38Input(), screening: {}, attestations: [] });
    expect(result.eligible).toBe(false);
    expect(result.results.filter((r) => r.status === 'met').map((r) => r.id)).toEqual(['male-or-female', 'age-12-to-70']);
    expect(result.reasons).toEqual([
      'the diagnosis has not been recorded, CD38 status has not been recorded, whether the disease has relapsed has not been recorded and prior CD19 CAR-T therapy has not been recorded',
      "the investigator has not attested that the patient's estimated life expectancy is at least 12 weeks",
      'ECOG has not been recorded',
      'the investigator has not attested that the patient has adequate organ function',
      'a prior malignancy has not been recorded as present or absent',
      "Burkitt's leukemia/lymphoma has not been recorded as present or absent and chronic myelogenous leukemia lymphoid blast crisis has not been recorded as present or absent",
      "Richter's syndrome has not been recorded as present or absent",
      'the acute GVHD grade (Glucksberg or IBMTR) has not been recorded and chronic GVHD has not been recorded',
      'an autoimmune disease has not been recorded as present or absent, an immune deficiency disease has not been recorded as present or absent and a disease in need of immunosuppressive therapy has not been recorded as present or absent',
      'a severe active infection has not been recorded as present or absent',
      'active hepatitis B has not been recorded as present or absent, active hepatitis C has not been recorded as present or absent and HIV infection has not been recorded as present or absent',
      'prior investigational medicinal products has not been recorded and time since the last investigational medicinal product has not been recorded',
      'prior gene or cell therapy other than the CD19 CAR-T has not been recorded',
      'concurrent use of systemic steroids has not been recorded as present or absent',
      'pregnancy has not been recorded as present or absent and nursing has not been recorded as present or absent',
    ]);
  });

  it('is eligible exactly when no reason is given, whatever is recorded', () => {
    const maybe = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined });
    const screening = fc.record({
      ecog: maybe(fc.integer({ min: 0, max: 5 })),
      lifeExpectancyWeeks: maybe(fc.integer({ min: 0, max: 100 })),
      priorCd19CarT: maybe(fc.boolean()),
      priorGeneOrCellTherapyOtherThanCd19CarT: maybe(fc.boolean()),
      daysSinceInvestigationalProduct: maybe(fc.integer({ min: 0, max: 400 })),
      labs: fc.record({ creatinineMgDl: maybe(fc.double({ min: 0, max: 4, noNaN: true })) }),
      conditions: fc.record({ pregnant: fc.boolean(), hiv: fc.boolean(), severeActiveInfection: fc.boolean() }, { requiredKeys: [] }),
    });
    const attestations = fc.subarray(Object.keys(cd38AttestationIds));
    fc.assert(
      fc.property(screening, attestations, (recorded, signed) => {
        const result = evaluate(recorded, { attestations: signed });
        expect(result.eligible).toBe(result.reasons.length === 0);
        expect(result.results).toHaveLength(cd38Eligibility.length);
      }),
    );
  });
});
