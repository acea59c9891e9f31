import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { UserEntity } from '../persistence/entities';
import { UserRepository } from '../persistence/repositories/user-repository';
import { TransactionRunner } from '../persistence/transaction-runner';
import { type Actor, userIdOf } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import { AccessLog, type Caller } from '../audit/access-log';
import { ForbiddenError, InvalidInputError, NotFoundError, RefusedError, SigningLockedError, UnauthenticatedError } from '../errors';
import { hashSigningPassword, signingPasswordMatches } from './signing';
import { BEDSIDE_WITNESS_MEANING } from '#protocols';

/** A signature the signer has just authenticated: who, and what they mean by it. The engine adds the time. */
export interface AuthenticatedSignature {
  signerId: string;
  signerName: string;
  meaning: string;
}

/** How long a try waits for the tries in flight to settle, and how often it looks. */
const BUSY_WAIT_MS = 5_000;
const BUSY_POLL_MS = 25;

/**
 * A signature as the engine receives it: its meaning, and the check of the password, which the
 * engine runs only once everything else about the event has been accepted. So every refusal
 * (unknown or other-site patient, state, protocol) answers the same whatever the password, and only
 * the signature's own success tells a right password from a wrong one.
 */
export interface SignatureCheck {
  meaning: string;
  authenticate(): Promise<AuthenticatedSignature>;
}

/**
 * The second person of a bedside check, as the engine receives them: who they are (known before
 * anything is judged, so the rules about people can refuse first) and the check of their signing
 * password, run only once everything else has been accepted (like a signature's).
 */
export interface BedsideWitness {
  /** `user:<id>`. */
  actor: Actor;
  authenticate(): Promise<AuthenticatedSignature>;
}

/** The witness of a bedside check as given: who, their signing password, and (optionally) what they state. */
export interface GivenWitness {
  userId: string;
  password: string;
  meaning?: string;
}

/** A signing password as given: the password, and the meaning the signer states. */
export interface GivenSignature {
  password: string;
  meaning: string;
}

/**
 * One try of a user's signing password. `reserved`: counted as wrong in advance, so that
 * simultaneous tries (from any process) cannot pass the lockout; `locked`, `busy` (the tries in
 * flight did not settle within BUSY_WAIT_MS) and `unset` (no signing password) are refused
 * without a check.
 */
interface Attempt {
  user: UserEntity;
  state: 'reserved' | 'locked' | 'busy' | 'unset';
  outcome?: 'right' | 'wrong' | 'refused';
}

/**
 * Electronic signatures in the sense of 21 CFR Part 11. §11.200(a)(1): a signature is two distinct
 * identification components, the bearer token that identifies the user and a signing password of
 * their own that only they know (never the token, stored only as a scrypt hash), re-entered for
 * each signature with its meaning (§11.50). §11.300: changing the password needs the current one,
 * an admin can only reset it (the user then sets a new one), and `SIGNING_MAX_FAILURES` wrong ones
 * in a row lock signing until an admin unlocks it, each of these in the access audit (§11.300(d):
 * attempts at unauthorised use detected and reported).
 */
