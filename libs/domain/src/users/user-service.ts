import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { IsNull } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { type Role, UserEntity } from '../persistence/entities';
import { UserRepository } from '../persistence/repositories/user-repository';
import { TransactionRunner } from '../persistence/transaction-runner';
import { type Actor, userIdOf } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import { AccessLog, AT_START, type Caller } from '../audit/access-log';
import { NotFoundError, RefusedError, UnauthenticatedError } from '../errors';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

const newToken = () => `ct_${randomBytes(24).toString('base64url')}`;

export interface CreateUserCommand {
  name: string;
  role: Role;
  siteIds: string[];
}

/** Token lookups held at most; past this the cache starts over. */
const CACHED_TOKENS_MAX = 10_000;

/**
 * Users and their bearer tokens. Tokens are shown once, stored only as SHA-256 hashes, and expire
 * `TOKEN_TTL` after they were issued or rotated (21 CFR Part 11 §11.300(b): identification codes
 * periodically revised). Expiry is read from the wall clock, not the engine's (which a simulation
 * runs fast): a token's life is real time.
 */
@Injectable()
export class UserService {
  /** Token hash → the actor it resolved to, until `AUTH_CACHE_MS` or the token's expiry, whichever is first. */
  private readonly tokens = new Map<string, { actor: Actor; userId: string; until: number }>();

