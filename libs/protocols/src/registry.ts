import type { Protocol } from './lifecycle/protocol';
import type { LifecycleSpec } from './lifecycle/spec';
import { cd19RrAll } from './cd19-rr-all/protocol';
import { nct03754764 } from './nct03754764-cd38/protocol';
import { nct04546906 } from './nct04546906-cd22/protocol';
import { cd20Cd22 } from './cd20-cd22/protocol';
import { carTLtfu } from './car-t-ltfu/protocol';

/** Every protocol version the engine runs. */
export const PROTOCOLS: readonly Protocol[] = [...nct03754764, ...cd19RrAll, ...nct04546906, ...cd20Cd22, ...carTLtfu];

/** The named version of a protocol, or its newest when no version is named. */
export function findProtocol(id: string, version?: number): Protocol | undefined {
  const versions = PROTOCOLS.filter((p) => p.id === id);
  if (version !== undefined) return versions.find((p) => p.version === version);
  return versions.reduce<Protocol | undefined>((newest, p) => (!newest || p.version > newest.version ? p : newest), undefined);
}

/** The newest version of each protocol. */
export function latestProtocols(): Protocol[] {
  const ids = [...new Set(PROTOCOLS.map((p) => p.id))];
  return ids.map((id) => findProtocol(id)!);
}

/**
 * The trial-level rules of a protocol (target enrollment, dose levels, the escalation design): its
 * newest version's spec, the whole trial's (its cohorts listed, no cohort's variant), or undefined for
 * an unknown protocol. A trial spans its versions (ADR 0011): the patients of every version are
 * counted by one trial row, under the rules of the newest amendment.
 */
export function trialRulesOf(protocolId: string): LifecycleSpec | undefined {
  return findProtocol(protocolId)?.spec;
}