@Injectable()
export class SignatureService {
  constructor(
    private readonly users: UserRepository,
    private readonly tx: TransactionRunner,
    private readonly access: AccessLog,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Runs `apply` with a signature whose password is checked when `apply` calls `authenticate`, then
   * settles the try: a right password clears the count of wrong ones, a wrong one is recorded (and
   * locks signing when it is one too many), a try never checked is not counted.
   */
  async signing<T>(caller: Caller, given: GivenSignature, patientId: string | null, apply: (signature: SignatureCheck) => Promise<T>): Promise<T> {
    const attempt = await this.open(caller.actor);
    const signature: SignatureCheck = {
      meaning: given.meaning,
      authenticate: async () => {
        await this.check(attempt, given.password);
        return { signerId: caller.actor.id, signerName: attempt.user.name, meaning: given.meaning };
      },
    };
    try {
      return await apply(signature);
    } finally {
      await this.settle(attempt, caller, patientId);
    }
  }

  /**
   * Runs `apply` with the witness of a bedside check (docs/design.md, section "Chain of identity"):
   * a second user, named by id, who signs with their own signing password. The password is checked
   * when the engine calls `authenticate`, last, and the try is settled and audited as the witness's
   * own (a wrong one counts towards their lockout, not the caller's).
   */
  async witnessing<T>(caller: Caller, given: GivenWitness, patientId: string, apply: (witness: BedsideWitness) => Promise<T>): Promise<T> {
    const user = await this.users.byId(given.userId);
    if (!user || user.revokedAt) {
      throw new RefusedError('INFUSION_COMPLETED refused', [`the witness ${given.userId} is not a user of this service, or was revoked`]);
    }
    const actor: Actor = { id: `user:${user.id}`, name: user.name, role: user.role, siteIds: user.role === 'admin' ? 'all' : user.siteIds };
    const meaning = given.meaning ?? BEDSIDE_WITNESS_MEANING;
    return this.signing({ actor, origin: caller.origin }, { password: given.password, meaning }, patientId, (check) => apply({ actor, authenticate: () => check.authenticate() }));
  }

  /**
   * Sets the caller's signing password: the first one, or a new one after an admin reset, without
   * more; a change needs the current one (§11.300(b)), and a wrong one counts towards the lockout.
   */
  async setSigningPassword(caller: Caller, change: { password: string; currentPassword?: string }): Promise<void> {
    const user = await this.userOf(caller.actor);
    if (change.password.length < 12) throw new InvalidInputError('The signing password is too short.', ['password: at least 12 characters']);
    const changing = user.signingSecretHash !== null;
    if (changing) {
      if (change.currentPassword === undefined) {
        throw new InvalidInputError('To change your signing password, give the current one as well.', [
          'currentPassword: required to change a signing password (an admin can reset a forgotten one)',
        ]);
      }
      const attempt = await this.open(caller.actor);
      try {
        await this.check(attempt, change.currentPassword);
      } finally {
        await this.settle(attempt, caller, null);
      }
      if (change.currentPassword === change.password) {
        throw new RefusedError('Signing password not changed', ['the new signing password must differ from the current one']);
      }
    }
    const signingSecretHash = await hashSigningPassword(change.password);
    await this.write(async (manager) => {
      await manager.update(UserEntity, { id: user.id }, { signingSecretHash, signingFailures: 0 });
      await this.access.record(caller, changing ? 'signing-password.change' : 'signing-password.set', [{ subject: user.id }], manager);
    });
  }

  /** An admin resets a user's signing password: it is gone (and any lock with it); the user must set a new one. */
  async reset(caller: Caller, userId: string): Promise<void> {
    const user = await this.activeUser(userId);
    await this.write(async (manager) => {
      await manager.update(UserEntity, { id: user.id }, { signingSecretHash: null, signingFailures: 0, signingLockedAt: null });
      await this.access.record(caller, 'signing-password.reset', [{ subject: user.id, details: { wasLocked: user.signingLockedAt !== null } }], manager);
    });
  }

  /** An admin unlocks signing for a user it was locked for; the password stays as it was. */
  async unlock(caller: Caller, userId: string): Promise<void> {
    const user = await this.activeUser(userId);
    if (!user.signingLockedAt) throw new RefusedError('Signing not unlocked', [`signing is not locked for ${user.name}`]);
    await this.write(async (manager) => {
      await manager.update(UserEntity, { id: user.id }, { signingFailures: 0, signingLockedAt: null });
      await this.access.record(caller, 'signing.unlock', [{ subject: user.id, details: { lockedAt: user.signingLockedAt } }], manager);
    });
  }

  /**
   * Opens a try. When the tries in flight already make up the rest of the allowance (someone
   * signing several patients at once), it waits for them to settle: a right one gives the
   * allowance back, a wrong one may lock signing. Only if they take longer than a few seconds is
   * this try refused as `busy`.
   */
  private async open(actor: Actor): Promise<Attempt> {
    const deadline = Date.now() + BUSY_WAIT_MS;
    for (;;) {
      const user = await this.userOf(actor);
      if (user.signingLockedAt) return { user, state: 'locked' };
      if (!user.signingSecretHash) return { user, state: 'unset' };
      const reserved = await this.write((manager) =>
        manager
          .createQueryBuilder()
          .update(UserEntity)
          .set({ signingFailures: () => 'signing_failures + 1' })
          .where('id = :id AND signing_locked_at IS NULL AND signing_failures < :max', { id: user.id, max: this.config.signingMaxFailures })
          .execute(),
      );
      if (reserved.affected) return { user, state: 'reserved' };
      if (Date.now() > deadline) return { user, state: 'busy' };
      await new Promise((resolve) => setTimeout(resolve, BUSY_POLL_MS));
    }
  }

  private async check(attempt: Attempt, password: string): Promise<void> {
    const { user } = attempt;
    if (attempt.state !== 'reserved') {
      attempt.outcome = 'refused';
      if (attempt.state === 'unset') {
        throw new ForbiddenError('You have no signing password (none was set, or an admin reset it): set one with POST /users/me/signing-password before signing.');
      }
      if (attempt.state === 'busy') {
        throw new SigningLockedError(
          'Your other signing attempts are still being checked, and one more wrong password would lock signing; try again in a moment. Nothing was signed.',
        );
      }
      throw new SigningLockedError(
        `Signing is locked for you after ${this.config.signingMaxFailures} wrong signing passwords in a row; an admin must unlock it (or reset your signing password). Nothing was signed.`,
      );
    }
    if (attempt.outcome === 'right') return;
    if (await signingPasswordMatches(password, user.signingSecretHash)) {
      attempt.outcome = 'right';
      return;
    }
    attempt.outcome = 'wrong';
    const left = this.config.signingMaxFailures - (user.signingFailures + 1);
    throw new ForbiddenError(
      `The signing password is not correct; nothing was signed. ${left > 0 ? `${left} more wrong in a row lock${left === 1 ? 's' : ''} signing.` : 'Signing is now locked until an admin unlocks it.'}`,
    );
  }

  /** After the try: clear, count or give back the reserved try; a refused or wrong one goes into the access audit. */
  private async settle(attempt: Attempt, caller: Caller, patientId: string | null): Promise<void> {
    const { user, state, outcome } = attempt;
    if (state === 'reserved' && outcome === undefined) {
      // Refused before the password was looked at: the try does not count.
      await this.write((m) =>
        m
          .createQueryBuilder()
          .update(UserEntity)
          .set({ signingFailures: () => 'signing_failures - 1' })
          .where('id = :id AND signing_failures > 0', { id: user.id })
          .execute(),
      );
      return;
    }
    if (outcome === 'right') {
      await this.write((m) => m.update(UserEntity, { id: user.id }, { signingFailures: 0 }));
      return;
    }
    if (outcome === undefined) return;
    await this.write(async (manager) => {
      const failure = { patientId, subject: user.id, details: { reason: outcome === 'wrong' ? 'wrong signing password' : state } };
      await this.access.record(caller, 'signing.failure', [failure], manager);
      if (outcome !== 'wrong') return;
      const locked = await manager
        .createQueryBuilder()
        .update(UserEntity)
        .set({ signingLockedAt: this.clock.now().toISOString() })
        .where('id = :id AND signing_locked_at IS NULL AND signing_failures >= :max', { id: user.id, max: this.config.signingMaxFailures })
        .execute();
      if (locked.affected) {
        await this.access.record(caller, 'signing.lock', [{ patientId, subject: user.id, details: { failuresInARow: this.config.signingMaxFailures } }], manager);
      }
    });
  }

  /** Every write goes through the transaction runner: on SQLite, a write outside its queue could land in another request's transaction. */
  private write<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.tx.run(work);
  }

  private async userOf(actor: Actor): Promise<UserEntity> {
    if (!actor.id.startsWith('user:')) throw new ForbiddenError('Only a user can sign or hold a signing password.');
    const user = await this.users.byId(userIdOf(actor));
    if (!user || user.revokedAt) throw new UnauthenticatedError('The bearer token is unknown or revoked.');
    return user;
  }

  private async activeUser(userId: string): Promise<UserEntity> {
    const user = await this.users.byId(userId);
    if (!user || user.revokedAt) throw new NotFoundError(`User ${userId} does not exist or is revoked.`);
    return user;
  }
}
