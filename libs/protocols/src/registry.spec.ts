import { findProtocol, PROTOCOLS, trialRulesOf } from './registry';

const newestVersion = (id: string) => Math.max(...PROTOCOLS.filter((p) => p.id === id).map((p) => p.version));

describe('trialRulesOf', () => {
  it("gives an amended protocol's trial the newest version's rules, whichever version a patient is on", () => {
    expect(PROTOCOLS.filter((p) => p.id === 'cd19-rr-all').length).toBeGreaterThan(1);
    const rules = trialRulesOf('cd19-rr-all')!;
    expect(rules.version).toBe(newestVersion('cd19-rr-all'));
    expect(rules).toBe(findProtocol('cd19-rr-all')!.spec);
    expect(rules).not.toBe(findProtocol('cd19-rr-all', 1)!.spec);
  });

  it("keeps a trial's cohort structure: the whole trial's spec, not one cohort's variant", () => {
    const rules = trialRulesOf('cd20-cd22')!;
    expect(rules.cohorts?.map((c) => c.id)).toEqual(['B-ALL', 'B-NHL']);
    const nhl = findProtocol('cd20-cd22')!.forCohort('B-NHL').spec;
    expect(nhl.responseCriteria).toBe('LUGANO_2014');
    expect(rules.responseCriteria).toBe('ALL');
    // What the trial level reads is the trial's, shared by every cohort.
    expect({ target: rules.targetEnrollment, levels: rules.doseLevels, escalation: rules.doseEscalation }).toEqual({
      target: nhl.targetEnrollment,
      levels: nhl.doseLevels,
      escalation: nhl.doseEscalation,
    });
  });

  it('gives a protocol of one version its only spec, with its dose-escalation design', () => {
    const rules = trialRulesOf('NCT03754764')!;
    expect(rules.version).toBe(newestVersion('NCT03754764'));
    expect(rules.doseEscalation).toMatchObject({ design: '3+3', cohortSize: 3 });
  });

  it('knows no rules for a protocol the engine does not run', () => {
    expect(trialRulesOf('no-such-trial')).toBeUndefined();
    expect(trialRulesOf('')).toBeUndefined();
  });
});
