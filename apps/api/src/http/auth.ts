import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { type Actor, type Caller, ForbiddenError, type RequestOrigin, type Role, UserService } from '#domain';

const PUBLIC = 'cart:public';
const ROLES_KEY = 'cart:roles';

/** A route anyone may call without a token (health, metrics). */
export const Public = () => SetMetadata(PUBLIC, true);

/** The roles allowed on a route; admins are always allowed. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

type WithActor = FastifyRequest & { actor?: Actor };

/**
 * The token of an `Authorization` header: the scheme in any case, one or more spaces, the token.
 * `Bearer T`, `bearer T` and `BEARER  T` are the same caller (the rate limit keys on this too).
 */
export function bearerToken(header: string | undefined): string | undefined {
  return header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
}

/** Resolves the bearer token to an actor, names it in the request's log lines, and checks the route's roles. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly users: UserService,
    private readonly reflector: Reflector,
    private readonly logger: PinoLogger,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<WithActor>();
    const actor = await this.users.authenticate(bearerToken(request.headers.authorization));
    request.actor = actor;
    // Every later log line of this request, and its "request completed" line, carry the actor.
    this.logger.assign({ actor: actor.id });
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

/** Where the request came from: the address Fastify resolved (X-Forwarded-For only from a trusted proxy) and the request id. */
export function originOf(request: FastifyRequest): RequestOrigin {
  return { address: request.ip ?? null, requestId: String(request.id) };
}

/** The actor and the request's origin, as the access audit records them. */
export const CurrentCaller = createParamDecorator((_: unknown, context: ExecutionContext): Caller => {
  const request = context.switchToHttp().getRequest<WithActor>();
  if (!request.actor) throw new Error('CurrentCaller used on a public route');
  return { actor: request.actor, origin: originOf(request) };
});
