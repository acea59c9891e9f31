import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * Email and calendars (README, "Email and calendar feeds"): each user's address and how they want
 * their notices (at once, in a daily digest, or not by email), when their last digest went, and the
 * hash of their calendar feed's token; each inbox row's time it was emailed.
 */
export class EmailAndCalendar1764800000000 implements MigrationInterface {
  name = 'EmailAndCalendar1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('users', [
      new TableColumn({ name: 'email', type: 'varchar', length: '254', isNullable: true }),
      new TableColumn({ name: 'email_preference', type: 'varchar', length: '10', default: "'off'" }),
      new TableColumn({ name: 'digest_sent_at', type: 'varchar', length: '30', isNullable: true }),
      new TableColumn({ name: 'calendar_token_hash', type: 'varchar', length: '64', isNullable: true }),
    ]);
    await queryRunner.createIndex('users', new TableIndex({ name: 'ux_users_calendar_token', columnNames: ['calendar_token_hash'], isUnique: true }));
    await queryRunner.addColumn('notifications', new TableColumn({ name: 'emailed_at', type: 'varchar', length: '30', isNullable: true }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('notifications', 'emailed_at');
    await queryRunner.dropIndex('users', 'ux_users_calendar_token');
    await queryRunner.dropColumns('users', ['calendar_token_hash', 'digest_sent_at', 'email_preference', 'email']);
  }
}
