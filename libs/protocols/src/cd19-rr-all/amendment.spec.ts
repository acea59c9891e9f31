import { findProtocol } from '../registry';
import { evaluateEligibility } from '../rules/eligibility';
import { eligibleCd19Input } from '#testing/eligibility';

describe('CD19 R/R ALL amendment 1', () => {
  const v1 = findProtocol('cd19-rr-all', 1)!;
  const v2 = findProtocol('cd19-rr-all', 2)!;

  it('is followed by amendment 2, and v1 can still be named', () => {
    expect(findProtocol('cd19-rr-all')!.version).toBe(3);
    expect(v1.version).toBe(1);
    expect(v2.spec.amendment?.summary).toMatch(/previously treated with a CD19-directed CAR-T/);
  });

  it('excludes a patient after CD19 CAR-T whom v1 accepts', () => {
    const treated = eligibleCd19Input({ screening: { priorCd19CarT: true } });
    expect(evaluateEligibility(v1.spec.eligibility, treated).eligible).toBe(true);
    const v2Result = evaluateEligibility(v2.spec.eligibility, treated);
    expect(v2Result.eligible).toBe(false);
    expect(v2Result.reasons).toEqual([expect.stringMatching(/received a CD19-directed CAR-T product/)]);
  });

  it('changes nothing else: same schedule, doses and regimen', () => {
    expect(v2.spec.schedule).toEqual(v1.spec.schedule);
    expect(v2.spec.doseLevels).toEqual(v1.spec.doseLevels);
    expect(v2.spec.eligibility.slice(0, -1)).toEqual(v1.spec.eligibility);
  });
});
