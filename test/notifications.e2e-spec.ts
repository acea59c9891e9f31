import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { NotificationEntity, OutboxEntity, OutboxRelay, Reconciler } from '#domain';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';

/** A webhook receiver on this machine: records what it gets, and fails the next N requests on demand. */
async function receiver() {
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  let failNext = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (failNext > 0) {
        failNext -= 1;
        res.writeHead(500).end('down');
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    fail: (n: number) => (failNext = n),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('notifications', () => {
  let t: TestApp;
  let site: TrialSite;
  let hook: Awaited<ReturnType<typeof receiver>>;

  beforeAll(async () => {
    // The receiver is a plain-http endpoint on the loopback: both must be allowed explicitly.
    t = await startTestApp('postgres', { WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_BACKOFF_MS: '50', WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1' });
    site = await TrialSite.open(t, 'site-a');
    hook = await receiver();
  });
  afterAll(async () => {
    await t.close();
    await hook.close();
  });

  const admin = () => ({ Authorization: `Bearer ${t.adminToken}` });
  const deliveries = async (status?: string) =>
    (await t.http.get(`/webhooks/deliveries${status ? `?status=${status}` : ''}`).set(admin())).body as Array<{ id: string; status: string; attempts: number }>;

  async function dltOn(patientId: string) {
    return site.record(patientId, 'ADVERSE_EVENT_REPORTED', {
      term: 'Encephalopathy',
      grade: 3,
      onset: t.clock.now().toISOString(),
      related: true,
      serious: true,
    });
  }

  it("sends a DLT to the site's inboxes and to a signed webhook, once", async () => {
    const created = await t.http
      .post('/webhooks')
      .set(admin())
      .send({ url: hook.url, siteIds: ['site-a'] });
    expect(created.status).toBe(201);
    const secret: string = created.body.secret;
    expect(secret).toMatch(/^whsec_/);
    expect((await t.http.get('/webhooks').set(admin())).body[0].secret).toBeUndefined();

    const id = await site.infused();
    await dltOn(id);
    await eventually(async () => hook.received.length === 1, 10_000, 'the webhook');
    const [request] = hook.received;
    const body = JSON.parse(request.body);
    expect(body).toMatchObject({ kind: 'dose-limiting-toxicity', patientId: id, siteId: 'site-a' });
    expect(request.headers['x-webhook-signature']).toBe(`sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`);
    expect(request.headers['x-webhook-id']).toBe(body.id);

    const inbox = await eventually(
      async () => {
        const res = (await site.get('/notifications')).body;
        return res.items.length > 0 && res;
      },
      10_000,
      'the inbox',
    );
    expect(inbox.items[0]).toMatchObject({ kind: 'dose-limiting-toxicity', patientId: id, readAt: null });
    expect((await site.get('/notifications', site.investigator)).body.items).toHaveLength(1);
    const other = await TrialSite.open(t, 'site-b');
    expect((await other.get('/notifications')).body.items).toEqual([]);

    // Delivered once, however often the job runs or the reconciler re-enqueues it.
    const outbox = await t.app.get(DataSource).getRepository(OutboxEntity).findOneByOrFail({ patientId: id, kind: 'dose-limiting-toxicity' });
    expect(await t.app.get(OutboxRelay).deliver(outbox.id)).toBe(false);
    await t.app.get(Reconciler).run();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(hook.received).toHaveLength(1);
    expect(await t.app.get(DataSource).getRepository(NotificationEntity).countBy({ outboxId: outbox.id })).toBe(2);
  });

  it("marks an inbox notification read; another user's is a 404", async () => {
    const { items, unread } = (await site.get('/notifications?unread=true')).body;
    const read = await t.http.post(`/notifications/${items[0].id}/read`).set('Authorization', `Bearer ${site.coordinator}`);
    expect(read.status).toBe(200);
    expect(read.body.readAt).toEqual(expect.any(String));
    expect((await site.get('/notifications')).body.unread).toBe(unread - 1);
    const other = await TrialSite.open(t, 'site-c');
    expect((await t.http.post(`/notifications/${items[0].id}/read`).set('Authorization', `Bearer ${other.coordinator}`)).status).toBe(404);
  });

  it("filters the inbox by kind and patient, and marks all read at once: only the caller's, only what matches, only what was there when the page was read", async () => {
    const unreadOf = async (token: string) => (await t.http.get('/notifications').set('Authorization', `Bearer ${token}`)).body.unread as number;
    const before = await unreadOf(site.coordinator);
    const [p1, p2] = [await site.infused(), await site.infused()];
    await dltOn(p1);
    await site.record(p2, 'DEATH', { cause: 'progressive disease' });
    // The investigator of the same site gets the same notices: they stay theirs to read.
    const other = site.investigator;
    await eventually(async () => (await unreadOf(site.coordinator)) >= before + 2 && (await unreadOf(other)) >= 2, 10_000, 'the notices of the DLT and the death');
    const otherBefore = await unreadOf(other);
    const all = (await site.get('/notifications?unread=true&limit=200')).body;
    const kinds = [...new Set((all.items as Array<{ kind: string }>).map((n) => n.kind))];
    expect(kinds.length).toBeGreaterThan(1);
    const kind = kinds[0];
    const ofKind = (await site.get(`/notifications?unread=true&kind=${kind}&limit=200`)).body;
    expect(ofKind.items.length).toBeGreaterThan(0);
    expect(ofKind.items.every((n: { kind: string }) => n.kind === kind)).toBe(true);
    expect(ofKind.total).toBe(all.items.filter((n: { kind: string }) => n.kind === kind).length);
    const ofP1 = (await site.get(`/notifications?patientId=${p1}&limit=200`)).body;
    expect(ofP1.items.length).toBeGreaterThan(0);
    expect(ofP1.items.every((n: { patientId: string }) => n.patientId === p1)).toBe(true);

    const markAll = (body: object) => t.http.post('/notifications/read').set('Authorization', `Bearer ${site.coordinator}`).send(body);
    // Up to a moment before any of them: nothing is marked.
    expect((await markAll({ upTo: '2000-01-01T00:00:00Z' })).body).toMatchObject({ marked: 0, unread: all.unread });
    // One kind: those, and only those.
    const byKind = await markAll({ kind });
    expect(byKind.status).toBe(200);
    expect(byKind.body).toMatchObject({ marked: ofKind.total, unread: all.unread - ofKind.total });
    expect((await site.get(`/notifications?unread=true&kind=${kind}`)).body.total).toBe(0);
    // The rest, of everything.
    expect((await markAll({})).body).toMatchObject({ marked: all.unread - ofKind.total, unread: 0 });
    // Another user of the same site keeps every one of theirs unread.
    expect(await unreadOf(other)).toBe(otherBefore);
    for (const bad of [
      { kind: 'DROP TABLE' },
      { kind: 'visit\uD800' },
      { kind: 'death\u0000' },
      { upTo: 'yesterday' },
      { upTo: '1900-01-01T00:00:00' },
      { extra: true },
      { patientId: '' },
    ]) {
      const res = await markAll(bad);
      expect(res.status).toBe(400);
    }
    expect(await unreadOf(site.coordinator)).toBe(0);
    expect(await unreadOf(other)).toBe(otherBefore);
  });

  it('retries a failing endpoint with backoff until it answers', async () => {
    hook.fail(2);
    const before = hook.received.length;
    await dltOn(await site.infused());
    await eventually(async () => (await deliveries('delivered')).some((d) => d.attempts === 3), 15_000, 'the third attempt');
    expect(hook.received.length - before).toBe(3);
  });

  it('dead-letters a delivery after the last attempt, and re-sends it on request', async () => {
    hook.fail(3);
    await dltOn(await site.infused());
    const [dead] = await eventually(
      async () => {
        const list = await deliveries('dead');
        return list.length > 0 && list;
      },
      15_000,
      'the dead letter',
    );
    expect(dead.attempts).toBe(3);
    const resent = await t.http.post(`/webhooks/deliveries/${dead.id}/resend`).set(admin());
    expect(resent.status).toBe(200);
    await eventually(async () => (await deliveries('delivered')).some((d) => d.id === dead.id), 10_000, 'the re-sent delivery');
    expect((await t.http.post('/webhooks/deliveries/nope/resend').set(admin())).status).toBe(404);
    expect((await t.http.get('/webhooks/deliveries').set('Authorization', `Bearer ${site.coordinator}`)).status).toBe(403);
  });
});
