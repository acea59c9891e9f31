import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';

const varchar = (name: string, length: number, nullable = false) => ({ name, type: 'varchar', length: String(length), isNullable: nullable });

/** What the database says to an UPDATE, DELETE or TRUNCATE of the approvals. */
const REFUSAL = 'site_amendment_approvals is append-only';

/**
 * Each site's IRB/ethics approval of a protocol amendment, one row per revision (the approval, then
 * each correction with its reason). Append-only in the database itself, like the access audit: the
 * approval dates decide which version a site's patients register on, and they are evidence.
 */
export class SiteAmendmentApprovals1764530000000 implements MigrationInterface {
  name = 'SiteAmendmentApprovals1764530000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'site_amendment_approvals',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          varchar('protocol_id', 60),
          { name: 'amendment_version', type: 'integer' },
          varchar('site_id', 60),
          { name: 'revision', type: 'integer' },
          varchar('approved_on', 10),
          varchar('reference', 200),
          { name: 'reason', type: 'text', isNullable: true },
          varchar('recorded_by', 60),
          varchar('recorded_by_name', 200),
          varchar('recorded_at', 30),
        ],
        indices: [new TableIndex({ name: 'ux_site_amendment_approvals', columnNames: ['protocol_id', 'amendment_version', 'site_id', 'revision'], isUnique: true })],
      }),
    );
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.query(
        `CREATE FUNCTION site_amendment_approvals_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${REFUSAL}: % refused', TG_OP; END $$`,
      );
      await queryRunner.query(
        'CREATE TRIGGER site_amendment_approvals_no_change BEFORE UPDATE OR DELETE ON site_amendment_approvals FOR EACH ROW EXECUTE FUNCTION site_amendment_approvals_append_only()',
      );
      await queryRunner.query(
        'CREATE TRIGGER site_amendment_approvals_no_truncate BEFORE TRUNCATE ON site_amendment_approvals FOR EACH STATEMENT EXECUTE FUNCTION site_amendment_approvals_append_only()',
      );
    } else {
      for (const operation of ['UPDATE', 'DELETE']) {
        await queryRunner.query(
          `CREATE TRIGGER site_amendment_approvals_no_${operation.toLowerCase()} BEFORE ${operation} ON site_amendment_approvals BEGIN SELECT RAISE(ABORT, '${REFUSAL}: ${operation} refused'); END`,
        );
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type === 'postgres') {
      await queryRunner.query('DROP TABLE site_amendment_approvals');
      await queryRunner.query('DROP FUNCTION site_amendment_approvals_append_only()');
    } else {
      // SQLite drops a table's triggers with it.
      await queryRunner.dropTable('site_amendment_approvals');
    }
  }
}
