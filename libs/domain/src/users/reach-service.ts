import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { UserEntity } from '../persistence/entities';
import { UserRepository } from '../persistence/repositories/user-repository';
import { TransactionRunner } from '../persistence/transaction-runner';
import { type Actor, userIdOf } from '../kernel/actor';
import { AccessLog, type Caller } from '../audit/access-log';
import { NotFoundError, RefusedError, UnauthenticatedError } from '../errors';
import { hashToken } from './user-service';

export type EmailPreference = UserEntity['emailPreference'];

/**
 * How the engine reaches a person outside the app (README, "Email and calendar feeds"): their email
 * address and whether notices go there at once, in a daily digest or not at all; and their calendar
 * feed, read by a calendar application with a token of its own, revocable, never the bearer token.
 */
@Injectable()
export class ReachService {
  constructor(
    private readonly users: UserRepository,
    private readonly tx: TransactionRunner,
    private readonly access: AccessLog,
  ) {}

  async preferences(actor: Actor) {
    const user = await this.own(actor);
    return { email: user.email, emailPreference: user.emailPreference, calendarFeed: user.calendarTokenHash !== null };
  }

  async setPreferences(caller: Caller, input: { email: string | null; emailPreference: EmailPreference }) {
    if (input.emailPreference !== 'off' && !input.email) {
      throw new RefusedError('Email preference not saved', [`emailPreference ${input.emailPreference} needs an email address (email)`]);
    }
    const user = await this.own(caller.actor);
    await this.tx.run(async (manager) => {
      await manager.update(UserEntity, { id: user.id }, { email: input.email, emailPreference: input.emailPreference });
      await this.access.record(caller, 'user.email-preferences', [{ subject: user.id, details: { emailPreference: input.emailPreference } }], manager);
    });
    return this.preferences(caller.actor);
  }

  /** A new calendar feed token (the old one, if any, stops working): shown this once, kept as its hash. */
  async createCalendarFeed(caller: Caller) {
    const user = await this.own(caller.actor);
    const token = `cf_${randomBytes(24).toString('base64url')}`;
    await this.tx.run(async (manager) => {
      await manager.update(UserEntity, { id: user.id }, { calendarTokenHash: hashToken(token) });
      await this.access.record(caller, 'calendar.feed-create', [{ subject: user.id, details: { replaced: user.calendarTokenHash !== null } }], manager);
    });
    return { token, path: `/calendar/${token}.ics` };
  }

  async revokeCalendarFeed(caller: Caller) {
    const user = await this.own(caller.actor);
    if (user.calendarTokenHash === null) throw new NotFoundError('There is no calendar feed to revoke.');
    await this.tx.run(async (manager) => {
      await manager.update(UserEntity, { id: user.id }, { calendarTokenHash: null });
      await this.access.record(caller, 'calendar.feed-revoke', [{ subject: user.id }], manager);
    });
  }

  /** The user a calendar feed token stands for, as an actor of their sites; unknown, revoked or replaced: not found (a 404 says nothing more). */
  async feedOwner(token: string): Promise<Actor> {
    const user = /^cf_[A-Za-z0-9_-]{32}$/.test(token) ? await this.users.byCalendarTokenHash(hashToken(token)) : null;
    if (!user || user.revokedAt) throw new NotFoundError('No such calendar feed.');
    return { id: `user:${user.id}`, name: user.name, role: user.role, siteIds: user.role === 'admin' ? 'all' : user.siteIds };
  }

  private async own(actor: Actor): Promise<UserEntity> {
    const user = await this.users.byId(userIdOf(actor));
    if (!user || user.revokedAt) throw new UnauthenticatedError('The bearer token is unknown or revoked.');
    return user;
  }
}
