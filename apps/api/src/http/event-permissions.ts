import type { UserEventType } from '#protocols';
import { type Actor, ForbiddenError, isDirectResponse, type Role } from '#domain';

const CLINICAL: Role[] = ['coordinator', 'investigator'];

/** Who may post each event (docs/design.md, section "Who may do what"); admins may post any. */
export const EVENT_ROLES: Record<UserEventType, Role[]> = {
  SCREENING_DATA_RECORDED: CLINICAL,
  CONSENT_SIGNED: CLINICAL,
  ELIGIBILITY_CONFIRMED: ['investigator'],
  SCREEN_FAILED: CLINICAL,
  ENROLLED: CLINICAL,
  LEUKAPHERESIS_COMPLETED: CLINICAL,
  PRODUCT_RELEASED: CLINICAL,
  MANUFACTURING_FAILED: CLINICAL,
  LYMPHODEPLETION_STARTED: CLINICAL,
  LYMPHODEPLETION_COMPLETED: CLINICAL,
  INFUSION_COMPLETED: CLINICAL,
  ADVERSE_EVENT_REPORTED: CLINICAL,
  DLT_ADJUDICATED: ['investigator'],
  LAB_RESULT_RECORDED: ['lab', ...CLINICAL],
  RESPONSE_ASSESSED: CLINICAL,
  VISIT_COMPLETED: CLINICAL,
  PROGRESSION_OR_RELAPSE: CLINICAL,
  DEATH: CLINICAL,
  WITHDRAWN: CLINICAL,
  LOST_TO_FOLLOW_UP: CLINICAL,
};

export function assertMayPost(actor: Actor, type: string, data?: unknown): void {
  if (actor.role === 'admin') return;
  // A response given directly (not computed from findings) is the investigator's adjudication.
  const adjudication = isDirectResponse(type, data);
  // Own keys only: a type named like an Object.prototype member ("constructor") names no event.
  const roles: Role[] | undefined = adjudication
    ? ['investigator']
    : Object.hasOwn(EVENT_ROLES, type)
      ? EVENT_ROLES[type as UserEventType]
      : undefined;
  if (roles && !roles.includes(actor.role as Role)) {
    throw new ForbiddenError(`The ${actor.role} role may not post ${type}; it needs one of: ${roles.join(', ')}.`);
  }
}
