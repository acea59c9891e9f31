import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/** Tokens issued before this migration expire this long after it ran (the default TOKEN_TTL). */
const EXISTING_TOKENS_TTL_MS = 30 * 24 * 3600 * 1000;

/**
 * Bearer tokens get an expiry; signing passwords a count of wrong ones in a row and a lock
 * (21 CFR Part 11 §11.300). A token issued before has none: it is given 30 days from now (the start
 * that runs this migration gives ADMIN_TOKEN's admin back its token without expiry).
 */
export class TokenExpiryAndSigningLockout1764500000000 implements MigrationInterface {
  name = 'TokenExpiryAndSigningLockout1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('users', [
      new TableColumn({ name: 'signing_failures', type: 'integer', default: 0 }),
      new TableColumn({ name: 'signing_locked_at', type: 'varchar', length: '30', isNullable: true }),
      new TableColumn({ name: 'token_expires_at', type: 'varchar', length: '30', isNullable: true }),
    ]);
    const expiresAt = new Date(Date.now() + EXISTING_TOKENS_TTL_MS).toISOString();
    // An ISO 8601 instant of our own making: nothing to escape, and the same SQL on both databases.
    await queryRunner.query(`UPDATE users SET token_expires_at = '${expiresAt}'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of ['token_expires_at', 'signing_locked_at', 'signing_failures']) await queryRunner.dropColumn('users', column);
  }
}
