import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '../../kernel/actor';

export { ROLES, type Role } from '../../kernel/actor';

@Entity('users')
export class UserEntity {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 20 })
  role!: Role;

  @Column({ name: 'site_ids', type: 'simple-json' })
  siteIds!: string[];

  /** SHA-256 of the bearer token; the token itself is never stored. */
  @Column({ name: 'token_hash', type: 'varchar', length: 64, unique: true })
  tokenHash!: string;

  /** scrypt hash of the password the user re-enters to sign (21 CFR Part 11); null until set. */
  @Column({ name: 'signing_secret_hash', type: 'varchar', length: 200, nullable: true })
  signingSecretHash!: string | null;

  /** Consecutive wrong signing passwords; a right one sets it back to 0 (21 CFR Part 11 §11.300(d)). */
  @Column({ name: 'signing_failures', type: 'integer', default: 0 })
  signingFailures!: number;

  /** Set when `SIGNING_MAX_FAILURES` wrong signing passwords came in a row; signing waits for an admin to unlock it. */
  @Column({ name: 'signing_locked_at', type: 'varchar', length: 30, nullable: true })
  signingLockedAt!: string | null;

  /** When the bearer token stops being accepted; null only for the admin whose token is ADMIN_TOKEN. */
  @Column({ name: 'token_expires_at', type: 'varchar', length: 30, nullable: true })
  tokenExpiresAt!: string | null;

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt!: string;

  @Column({ name: 'revoked_at', type: 'varchar', length: 30, nullable: true })
  revokedAt!: string | null;

  /** Where the user's notices are emailed; null: not by email. */
  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  /** `immediate`: each notice as it comes; `daily`: one digest a day; `off`: the in-app inbox only. */
  @Column({ name: 'email_preference', type: 'varchar', length: 10, default: 'off' })
  emailPreference!: 'immediate' | 'daily' | 'off';

  @Column({ name: 'digest_sent_at', type: 'varchar', length: 30, nullable: true })
  digestSentAt!: string | null;

  /** The SHA-256 of the user's calendar feed token; null: no feed. */
  @Column({ name: 'calendar_token_hash', type: 'varchar', length: 64, nullable: true, unique: true })
  calendarTokenHash!: string | null;
}
