import type { ScreeningProfile } from '../clinical/screening';

/**
 * How one trial's synthetic patients look and fare: screening, toxicity and efficacy by dose level.
 * Figures are plausible for CAR-T in relapsed or refractory B-cell malignancies, not the trials' results.
 */
export interface TrialProfile {
  protocolId: string;
  screening: ScreeningProfile;
  /** Toxicity intensity (0–1) at each dose level, lowest first: CRS, ICANS and other toxicity grow with it. */
  toxicityByLevel: number[];
  /** Chance of a remission (ALL: CR or CRi) or an objective response (Lugano: CR or PR) at each dose level. */
  responseByLevel: number[];
  /** ALL: of the patients without a remission, the share whose marrow improves enough for the investigator to record a PR (NCT03754764 counts PR). */
  investigatorPrShare?: number;
  /** Of the patients in remission, the share who go on to a consolidative allogeneic transplant and leave the study. */
  transplantShare: number;
  /** The antigen an antigen-negative relapse has lost. */
  targetAntigen: string;
}

/** The toxicity intensity and remission chance of a dose level (its index among the protocol's levels). */
export function atLevel(values: number[], levelIndex: number): number {
  return values[Math.min(Math.max(levelIndex, 0), values.length - 1)];
}
