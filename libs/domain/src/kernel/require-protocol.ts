import { findProtocol, type LifecycleSpec, type Protocol, trialRulesOf } from '#protocols';
import { NotFoundError } from '../errors';

/** The named version of a protocol (the newest when none is named), or a 404 naming what was asked for. */
export function requireProtocol(id: string, version?: number): Protocol {
  const protocol = findProtocol(id, version);
  if (!protocol) throw new NotFoundError(`Protocol ${id}${version ? ` version ${version}` : ''} does not exist.`);
  return protocol;
}

/** The protocol version (and cohort variant) a patient is pinned to; a patient's protocol is always loaded. */
export function protocolOf(patient: { protocolId: string; protocolVersion: number; cohort: string | null }): Protocol {
  const protocol = findProtocol(patient.protocolId, patient.protocolVersion);
  if (!protocol) throw new Error(`protocol ${patient.protocolId} v${patient.protocolVersion} is not loaded`);
  return protocol.forCohort(patient.cohort);
}

/** The trial-level rules of a protocol (its newest version's, ADR 0011), or a 404 naming it. */
export function requireTrialRules(id: string): LifecycleSpec {
  const rules = trialRulesOf(id);
  if (!rules) throw new NotFoundError(`Protocol ${id} does not exist.`);
  return rules;
}
