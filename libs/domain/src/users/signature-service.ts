import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { UserEntity } from '../persistence/entities';
import { type Actor, userIdOf } from '../engine/actor';
import { ForbiddenError, InvalidInputError } from '../errors';
import { hashSigningPassword, signingPasswordMatches } from './signing';

/** A signature the signer has just authenticated: who, and what they mean by it. The engine adds the time. */
export interface AuthenticatedSignature {
  signerId: string;
  signerName: string;
  meaning: string;
}

/**
 * Electronic signatures in the 21 CFR Part 11 sense: the signer re-enters a signing password of
 * their own (never the bearer token, never stored in clear) and states the meaning of the signature.
 */
@Injectable()
export class SignatureService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async setSigningPassword(actor: Actor, password: string): Promise<void> {
    if (!actor.id.startsWith('user:')) throw new ForbiddenError('Only a user can set a signing password.');
    if (password.length < 12) throw new InvalidInputError('The signing password is too short.', ['password: at least 12 characters']);
    await this.dataSource.getRepository(UserEntity).update({ id: userIdOf(actor) }, { signingSecretHash: await hashSigningPassword(password) });
  }

  async authenticate(actor: Actor, signature: { password: string; meaning: string }): Promise<AuthenticatedSignature> {
    const user = await this.dataSource.getRepository(UserEntity).findOneBy({ id: userIdOf(actor) });
    if (!user?.signingSecretHash) {
      throw new ForbiddenError('You have no signing password yet: set one with POST /users/me/signing-password before signing.');
    }
    if (!(await signingPasswordMatches(signature.password, user.signingSecretHash))) {
      throw new ForbiddenError('The signing password is not correct; nothing was signed.');
    }
    return { signerId: actor.id, signerName: user.name, meaning: signature.meaning };
  }
}

/** A response the investigator gives directly (not computed from findings): an adjudication, the investigator's alone. */
export function isDirectResponse(type: string, data: unknown): boolean {
  return type === 'RESPONSE_ASSESSED' && typeof (data as { response?: unknown } | undefined)?.response === 'string';
}

/** Sign-offs that are electronic signatures: eligibility, DLT adjudication, and a response the investigator gives directly. */
export function requiresSignature(type: string, data: unknown): boolean {
  return type === 'ELIGIBILITY_CONFIRMED' || type === 'DLT_ADJUDICATED' || isDirectResponse(type, data);
}
