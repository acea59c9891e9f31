import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Actor, ForbiddenError, type Role, UserService } from '#domain';

const PUBLIC = 'cart:public';
const ROLES_KEY = 'cart:roles';

/** A route anyone may call without a token (health, metrics). */
export const Public = () => SetMetadata(PUBLIC, true);

/** The roles allowed on a route; admins are always allowed. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

type WithActor = { actor?: Actor; headers: Record<string, string | undefined> };

/** Resolves the bearer token to an actor and checks the route's roles. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly users: UserService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<WithActor>();
    const header = request.headers.authorization;
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const actor = await this.users.authenticate(token);
    request.actor = actor;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && actor.role !== 'admin' && !roles.includes(actor.role as Role)) {
      throw new ForbiddenError(`The ${actor.role} role may not do this; it needs one of: ${roles.join(', ')}.`);
    }
    return true;
  }
}

export const CurrentActor = createParamDecorator((_: unknown, context: ExecutionContext): Actor => {
  const actor = context.switchToHttp().getRequest<WithActor>().actor;
  if (!actor) throw new Error('CurrentActor used on a public route');
  return actor;
});