  constructor(
    private readonly users: UserRepository,
    private readonly tx: TransactionRunner,
    private readonly access: AccessLog,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Creates a user with a new token; `expires: false` only for ADMIN_TOKEN's admin. */
  async create(caller: Caller, command: CreateUserCommand, token = newToken(), expires = true) {
    const user: UserEntity = {
      id: randomUUID(),
      name: command.name,
      role: command.role,
      siteIds: command.role === 'admin' ? [] : [...new Set(command.siteIds)],
      tokenHash: hashToken(token),
      tokenExpiresAt: expires ? this.expiry() : null,
      signingSecretHash: null,
      signingFailures: 0,
      signingLockedAt: null,
      createdAt: this.clock.now().toISOString(),
      revokedAt: null,
      email: null,
      emailPreference: 'off',
      digestSentAt: null,
      calendarTokenHash: null,
    };
    await this.tx.run(async (manager) => {
      await manager.insert(UserEntity, user);
      await this.access.record(caller, 'user.create', [{ subject: user.id, details: { role: user.role, siteIds: user.siteIds } }], manager);
    });
    return { user: toUserView(user), token };
  }

  async list() {
    const users = await this.users.all();
    return users.map(toUserView);
  }

  async revoke(caller: Caller, id: string) {
    await this.tx.run(async (manager) => {
      const { affected } = await manager.update(UserEntity, { id, revokedAt: IsNull() }, { revokedAt: this.clock.now().toISOString() });
      if (!affected) throw new NotFoundError(`User ${id} does not exist or is already revoked.`);
      await this.access.record(caller, 'user.revoke', [{ subject: id }], manager);
    });
    // After the commit: a request that looked the token up meanwhile may have cached it again.
    this.forget(id);
  }

  /**
   * A new token for a user (the caller's own, or anyone's by an admin), with a new expiry; the old
   * one is refused at once by this process and within `AUTH_CACHE_MS` by the others.
   */
  async rotate(caller: Caller, id: string) {
    const user = await this.users.byId(id);
    if (!user || user.revokedAt) throw new NotFoundError(`User ${id} does not exist or is revoked.`);
    if (this.isEnvironmentAdmin(user)) {
      throw new RefusedError('Token not rotated', [
        "this admin's token is ADMIN_TOKEN: set a new value in the environment and restart (the admin of the old value is then revoked)",
      ]);
    }
    const token = newToken();
    const tokenExpiresAt = this.expiry();
    await this.tx.run(async (manager) => {
      await manager.update(UserEntity, { id }, { tokenHash: hashToken(token), tokenExpiresAt });
      await this.access.record(caller, 'token.rotate', [{ subject: id, details: { byTheUser: caller.actor.id === `user:${id}` } }], manager);
    });
    this.forget(id);
    return { token, expiresAt: tokenExpiresAt };
  }

  /** The actor a bearer token stands for. Only valid tokens are cached; an unknown one is looked up every time. */
  async authenticate(token: string | undefined): Promise<Actor> {
    if (!token) throw new UnauthenticatedError('Sign in with "Authorization: Bearer <token>".');
    const tokenHash = hashToken(token);
    const now = Date.now();
    const cached = this.tokens.get(tokenHash);
    if (cached && cached.until > now) return cached.actor;
    const user = await this.users.byTokenHash(tokenHash);
    if (!user || user.revokedAt) {
      this.tokens.delete(tokenHash);
      throw new UnauthenticatedError('The bearer token is unknown or revoked.');
    }
    const expiresAt = user.tokenExpiresAt === null ? Infinity : Date.parse(user.tokenExpiresAt);
    if (expiresAt <= now) {
      this.tokens.delete(tokenHash);
      throw new UnauthenticatedError(`The bearer token expired at ${user.tokenExpiresAt}; ask an admin for a new one.`);
    }
    const actor: Actor = { id: `user:${user.id}`, name: user.name, role: user.role, siteIds: user.role === 'admin' ? 'all' : user.siteIds };
    if (this.config.authCacheMs > 0) {
      if (this.tokens.size >= CACHED_TOKENS_MAX) this.tokens.clear();
      this.tokens.set(tokenHash, { actor, userId: user.id, until: Math.min(now + this.config.authCacheMs, expiresAt) });
    }
    return actor;
  }

  /** The user behind an actor, as `GET /users/me` shows it. */
  async me(actor: Actor) {
    const user = await this.users.byId(userIdOf(actor));
    if (!user) throw new UnauthenticatedError('The bearer token is unknown or revoked.');
    return toUserView(user);
  }

  /**
   * At start. With `ADMIN_TOKEN`, an admin holding that token exists, and its token does not expire:
   * it lives in the deployment's environment, which whoever runs the service controls and rotates
   * (a new value and a restart), so an expiry the API enforced would only lock the operator out. The
   * admin of an earlier value is revoked (the value was changed to replace it). Without
   * `ADMIN_TOKEN`, the admin of an earlier value becomes an ordinary user whose token expires
   * `TOKEN_TTL` from now; with no users at all, a first admin is created and its token written once
   * to the terminal, on a line of its own, never into a log line.
   */
  async ensureAdmin(): Promise<void> {
    const adminToken = this.config.adminToken;
    if (adminToken) {
      const tokenHash = hashToken(adminToken);
      const admin = await this.users.byTokenHash(tokenHash);
      if (!admin) await this.create(AT_START, { name: 'Administrator', role: 'admin', siteIds: [] }, adminToken, false);
      else if (admin.role === 'admin' && admin.tokenExpiresAt !== null) await this.tx.run((m) => m.update(UserEntity, { id: admin.id }, { tokenExpiresAt: null }));
      const earlier = await this.users.nonExpiringOtherThan(tokenHash);
      for (const user of earlier) await this.revoke(AT_START, user.id);
      return;
    }
    await this.tx.run((m) => m.update(UserEntity, { tokenExpiresAt: IsNull() }, { tokenExpiresAt: this.expiry() }));
    if ((await this.users.count()) > 0) return;
    const { user, token } = await this.create(AT_START, { name: 'Administrator', role: 'admin', siteIds: [] });
    process.stderr.write(`Created the first admin. Its bearer token, shown this once (it expires at ${user.tokenExpiresAt}):\n${token}\n`);
  }

  private isEnvironmentAdmin(user: UserEntity): boolean {
    return this.config.adminToken !== undefined && user.tokenHash === hashToken(this.config.adminToken);
  }

  private expiry(): string {
    return new Date(Date.now() + this.config.tokenTtlMs).toISOString();
  }

  /** Drops a user's cached tokens, so this process looks the user up again on the next request. */
  private forget(userId: string): void {
    for (const [hash, cached] of this.tokens) if (cached.userId === userId) this.tokens.delete(hash);
  }
}

function toUserView(user: UserEntity) {
  return {
    id: user.id,
    name: user.name,
    role: user.role,
    siteIds: user.siteIds,
    createdAt: user.createdAt,
    revokedAt: user.revokedAt,
    tokenExpiresAt: user.tokenExpiresAt,
    signingPasswordSet: user.signingSecretHash !== null,
    signingLockedAt: user.signingLockedAt,
  };
}
