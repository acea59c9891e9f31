import { NotificationEntity, OutboxEntity, UserEntity, WebhookDeliveryEntity, WebhookEntity } from '#domain';
import { TRIAL_SCOPE } from '../../libs/domain/src/trials/trial-notices';
import { INVESTIGATORS } from '../../libs/domain/src/scheduling/outbox-relay';
import { COORDINATOR, type MediumEngine, mediumEngine } from './medium-engine';

/**
 * The outbox relay's fan-out: one statement on PostgreSQL, a transaction of TypeORM statements on
 * SQLite (OutboxRelay, OutboxRepository.fanOut). Both are held to the same answers here: who gets an
 * inbox row, which webhooks get a delivery, and that a row is relayed once.
 */
describe.each(['postgres', 'sqlite'] as const)('the outbox relay on %s', (kind) => {
  let m: MediumEngine;
  let patientA: string;
  let patientB: string;
  const now = '2026-12-06T10:00:00.000Z';

  const user = (id: string, role: string, siteIds: string[], revokedAt: string | null = null) => ({
    id,
    name: id,
    role,
    siteIds,
    tokenHash: id.padEnd(64, '0'),
    signingSecretHash: null,
    signingFailures: 0,
    signingLockedAt: null,
    tokenExpiresAt: null,
    createdAt: now,
    revokedAt,
    email: null,
  });
  const webhook = (id: string, siteIds: string[], kinds: string[], revokedAt: string | null = null) => ({
    id,
    url: `https://hooks.example.org/${id}`,
    secret: 's'.repeat(32),
    siteIds,
    kinds,
    createdAt: now,
    revokedAt,
  });

  beforeAll(async () => {
    m = await mediumEngine(kind);
    const both = { ...COORDINATOR, siteIds: ['site-a', 'site-b'] };
    const patient = { sex: 'female', birthDate: '1991-07-14', weightKg: 70, heightCm: 170 } as const;
    patientA = (await m.engine.register({ protocolId: 'cd19-rr-all', subjectId: 'R-1', siteId: 'site-a', patient }, both)).patient.id;
    patientB = (await m.engine.register({ protocolId: 'cd19-rr-all', subjectId: 'R-2', siteId: 'site-b', patient }, both)).patient.id;
    await m.dataSource
      .getRepository(UserEntity)
      .save([
        user('coord-a', 'coordinator', ['site-a']),
        user('inv-a', 'investigator', ['site-a']),
        user('inv-ab', 'investigator', ['site-b', 'site-a']),
        user('coord-b', 'coordinator', ['site-b']),
        user('inv-c', 'investigator', ['site-c']),
        user('gone-a', 'coordinator', ['site-a'], now),
        user('monitor-a', 'monitor', ['site-a']),
        user('admin', 'admin', []),
      ] as never);
    await m.dataSource
      .getRepository(WebhookEntity)
      .save([
        webhook('hook-all', [], []),
        webhook('hook-a', ['site-a'], []),
        webhook('hook-b', ['site-b'], []),
        webhook('hook-a-reminders', ['site-a'], ['visit_reminder']),
        webhook('hook-revoked', [], [], now),
      ] as never);
  });
  afterAll(() => m.close());

  let n = 0;
  async function relayed(patientId: string, kind: string, payload: Record<string, unknown>) {
    const id = `${patientId}.${++n}.0`;
    await m.dataSource.getRepository(OutboxEntity).save({ id, patientId, seq: n, kind, payload, status: 'pending', attempts: 0, createdAt: now, deliveredAt: null } as never);
    expect(await m.relay.deliver(id)).toBe(true);
    const inbox = await m.dataSource.getRepository(NotificationEntity).find({ where: { outboxId: id } });
    const deliveries = await m.dataSource.getRepository(WebhookDeliveryEntity).find({ where: { outboxId: id } });
    const row = await m.dataSource.getRepository(OutboxEntity).findOneByOrFail({ id });
    return { id, inbox: inbox.sort((x, y) => x.userId.localeCompare(y.userId)), hooks: deliveries.map((d) => d.webhookId).sort(), row, deliveries };
  }

  it('relays a patient’s notice to its site’s coordinators and investigators and the webhooks of that site and kind', async () => {
    const payload = { message: 'Day 7 visit due', patientId: patientA, siteId: 'site-a', visit: 'D7' };
    const { id, inbox, hooks, row, deliveries } = await relayed(patientA, 'visit_reminder', payload);
    expect(inbox.map((i) => i.userId)).toEqual(['coord-a', 'inv-a', 'inv-ab']);
    // Every row it writes carries the relay's time, the outbox row's deliveredAt.
    const at = row.deliveredAt!;
    expect(row).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(Math.abs(Date.parse(at) - m.clock.now().getTime())).toBeLessThan(10_000);
    for (const i of inbox) {
      expect(i).toMatchObject({
        id: `${id}.${i.userId}`,
        outboxId: id,
        patientId: patientA,
        kind: 'visit_reminder',
        message: 'Day 7 visit due',
        createdAt: at,
        readAt: null,
        emailedAt: null,
      });
      expect(i.payload).toEqual(payload);
    }
    expect(hooks).toEqual(['hook-a', 'hook-a-reminders', 'hook-all']);
    for (const d of deliveries)
      expect(d).toMatchObject({ id: `${id}.${d.webhookId}`, status: 'pending', attempts: 0, lastError: null, createdAt: at, updatedAt: at, deliveredAt: null });
  });

  it('names the kind when the notice has no message, and leaves out webhooks of other kinds and sites', async () => {
    const { inbox, hooks } = await relayed(patientB, 'withdrawal', { patientId: patientB, siteId: 'site-b' });
    expect(inbox.map((i) => [i.userId, i.message])).toEqual([
      ['coord-b', 'withdrawal'],
      ['inv-ab', 'withdrawal'],
    ]);
    expect(hooks).toEqual(['hook-all', 'hook-b']);
  });

  it('relays a notice for the investigators alone to the investigators of the patient’s site', async () => {
    const { inbox, hooks } = await relayed(patientA, 'bedside_alarm', { message: 'Bag and patient do not match', siteId: 'site-a', audience: INVESTIGATORS });
    expect(inbox.map((i) => i.userId)).toEqual(['inv-a', 'inv-ab']);
    expect(hooks).toEqual(['hook-a', 'hook-all']);
  });

  it('relays a notice to the trial to the investigators of every site with a patient on it, naming no patient', async () => {
    const { inbox, hooks } = await relayed(patientA, 'escalation_decision', { message: 'Escalate', scope: TRIAL_SCOPE, protocolId: 'cd19-rr-all' });
    expect(inbox.map((i) => i.userId)).toEqual(['inv-a', 'inv-ab']);
    expect(inbox.every((i) => i.patientId === null)).toBe(true);
    expect(hooks).toEqual(['hook-a', 'hook-all', 'hook-b']);
    const elsewhere = await relayed(patientA, 'escalation_decision', { message: 'Escalate', scope: TRIAL_SCOPE, protocolId: 'no-such-trial' });
    expect(elsewhere.inbox).toEqual([]);
    expect(elsewhere.hooks).toEqual(['hook-all']);
  });

  it('relays a row once, also when two relays race for it, and does nothing for a row that is not there', async () => {
    const id = `${patientA}.${++n}.0`;
    await m.dataSource
      .getRepository(OutboxEntity)
      .save({ id, patientId: patientA, seq: n, kind: 'visit_reminder', payload: { siteId: 'site-a' }, status: 'pending', attempts: 0, createdAt: now, deliveredAt: null } as never);
    const answers = await Promise.all([m.relay.deliver(id), m.relay.deliver(id), m.relay.deliver(id)]);
    expect(answers.filter(Boolean)).toHaveLength(1);
    expect(await m.relay.deliver(id)).toBe(false);
    expect(await m.dataSource.getRepository(NotificationEntity).count({ where: { outboxId: id } })).toBe(3);
    expect(await m.dataSource.getRepository(WebhookDeliveryEntity).count({ where: { outboxId: id } })).toBe(3);
    expect(await m.dataSource.getRepository(OutboxEntity).findOneByOrFail({ id })).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(await m.relay.deliver(`${patientA}.999.0`)).toBe(false);
  });
});
