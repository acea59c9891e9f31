import { cd19RrAllProfile } from './cd19-rr-all';
import { cd20Cd22Profile } from './cd20-cd22';
import { nct03754764Profile } from './nct03754764';
import { nct04546906Profile } from './nct04546906';
import type { TrialProfile } from './profile';

export type { TrialProfile } from './profile';
export { atLevel } from './profile';

/** The simulator's profile of each protocol the engine runs. */
export const TRIAL_PROFILES: readonly TrialProfile[] = [cd19RrAllProfile, nct03754764Profile, nct04546906Profile, cd20Cd22Profile];

export function profileFor(protocolId: string): TrialProfile | undefined {
  return TRIAL_PROFILES.find((p) => p.protocolId === protocolId);
}
