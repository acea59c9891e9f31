import type { Role, User } from '../api/types';

/**
 * Who may use the console's registration, administration and export pages, as the API decides it
 * (the `roles` of each route in libs/contract/src/routes.ts; admins pass every role check). The
 * console only hides what the API would refuse; the API still checks every request.
 */
export const MAY = {
  /** `registerPatient`: at one of the caller's own sites. */
  register: ['coordinator', 'investigator', 'admin'],
  /** `createUser`, `listUsers`, `revokeUser`, `rotateUserToken`. */
  administer: ['admin'],
  /** `exportPatientFhir`: any role that sees the patient. */
  exportFhir: ['coordinator', 'investigator', 'lab', 'monitor', 'admin'],
  /** `exportTrialSdtm`: of the caller's sites' patients. */
  exportSdtm: ['monitor', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof MAY;

/** Whether the signed-in user's role may use it (`system`, the scheduler's actor, signs in to nothing). */
export function may(role: User['role'], what: Permission): boolean {
  return (MAY[what] as readonly string[]).includes(role);
}
