import { type Role, rolesMayPost } from '#protocols';
import { type Actor, ForbiddenError } from '#domain';

/** Refuses (403) an event the caller's role may not post, by the event policy (libs/protocols/src/policy); admins may post any. */
export function assertMayPost(actor: Actor, type: string, data?: unknown): void {
  if (actor.role === 'admin') return;
  // A sign-off (a response given directly, not computed from findings, too) is the investigator's.
  const roles = rolesMayPost(type, data);
  if (roles && !roles.includes(actor.role as Role)) {
    throw new ForbiddenError(`The ${actor.role} role may not post ${type}; it needs one of: ${roles.join(', ')}.`);
  }
}
