import fc from 'fast-check';
import { describeCriteria, evaluateEligibility } from '../rules/eligibility';
import type { ScreeningData } from '../rules/screening-data';
import { cd19AttestationIds, cd19Eligibility } from './eligibility';
import { eligibleCd19Input } from '#testing/eligibility';

const evaluate = (screening: ScreeningData, more: Parameters<typeof eligibleCd19Input>[0] = {}) => evaluateEligibility(cd19Eligibility, eligibleCd19Input({ ...more, screening }));
const statusOf = (id: string, screening: ScreeningData, more?: Parameters<typeof eligibleCd19Input>[0]) => evaluate(screening, more).results.find((r) => r.id === id);

describe('CD19 R/R ALL eligibility', () => {
  it('finds the factory patient eligible', () => {
    const result = evaluateEligibility(cd19Eligibility, eligibleCd19Input());
    expect(result.reasons).toEqual([]);
    expect(result.eligible).toBe(true);
    expect(result.results.every((r) => r.status === 'met')).toBe(true);
  });

  it('encodes every inclusion and exclusion of the trial record, once each', () => {
    const ids = cd19Eligibility.map((c) => `${c.kind}:${c.id}`);
    expect(ids).toEqual([
      'inclusion:cd19-positive-b-all',
      'inclusion:no-remission-or-persistent-residual-disease',
      'inclusion:estimated-survival-over-3-months',
      'inclusion:organ-function-lvef',
      'inclusion:organ-function-creatinine',
      'inclusion:organ-function-ast-alt',
      'inclusion:organ-function-bilirubin',
      'inclusion:performance-status',
      'exclusion:intolerant-to-immunosuppressive-chemotherapy',
      'exclusion:active-infection',
      'exclusion:uncontrolled-complications',
      'exclusion:seizure-history',
      'exclusion:active-hepatitis-or-hiv',
      'exclusion:pregnant-or-lactating',
      'exclusion:refuses-contraception',
      'exclusion:other-contraindications',
    ]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('publishes each attestation a criterion asks for, with its statement', () => {
    const described = describeCriteria(cd19Eligibility);
    const asked = described.flatMap((c) => (c.attestation ? [c.attestation] : []));
    expect(asked.sort()).toEqual(Object.keys(cd19AttestationIds).sort());
    for (const c of described) {
      if (c.attestation) expect(c.attestationStatement).toBe(cd19AttestationIds[c.attestation]);
      else expect(c.rule).toEqual(expect.any(String));
    }
  });

  describe('organ function at its limits', () => {
    it.each([
      [1.59, 'met'],
      [1.6, 'unmet'],
    ])('creatinine %p mg/dL is %s', (creatinineMgDl, status) => {
      expect(statusOf('organ-function-creatinine', { labs: { creatinineMgDl } })?.status).toBe(status);
    });

    it.each([
      [0.5, 'met'],
      [0.49, 'unmet'],
    ])('LVEF %p is %s', (lvef, status) => {
      expect(statusOf('organ-function-lvef', { labs: { lvef } })?.status).toBe(status);
    });

    it.each([
      [1.99, 'met'],
      [2, 'unmet'],
    ])('bilirubin %p mg/dL is %s', (bilirubinMgDl, status) => {
      expect(statusOf('organ-function-bilirubin', { labs: { bilirubinMgDl } })?.status).toBe(status);
    });

    it.each([
      [2.99, 2.99, 'met'],
      [3, 1, 'unmet'],
      [1, 3, 'unmet'],
    ])('AST %p × ULN and ALT %p × ULN is %s', (astXUln, altXUln, status) => {
      expect(statusOf('organ-function-ast-alt', { labs: { astXUln, altXUln } })?.status).toBe(status);
    });

    it('says which value is out of range', () => {
      expect(statusOf('organ-function-lvef', { labs: { lvef: 0.49 } })?.reason).toBe('left ventricular ejection fraction 0.49 is below 0.5');
      expect(statusOf('organ-function-ast-alt', { labs: { altXUln: 3.2 } })?.reason).toBe('ALT 3.2 × ULN is not below 3 × ULN');
    });
  });

  describe('performance status', () => {
    it.each<[ScreeningData, string]>([
      [{ karnofsky: 60, ecog: 3 }, 'met'],
      [{ karnofsky: 50, ecog: 2 }, 'met'],
      [{ karnofsky: 50, ecog: 3 }, 'unmet'],
    ])('%p is %s', (scores, status) => {
      expect(statusOf('performance-status', scores)?.status).toBe(status);
    });

    it('is missing only when neither score is recorded', () => {
      const { screening } = eligibleCd19Input();
      const withoutScores = { ...screening, karnofsky: undefined, ecog: undefined };
      const result = evaluateEligibility(cd19Eligibility, { ...eligibleCd19Input(), screening: withoutScores });
      expect(result.results.find((r) => r.id === 'performance-status')).toMatchObject({
        status: 'missing',
        reason: 'Karnofsky performance status has not been recorded and ECOG has not been recorded',
      });
    });
  });

  describe('disease status', () => {
    const id = 'no-remission-or-persistent-residual-disease';

    it('admits refractory disease whatever the consolidation', () => {
      expect(statusOf(id, { remissionAchieved: false, mrdPositive: false, consolidationCycles: 0 })?.status).toBe('met');
    });

    it('admits residual disease only after at least 2 consolidation cycles', () => {
      expect(statusOf(id, { remissionAchieved: true, mrdPositive: true, consolidationCycles: 2 })?.status).toBe('met');
      expect(statusOf(id, { remissionAchieved: true, mrdPositive: true, consolidationCycles: 1 })).toMatchObject({
        status: 'unmet',
        reason: 'remission was achieved and consolidation cycles 1 is below 2',
      });
      expect(statusOf(id, { remissionAchieved: true, mrdPositive: false, consolidationCycles: 3 })).toMatchObject({
        status: 'unmet',
        reason: 'remission was achieved and no residual disease is detectable',
      });
    });
  });

  describe('estimated survival', () => {
    const id = 'estimated-survival-over-3-months';

    it("needs the investigator's attestation", () => {
      const others = Object.keys(cd19AttestationIds).filter((a) => a !== id);
      expect(statusOf(id, {}, { attestations: others })).toMatchObject({
        status: 'missing',
        reason: "the investigator has not attested that the patient's estimated survival is longer than 3 months",
      });
    });

    it('checks a recorded life expectancy against 3 months (13 weeks)', () => {
      expect(statusOf(id, { lifeExpectancyWeeks: 14 })?.status).toBe('met');
      expect(statusOf(id, { lifeExpectancyWeeks: 13 })).toMatchObject({
        status: 'unmet',
        reason: 'life expectancy 13 weeks is not above 13 weeks',
      });
    });
  });

  describe('pregnancy, lactation and contraception', () => {
    it('excludes a pregnant or lactating woman', () => {
      expect(statusOf('pregnant-or-lactating', { conditions: { pregnant: true } })).toMatchObject({
        status: 'unmet',
        reason: 'pregnancy is recorded',
      });
      expect(statusOf('pregnant-or-lactating', { conditions: { lactating: true } })?.status).toBe('unmet');
    });

    it('does not ask a man about pregnancy, but does ask about contraception', () => {
      const man = eligibleCd19Input({ patient: { sex: 'male' } });
      expect(evaluateEligibility(cd19Eligibility, man).eligible).toBe(true);
      const nothingAboutPregnancy = { ...man, screening: { ...man.screening, conditions: { hiv: false } } };
      const results = evaluateEligibility(cd19Eligibility, nothingAboutPregnancy).results;
      expect(results.find((r) => r.id === 'pregnant-or-lactating')?.status).toBe('met');
      expect(statusOf('refuses-contraception', { contraceptionAgreed: false }, { patient: { sex: 'male' } })).toMatchObject({
        status: 'unmet',
        reason: 'the patient refuses to take effective contraception',
      });
    });

    it('asks a woman about pregnancy and lactation', () => {
      const woman = eligibleCd19Input();
      const nothingAboutPregnancy = { ...woman, screening: { ...woman.screening, conditions: { hiv: false } } };
      const results = evaluateEligibility(cd19Eligibility, nothingAboutPregnancy).results;
      expect(results.find((r) => r.id === 'pregnant-or-lactating')).toMatchObject({
        status: 'missing',
        reason: 'pregnancy has not been recorded as present or absent and lactation has not been recorded as present or absent',
      });
    });
  });

  it('names every failing criterion, in criterion order', () => {
    const result = evaluate(
      {
        markers: { CD19: 'negative' },
        labs: { creatinineMgDl: 1.8, lvef: 0.45 },
        karnofsky: 50,
        ecog: 3,
        conditions: { seizureHistory: true, hiv: true },
      },
      { attestations: ['tolerates-immunosuppressive-chemotherapy', 'no-uncontrolled-complications', 'no-other-contraindications'] },
    );
    expect(result.eligible).toBe(false);
    expect(result.reasons).toEqual([
      'CD19 is negative, not positive',
      "the investigator has not attested that the patient's estimated survival is longer than 3 months",
      'left ventricular ejection fraction 0.45 is below 0.5',
      'creatinine 1.8 mg/dL is not below 1.6 mg/dL',
      'Karnofsky performance status 50 is below 60 and ECOG 3 is above 2',
      'a history of seizure is recorded',
      'HIV infection is recorded',
    ]);
  });

  it('names the data that has not been recorded', () => {
    const result = evaluateEligibility(cd19Eligibility, { ...eligibleCd19Input(), screening: {}, attestations: [] });
    expect(result.eligible).toBe(false);
    expect(result.results.every((r) => r.status === 'missing')).toBe(true);
    expect(result.reasons).toEqual(
      expect.arrayContaining([
        'the diagnosis has not been recorded and CD19 status has not been recorded',
        'creatinine has not been recorded',
        'left ventricular ejection fraction has not been recorded',
        'bilirubin has not been recorded',
        'AST has not been recorded and ALT has not been recorded',
        'a history of seizure has not been recorded as present or absent',
        'agreement to take effective contraception has not been recorded',
        'pregnancy has not been recorded as present or absent and lactation has not been recorded as present or absent',
      ]),
    );
    expect(result.reasons).toHaveLength(cd19Eligibility.length);
  });

  it('is eligible exactly when no reason is given, whatever is recorded', () => {
    const maybe = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: undefined });
    const screening = fc.record({
      karnofsky: maybe(fc.integer({ min: 0, max: 10 }).map((k) => k * 10)),
      ecog: maybe(fc.integer({ min: 0, max: 5 })),
      lifeExpectancyWeeks: maybe(fc.integer({ min: 0, max: 100 })),
      remissionAchieved: maybe(fc.boolean()),
      labs: fc.record({
        creatinineMgDl: maybe(fc.double({ min: 0, max: 4, noNaN: true })),
        lvef: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
      }),
      conditions: fc.record({ pregnant: fc.boolean(), hiv: fc.boolean() }, { requiredKeys: [] }),
    });
    const attestations = fc.subarray(Object.keys(cd19AttestationIds));
    const sex = fc.constantFrom('female' as const, 'male' as const, 'other' as const, 'unknown' as const);
    fc.assert(
      fc.property(screening, attestations, sex, (recorded, signed, patientSex) => {
        const result = evaluate(recorded, { attestations: signed, patient: { sex: patientSex } });
        expect(result.eligible).toBe(result.reasons.length === 0);
        expect(result.results).toHaveLength(cd19Eligibility.length);
      }),
    );
  });
});
