import { buildProtocol } from './protocol';
import { cd19RrAllV1 } from '../cd19-rr-all/protocol';
import { nct03754764V1 } from '../nct03754764-cd38/protocol';
import type { BoinEscalation } from './spec';

describe('buildProtocol', () => {
  it('refuses a spec whose follow-up ends before the last visit window closes', () => {
    expect(() => buildProtocol({ ...cd19RrAllV1, followUpDays: 760 })).toThrow(/must end after the last visit window closes \(day 760\)/);
  });

  it('refuses a primary response visit that is not in the schedule', () => {
    expect(() => buildProtocol({ ...cd19RrAllV1, primaryResponseVisit: 'D30' })).toThrow(/D30 is not in the schedule/);
  });

  describe('refuses a dose-escalation design its source refuses, when the protocol is built', () => {
    const boin = (over: Partial<BoinEscalation>) => ({
      ...nct03754764V1,
      doseEscalation: { design: 'BOIN' as const, cohortSize: 3, targetDltRate: 0.3, maxSampleSize: 30, ...over },
    });
    const refused = (problem: string) => `Protocol NCT03754764 v1 is not coherent: dose escalation (BOIN): ${problem}.`;

    it('builds a BOIN trial the BOIN package accepts', () => {
      expect(buildProtocol(boin({})).spec.doseEscalation).toMatchObject({ design: 'BOIN', targetDltRate: 0.3 });
      expect(() => buildProtocol(boin({ phi1: 0.2, phi2: 0.4, eliminationCutoff: 0.9, extraSafe: true, offset: 0.1 }))).not.toThrow();
    });

    it('φ2 not above the target (get.boundary: "the probability deemed toxic cannot be lower than or too close to the target")', () => {
      expect(() => buildProtocol(boin({ phi2: 0.3 }))).toThrow(
        refused('φ2 (the DLT rate deemed toxic) must be below 1 and above the target 0.3 by at least a tenth of it (at least 0.33), got 0.3'),
      );
      expect(() => buildProtocol(boin({ phi2: 0.32 }))).toThrow(/φ2 .* got 0\.32/);
    });

    it('φ1 not below the target, and a target outside 0.05–0.6', () => {
      expect(() => buildProtocol(boin({ phi1: 0.3 }))).toThrow(/φ1 \(the DLT rate deemed safe\) must be above 0 and below the target 0\.3 .* got 0\.3\.$/);
      expect(() => buildProtocol(boin({ targetDltRate: 0.65 }))).toThrow(refused("the target DLT rate must be from 0.05 to 0.6 (BOIN's get.boundary refuses others), got 0.65"));
    });

    it('a maximum sample size that is not a whole number of cohorts, or above the enrollment', () => {
      expect(() => buildProtocol(boin({ maxSampleSize: 31 }))).toThrow(refused('the maximum sample size must be a whole number of cohorts of 3, got 31'));
      expect(() => buildProtocol(boin({ maxSampleSize: 0 }))).toThrow(refused('the maximum sample size must be a whole number of cohorts of 3, got 0'));
      expect(() => buildProtocol(boin({ maxSampleSize: 81 }))).toThrow(refused('the maximum sample size of 81 exceeds the target enrollment of 80'));
      expect(() => buildProtocol(boin({ maxSampleSize: 78 }))).not.toThrow();
    });

    it('a cohort size that is not a whole number, and a 3+3 whose cohorts are not of 3', () => {
      expect(() => buildProtocol(boin({ cohortSize: 0 }))).toThrow(refused('the cohort size must be a whole number of patients, got 0'));
      expect(() => buildProtocol({ ...nct03754764V1, doseEscalation: { design: '3+3', cohortSize: 4 } })).toThrow(
        'Protocol NCT03754764 v1 is not coherent: dose escalation (3+3): 3+3 treats cohorts of 3 patients, got a cohort size of 4.',
      );
      expect(() => buildProtocol(nct03754764V1)).not.toThrow();
    });
  });

  it("refuses a dose level reaching outside the trial's cell dose range, at either end", () => {
    const level = cd19RrAllV1.doseLevels[0];
    expect(() => buildProtocol({ ...cd19RrAllV1, doseLevels: [{ ...level, minCellsPerKg: 4.99e6 }] })).toThrow(
      /dose level 1 \(4990000–10000000 cells\/kg\) must lie inside the trial's range 5000000–10000000 cells\/kg/,
    );
    expect(() => buildProtocol({ ...cd19RrAllV1, doseLevels: [{ ...level, maxCellsPerKg: 10.01e6 }] })).toThrow(/must lie inside/);
    expect(() => buildProtocol(cd19RrAllV1)).not.toThrow();
  });
});
