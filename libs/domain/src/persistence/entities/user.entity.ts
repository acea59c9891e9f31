import { Column, Entity, PrimaryColumn } from 'typeorm';

export const ROLES = ['coordinator', 'investigator', 'lab', 'monitor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

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

  @Column({ name: 'created_at', type: 'varchar', length: 30 })
  createdAt!: string;

  @Column({ name: 'revoked_at', type: 'varchar', length: 30, nullable: true })
  revokedAt!: string | null;
}
