import type { Role } from '#protocols';

/** The roles a user may have: the event policy's. */
export { ROLES, type Role } from '#protocols';

/** Who applies an event: a signed-in user, or the engine's own scheduler. */
export interface Actor {
  /** `user:<id>` or `system:scheduler`. */
  id: string;
  name: string;
  role: Role | 'system';
  /** The sites whose patients the actor may see; `all` for admins and the scheduler. */
  siteIds: string[] | 'all';
}

export const SCHEDULER: Actor = { id: 'system:scheduler', name: 'Scheduler', role: 'system', siteIds: 'all' };

export function canSeeSite(actor: Actor, siteId: string): boolean {
  return actor.siteIds === 'all' || actor.siteIds.includes(siteId);
}

/** The user id behind a `user:<id>` actor. */
export const userIdOf = (actor: Actor) => actor.id.replace(/^user:/, '');
