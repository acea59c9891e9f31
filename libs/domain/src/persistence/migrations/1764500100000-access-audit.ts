import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

const varchar = (name: string, length: number, nullable = false) => ({ name, type: 'varchar', length: String(length), isNullable: nullable });

/** What the database says to an UPDATE, DELETE or TRUNCATE of the access audit. */
const REFUSAL = 'access_audit is append-only';

/**
 * The access audit: who read or exported which patient, who changed users, tokens, webhooks and
 * signing passwords. Append-only in the database itself: triggers refuse UPDATE and DELETE (and
 * TRUNCATE on PostgreSQL), whoever sends them through the service's connection.
 */
export class AccessAudit1764500100000 implements MigrationInterface {
  name = 'AccessAudit1764500100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'access_audit',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          varchar('at', 30),
          varchar('actor', 60),
          varchar('actor_name', 200),
          varchar('actor_role', 20),
          varchar('address', 60, true),
          varchar('request_id', 100, true),
          varchar('action', 40),
          varchar('patient_id', 36, true),
          varchar('subject', 200, true),
          { name: 'details', type: 'text', isNullable: true },
        ],
        indices: [
          new TableIndex({ name: 'ix_access_audit_patient', columnNames: ['patient_id', 'id'] }),
          new TableIndex({ name: 'ix_access_audit_actor', columnNames: ['actor', 'id'] }),
          new TableIndex({ name: 'ix_access_audit_at', columnNames: ['at'] }),
        ],
      }),
    );
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.query(`CREATE FUNCTION access_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${REFUSAL}: % refused', TG_OP; END $$`);
      await queryRunner.query('CREATE TRIGGER access_audit_no_change BEFORE UPDATE OR DELETE ON access_audit FOR EACH ROW EXECUTE FUNCTION access_audit_append_only()');
      await queryRunner.query('CREATE TRIGGER access_audit_no_truncate BEFORE TRUNCATE ON access_audit FOR EACH STATEMENT EXECUTE FUNCTION access_audit_append_only()');
    } else {
      for (const operation of ['UPDATE', 'DELETE']) {
        await queryRunner.query(
          `CREATE TRIGGER access_audit_no_${operation.toLowerCase()} BEFORE ${operation} ON access_audit BEGIN SELECT RAISE(ABORT, '${REFUSAL}: ${operation} refused'); END`,
        );
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.query('DROP TABLE access_audit');
      await queryRunner.query('DROP FUNCTION access_audit_append_only()');
    } else {
      // SQLite drops a table's triggers with it.
      await queryRunner.dropTable('access_audit');
    }
  }
}
