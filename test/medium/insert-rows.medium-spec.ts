import { AccessLog, AccessRecordEntity, SiteAmendmentApprovalEntity, WebhookDeliveryEntity } from '#domain';
import { insertRows, MAX_PARAMETERS } from '../../libs/domain/src/persistence/insert-rows';
import { COORDINATOR, type MediumEngine, mediumEngine } from './medium-engine';

/**
 * The one multi-row INSERT (`insertRows`) on the real databases: as many rows to a statement as the
 * database binds parameters, the values as TypeORM stores and reads them, the defaults left to the
 * database, a duplicate key refused as one. The access log, the outbox relay's webhook deliveries and
 * the site approvals all write through it.
 */
describe.each(['postgres', 'sqlite'] as const)('insertRows on %s', (kind) => {
  let m: MediumEngine;

  beforeAll(async () => {
    m = await mediumEngine(kind);
  });
  afterAll(() => m.close());

  /** The statements `work` sends through the data source's manager, with their parameter counts. */
  async function statementsOf(work: () => Promise<unknown>): Promise<Array<{ sql: string; parameters: number }>> {
    const query = jest.spyOn(m.dataSource.manager, 'query');
    try {
      await work();
      return query.mock.calls.map(([sql, parameters]) => ({ sql: String(sql), parameters: (parameters as unknown[] | undefined)?.length ?? 0 }));
    } finally {
      query.mockRestore();
    }
  }

  it('writes thousands of access records in as few statements as the parameter limit allows, each as given', async () => {
    const limit = MAX_PARAMETERS;
    const count = Math.floor(limit / 10) * 2 + 7;
    const rows = Array.from({ length: count }, (_, i) => ({
      at: `2026-03-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
      actor: 'user:monitor',
      actorName: 'Mona "M" O’Brien',
      actorRole: 'monitor',
      address: i % 2 ? '10.0.0.1' : null,
      requestId: `req-${i}`,
      action: 'patient.read',
      patientId: `p-${i}`,
      subject: null,
      details: i % 3 ? { n: i, unit: 'copies/µg', nested: { ok: true } } : null,
    }));
    const statements = await statementsOf(() => insertRows(m.dataSource.manager, AccessRecordEntity, rows as AccessRecordEntity[]));
    // Ten columns a row (the id is the database's): three statements, none past the limit.
    expect(statements).toHaveLength(3);
    for (const s of statements) {
      expect(s.sql).toMatch(/^INSERT INTO "access_audit" \(/);
      expect(s.sql).not.toMatch(/"id"/);
      expect(s.parameters).toBeLessThanOrEqual(limit);
    }
    const stored = await m.dataSource.getRepository(AccessRecordEntity).find({ where: { action: 'patient.read' }, order: { id: 'ASC' } });
    expect(stored.map(({ id: _, ...row }) => row)).toEqual(rows);
    expect(new Set(stored.map((r) => r.id)).size).toBe(count);
  });

  it('writes what AccessLog.record is given, in one statement for one request', async () => {
    const log = new AccessLog(m.dataSource, m.tx, m.clock);
    const statements = await statementsOf(() =>
      log.record({ actor: COORDINATOR, origin: { address: '127.0.0.1', requestId: 'r-1' } }, 'patient.read', [
        { patientId: 'a' },
        { patientId: 'b', details: { why: 'worklist' } },
      ]),
    );
    // On SQLite the standalone write runs in a transaction of its own, through another manager.
    if (kind === 'postgres') expect(statements.filter((s) => s.sql.startsWith('INSERT'))).toHaveLength(1);
    const stored = await m.dataSource.getRepository(AccessRecordEntity).find({ where: { requestId: 'r-1' }, order: { id: 'ASC' } });
    expect(stored.map((r) => [r.patientId, r.details, r.actor, r.address])).toEqual([
      ['a', null, COORDINATOR.id, '127.0.0.1'],
      ['b', { why: 'worklist' }, COORDINATOR.id, '127.0.0.1'],
    ]);
  });

  it('leaves a property not given to the column default, and writes rows that give different ones in separate statements', async () => {
    const base = {
      protocolId: 'cd19-rr-all',
      amendmentVersion: 2,
      approvedOn: '2026-02-01',
      reference: 'IRB-1',
      recordedBy: 'user:admin',
      recordedByName: 'Ada',
      recordedAt: '2026-02-02T00:00:00.000Z',
    };
    const rows = [
      { ...base, siteId: 'site-a', revision: 1, reason: null },
      { ...base, siteId: 'site-b', revision: 1 },
      { ...base, siteId: 'site-c', revision: 1, reason: null },
    ] as SiteAmendmentApprovalEntity[];
    const statements = await statementsOf(() => insertRows(m.dataSource.manager, SiteAmendmentApprovalEntity, rows));
    expect(statements).toHaveLength(2);
    const stored = await m.dataSource.getRepository(SiteAmendmentApprovalEntity).find({ where: { protocolId: 'cd19-rr-all' }, order: { siteId: 'ASC' } });
    expect(stored.map((r) => [r.siteId, r.reason, typeof r.id])).toEqual([
      ['site-a', null, 'number'],
      ['site-b', null, 'number'],
      ['site-c', null, 'number'],
    ]);
  });

  it('refuses a duplicate key as the database does, a row at a time or many, and writes none of a refused statement', async () => {
    const delivery = (id: string) => ({
      id,
      outboxId: 'o-1',
      webhookId: 'w-1',
      status: 'pending' as const,
      attempts: 0,
      lastError: null,
      createdAt: '2026-03-01T00:00:00.000Z',
      updatedAt: '2026-03-01T00:00:00.000Z',
      deliveredAt: null,
    });
    await insertRows(m.dataSource.manager, WebhookDeliveryEntity, delivery('d-1'));
    const refused = await insertRows(m.dataSource.manager, WebhookDeliveryEntity, [delivery('d-2'), delivery('d-1')]).catch((error: unknown) => error);
    expect(m.tx.dialect.isUniqueViolation(refused)).toBe(true);
    const stored = await m.dataSource.getRepository(WebhookDeliveryEntity).find({ order: { id: 'ASC' } });
    expect(stored).toEqual([delivery('d-1')]);
  });
});
