import type { ScreeningData } from '#protocols';
import type { Random } from '../random';
import { type Demographics, drawDemographics } from './demographics';

/** A screened patient as the site records them: who they are, what screening found, what the investigator attests. */
export interface ScreeningCandidate {
  cohort: string | null;
  demographics: Demographics;
  screening: ScreeningData;
  attestations: string[];
  /** Set when the candidate was made ineligible: the finding, in words (for the report). */
  ineligibility?: string;
}

/** A realistic way to fail a trial's screening: a finding that changes the candidate. */
export interface Ineligibility {
  finding: string;
  apply(candidate: ScreeningCandidate, rng: Random, asOf: number): void;
}

/** How a trial's patients look at screening. */
export interface ScreeningProfile {
  /** Whole years at screening of an eligible patient, by cohort. */
  ages(cohort: string | null): readonly [number, number];
  /** Screening data and attestations of an eligible patient, with plausible variation. */
  eligible(rng: Random, cohort: string | null): { screening: ScreeningData; attestations: string[] };
  ineligibilities: Ineligibility[];
}

/** Share of screened patients made ineligible. */
export const INELIGIBLE_SHARE = 0.13;

/**
 * One screened patient: eligible, or (with probability `ineligibleShare`) failing one criterion in a
 * way that happens at sites.
 */
export function drawCandidate(profile: ScreeningProfile, rng: Random, cohort: string | null, asOf: number, ineligibleShare = INELIGIBLE_SHARE): ScreeningCandidate {
  const demographics = drawDemographics(rng, profile.ages(cohort), asOf);
  const candidate: ScreeningCandidate = { cohort, demographics, ...profile.eligible(rng, cohort) };
  if (rng.chance(ineligibleShare)) makeIneligible(profile, candidate, rng, asOf);
  return candidate;
}

/** Applies one of the trial's ineligibilities. */
export function makeIneligible(profile: ScreeningProfile, candidate: ScreeningCandidate, rng: Random, asOf: number): void {
  const chosen = rng.pick(profile.ineligibilities);
  chosen.apply(candidate, rng, asOf);
  candidate.ineligibility = chosen.finding;
}

const LATER_PART = ['labs', 'conditions', 'gvhd', 'contraceptionAgreed'] as const;

/**
 * Screening as sites record it, in two events: the disease and the patient's history first, then
 * the labs and conditions once they are back. A record with nothing in the second part is one event.
 */
export function screeningParts(screening: ScreeningData): ScreeningData[] {
  const later = Object.fromEntries(LATER_PART.filter((k) => screening[k] !== undefined).map((k) => [k, screening[k]])) as ScreeningData;
  const first = Object.fromEntries(Object.entries(screening).filter(([k]) => !(LATER_PART as readonly string[]).includes(k))) as ScreeningData;
  return Object.keys(later).length ? [first, later] : [first];
}

/** Without one attestation (the investigator cannot attest it). */
export function withoutAttestation(candidate: ScreeningCandidate, id: string): void {
  candidate.attestations = candidate.attestations.filter((a) => a !== id);
}

/** A life expectancy of 3 months or less, which the investigator cannot attest as over 3 months. */
export const shortSurvival: Ineligibility = {
  finding: 'estimated survival of 3 months or less',
  apply: (c, rng) => {
    c.screening.lifeExpectancyWeeks = rng.int(6, 12);
    withoutAttestation(c, 'estimated-survival-over-3-months');
  },
};

/** ECOG and a Karnofsky score that agrees with it. */
export function performanceStatus(rng: Random, maxEcog: number): { ecog: number; karnofsky: number } {
  const ecog = rng.weighted<number>(
    [
      [0, 0.3],
      [1, 0.55],
      [2, 0.15],
    ].filter(([e]) => e <= maxEcog) as Array<[number, number]>,
  );
  return { ecog, karnofsky: karnofskyFor(rng, ecog) };
}

function karnofskyFor(rng: Random, ecog: number): number {
  const byEcog: Record<number, number[]> = { 0: [90, 100], 1: [70, 80], 2: [60, 70], 3: [40, 50], 4: [20, 30] };
  return rng.pick(byEcog[ecog] ?? [50]);
}

/** Organ function within the limits the trials use (creatinine < 1.6, bilirubin < 2, AST/ALT < 3 × ULN, LVEF ≥ 0.5). */
export function normalLabs(rng: Random): NonNullable<ScreeningData['labs']> {
  return {
    creatinineMgDl: Number(rng.normalWithin(0.85, 0.2, 0.45, 1.45).toFixed(2)),
    bilirubinMgDl: Number(rng.normalWithin(0.7, 0.3, 0.2, 1.6).toFixed(2)),
    astXUln: Number(rng.normalWithin(1.1, 0.5, 0.4, 2.6).toFixed(1)),
    altXUln: Number(rng.normalWithin(1.1, 0.5, 0.4, 2.6).toFixed(1)),
    lvef: Number(rng.normalWithin(0.62, 0.05, 0.52, 0.75).toFixed(2)),
  };
}
