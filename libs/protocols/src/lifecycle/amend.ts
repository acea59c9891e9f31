import type { Amendment, LifecycleSpec } from './spec';

/**
 * A protocol amendment: the next version of a spec with the changed parts replaced. Patients
 * registered under the earlier version stay on it; new registrations get the newest.
 */
export function amend(base: LifecycleSpec, amendment: Amendment, changes: Partial<Omit<LifecycleSpec, 'id' | 'version'>>): LifecycleSpec {
  return { ...base, ...changes, id: base.id, version: base.version + 1, amendment };
}

/**
 * How the amendment that made a version is named to a site: `amendment 2 (version 3) of cd19-rr-all`.
 * `amend()` makes each version from the one before, so version N is amendment N − 1.
 */
export const amendmentName = (spec: Pick<LifecycleSpec, 'id' | 'version'>) => `amendment ${spec.version - 1} (version ${spec.version}) of ${spec.id}`;
