import { adverseEventGrade, adverseEventRefusals, adverseEventReportSchema, assessDlt, crsInputSchema, findProtocol, gradeCrs, gradeIcans, icansInputSchema } from '#protocols';
import { Random } from '../random';
import { crsFindings, drawAdverseEvents, icansFindings } from './toxicity';

const DAY = 86_400_000;
const infusedAt = '2026-03-02T10:00:00.000Z';

describe('CRS and ICANS findings', () => {
  it.each([1, 2, 3, 4])('CRS findings drawn for grade %i have that ASTCT grade, in a form the engine takes', (grade) => {
    for (let seed = 1; seed <= 60; seed++) {
      const findings = crsFindings(Random.seeded(seed), grade);
      expect(crsInputSchema.safeParse(findings).error).toBeUndefined();
      expect(gradeCrs(findings).grade).toBe(grade);
    }
  });

  it.each([1, 2, 3, 4])('ICANS findings drawn for grade %i have that ASTCT grade (ICE, over 12 years), in a form the engine takes', (grade) => {
    for (let seed = 1; seed <= 60; seed++) {
      const findings = icansFindings(Random.seeded(seed), grade);
      expect(icansInputSchema.safeParse(findings).error).toBeUndefined();
      expect(gradeIcans(findings, { ageYears: 40 }).grade).toBe(grade);
    }
  });
});

describe('adverse events after the infusion', () => {
  it('are reports the engine accepts, graded as planned', () => {
    for (let seed = 1; seed <= 200; seed++) {
      for (const ae of drawAdverseEvents(Random.seeded(seed), (seed % 10) / 10)) {
        const report = { term: ae.term, onset: new Date(Date.parse(infusedAt) + ae.onsetDay * DAY).toISOString(), related: ae.related, serious: ae.serious, ...ae.grading };
        expect(adverseEventReportSchema.safeParse(report).success).toBe(true);
        expect(adverseEventRefusals(report, 40)).toEqual([]);
        expect(adverseEventGrade(report, 40).grade).toBe(ae.grade);
        expect(ae.onsetDay).toBeGreaterThan(0);
      }
    }
  });

  it('are dose-limiting more often at a higher toxicity intensity (NCT03754764 DLT rule, resolution reports included)', () => {
    const rule = findProtocol('NCT03754764')!.spec.dlt;
    const dltShare = (intensity: number) => {
      let patients = 0;
      for (let seed = 1; seed <= 1500; seed++) {
        const dlt = drawAdverseEvents(Random.seeded(seed * 31 + Math.round(intensity * 100)), intensity).some((ae) => {
          const onset = new Date(Date.parse(infusedAt) + ae.onsetDay * DAY).toISOString();
          const resolvedAt = ae.resolvedAfterDays === undefined ? undefined : new Date(Date.parse(onset) + ae.resolvedAfterDays * DAY).toISOString();
          return assessDlt(rule, { term: ae.term, grade: ae.grade, onset, related: ae.related, resolvedAt }, infusedAt).dlt;
        });
        if (dlt) patients += 1;
      }
      return patients / 1500;
    };
    const [low, middle, high] = [0.1, 0.45, 0.95].map(dltShare);
    expect(low).toBeLessThan(0.15);
    expect(middle).toBeGreaterThan(low);
    expect(high).toBeGreaterThan(middle + 0.1);
    expect(high).toBeGreaterThan(0.3);
  });
});
