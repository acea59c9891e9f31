import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { type Role, UserEntity } from '../persistence/entities';
import type { Actor } from '../engine/actor';
import { Clock } from '../engine/clock';
import { NotFoundError, UnauthenticatedError } from '../errors';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export interface CreateUserCommand {
  name: string;
  role: Role;
  siteIds: string[];
}

/** Token lookups held at most; past this the cache starts over. */
const CACHED_TOKENS_MAX = 10_000;

/** Users and their bearer tokens. Tokens are shown once and stored only as SHA-256 hashes. */
@Injectable()
export class UserService {
  private readonly logger = new Logger(UserService.name);
  /** Token hash → the actor it resolved to, for `AUTH_CACHE_MS` (one query less per request). */
  private readonly tokens = new Map<string, { actor: Actor; userId: string; until: number }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private get users() {
    return this.dataSource.getRepository(UserEntity);
  }

  async create(command: CreateUserCommand, token = `ct_${randomBytes(24).toString('base64url')}`) {
    const user = this.users.create({
      id: randomUUID(),
      name: command.name,
      role: command.role,
      siteIds: command.role === 'admin' ? [] : [...new Set(command.siteIds)],
      tokenHash: hashToken(token),
      createdAt: this.clock.now().toISOString(),
      revokedAt: null,
    });
    await this.users.insert(user);
    return { user: toUserView(user), token };
  }

  async list() {
    const users = await this.users.find({ order: { createdAt: 'ASC' } });
    return users.map(toUserView);
  }

  async revoke(id: string) {
    for (const [hash, cached] of this.tokens) if (cached.userId === id) this.tokens.delete(hash);
    const { affected } = await this.users.update({ id, revokedAt: IsNull() }, { revokedAt: this.clock.now().toISOString() });
    if (!affected) throw new NotFoundError(`User ${id} does not exist or is already revoked.`);
  }

  /** The actor a bearer token stands for. Only valid tokens are cached; an unknown one is looked up every time. */
  async authenticate(token: string | undefined): Promise<Actor> {
    if (!token) throw new UnauthenticatedError('Sign in with "Authorization: Bearer <token>".');
    const tokenHash = hashToken(token);
    const now = Date.now();
    const cached = this.tokens.get(tokenHash);
    if (cached && cached.until > now) return cached.actor;
    const user = await this.users.findOneBy({ tokenHash });
    if (!user || user.revokedAt) {
      this.tokens.delete(tokenHash);
      throw new UnauthenticatedError('The bearer token is unknown or revoked.');
    }
    const actor: Actor = { id: `user:${user.id}`, name: user.name, role: user.role, siteIds: user.role === 'admin' ? 'all' : user.siteIds };
    if (this.config.authCacheMs > 0) {
      if (this.tokens.size >= CACHED_TOKENS_MAX) this.tokens.clear();
      this.tokens.set(tokenHash, { actor, userId: user.id, until: now + this.config.authCacheMs });
    }
    return actor;
  }

  /**
   * At start: with `ADMIN_TOKEN`, an admin holding that token exists; with no users at all and no
   * `ADMIN_TOKEN`, an admin is created and its token printed once.
   */
  async ensureAdmin(): Promise<void> {
    if (this.config.adminToken) {
      const exists = await this.users.existsBy({ tokenHash: hashToken(this.config.adminToken) });
      if (!exists) await this.create({ name: 'Administrator', role: 'admin', siteIds: [] }, this.config.adminToken);
      return;
    }
    if ((await this.users.count()) > 0) return;
    const { token } = await this.create({ name: 'Administrator', role: 'admin', siteIds: [] });
    this.logger.warn(`Created the first admin. Its token is shown this once: ${token}`);
  }
}

function toUserView(user: UserEntity) {
  return { id: user.id, name: user.name, role: user.role, siteIds: user.siteIds, createdAt: user.createdAt, revokedAt: user.revokedAt };
}
