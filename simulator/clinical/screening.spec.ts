import { evaluateEligibility, findProtocol, screeningDataSchema, type LifecycleSpec } from '#protocols';
import { Random } from '../random';
import { TRIAL_PROFILES } from '../trials';
import { drawCandidate, makeIneligible, type ScreeningCandidate, screeningParts } from './screening';

const AS_OF = Date.parse('2026-03-02T09:30:00Z');
const SEEDS = Array.from({ length: 150 }, (_, i) => i * 7919 + 1);

/** What the engine decides at the eligibility sign-off, by the protocol's own rules (and its cohort's diagnoses). */
function unmetCriteria(spec: LifecycleSpec, candidate: ScreeningCandidate): string[] {
  const { reasons } = evaluateEligibility(spec.eligibility, {
    screening: candidate.screening,
    patient: { birthDate: candidate.demographics.birthDate, sex: candidate.demographics.sex },
    attestations: candidate.attestations,
    asOf: new Date(AS_OF + 5 * 86_400_000).toISOString(),
  });
  const diagnoses = spec.cohorts?.find((c) => c.id === candidate.cohort)?.diagnoses;
  const wrongCohort = diagnoses && !diagnoses.includes(String(candidate.screening.diagnosis)) ? ['diagnosis outside the cohort'] : [];
  return [...reasons, ...wrongCohort];
}

const cases = TRIAL_PROFILES.flatMap((profile) => {
  const spec = findProtocol(profile.protocolId)!.spec;
  const cohorts = spec.cohorts?.map((c) => c.id) ?? [null];
  return cohorts.map((cohort) => ({ name: `${profile.protocolId}${cohort ? ` ${cohort}` : ''}`, profile, spec, cohort }));
});

describe.each(cases)('screening of $name', ({ profile, spec, cohort }) => {
  it('draws eligible patients that the protocol accepts, with screening data its schema accepts in the parts sites record', () => {
    for (const seed of SEEDS) {
      const candidate = drawCandidate(profile.screening, Random.seeded(seed), cohort, AS_OF, 0);
      expect(candidate.ineligibility).toBeUndefined();
      expect(unmetCriteria(spec, candidate)).toEqual([]);
      for (const part of screeningParts(candidate.screening)) expect(screeningDataSchema.safeParse(part).success).toBe(true);
    }
  });

  it('makes patients ineligible in ways the protocol refuses, each way at least once', () => {
    const findings = new Set<string>();
    for (const seed of SEEDS) {
      const rng = Random.seeded(seed);
      const candidate = drawCandidate(profile.screening, rng, cohort, AS_OF, 0);
      makeIneligible(profile.screening, candidate, rng, AS_OF);
      findings.add(candidate.ineligibility!);
      expect(unmetCriteria(spec, candidate)).not.toEqual([]);
    }
    expect([...findings].sort()).toEqual(profile.screening.ineligibilities.map((i) => i.finding).sort());
  });

  it('registers adults of plausible size within the ages the profile gives', () => {
    for (const seed of SEEDS.slice(0, 50)) {
      const { demographics } = drawCandidate(profile.screening, Random.seeded(seed), cohort, AS_OF, 0);
      const age = (AS_OF - Date.parse(demographics.birthDate)) / (365.25 * 86_400_000);
      const [min, max] = profile.screening.ages(cohort);
      expect(age).toBeGreaterThanOrEqual(min);
      expect(age).toBeLessThan(max + 1);
      expect(demographics.heightCm).toBeGreaterThanOrEqual(145);
      expect(demographics.heightCm).toBeLessThanOrEqual(200);
      const bmi = demographics.weightKg / (demographics.heightCm / 100) ** 2;
      expect(bmi).toBeGreaterThanOrEqual(16.9);
      expect(bmi).toBeLessThanOrEqual(38.1);
    }
  });
});

it('makes about one screened patient in eight ineligible', () => {
  const profile = TRIAL_PROFILES[0];
  const ineligible = SEEDS.map((seed) => drawCandidate(profile.screening, Random.seeded(seed), null, AS_OF)).filter((c) => c.ineligibility).length;
  expect(ineligible / SEEDS.length).toBeGreaterThan(0.05);
  expect(ineligible / SEEDS.length).toBeLessThan(0.25);
});
