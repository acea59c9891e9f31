import type { Amendment, LifecycleSpec } from './spec';

/**
 * A protocol amendment: the next version of a spec with the changed parts replaced. Patients
 * registered under the earlier version stay on it; new registrations get the newest.
 */
export function amend(base: LifecycleSpec, amendment: Amendment, changes: Partial<Omit<LifecycleSpec, 'id' | 'version'>>): LifecycleSpec {
  return { ...base, ...changes, id: base.id, version: base.version + 1, amendment };
}
