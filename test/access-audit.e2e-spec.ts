import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { buildServices, stopAllStacks, withStack, eventually } from '#testing';
import { startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';

/**
 * The access audit: who read or exported which patient, who changed users, tokens, webhooks and
 * signing passwords; append-only; queryable by admin and monitor within their sites. And request
 * logs that name the actor.
 */

type Role = 'coordinator' | 'investigator' | 'lab' | 'monitor' | 'admin';
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an access-audit log line as written, whose fields the tests assert
type AccessRecord = Record<string, any>;

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe.each(['postgres', 'sqlite'] as const)('the access audit on %s', (kind) => {
  let t: TestApp;
  let siteA: TrialSite;
  let siteB: TrialSite;
  let monitorA: string;
  const started = new Date().toISOString();

  beforeAll(async () => {
    t = await startTestApp(kind, { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1' });
    siteA = await TrialSite.open(t, 'site-a');
    siteB = await TrialSite.open(t, 'site-b');
    monitorA = (await newUser('monitor', ['site-a'])).token;
  });
  afterAll(() => t.close());

  async function newUser(role: Role, siteIds: string[]) {
    const res = await t.http
      .post('/users')
      .set(bearer(t.adminToken))
      .send({ name: `${role} ${randomUUID().slice(0, 6)}`, role, siteIds });
    if (res.status !== 201) throw new Error(`user creation failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.id as string, token: res.body.token as string };
  }

  /** The access records an admin finds for this query, newest first. */
  async function records(query: string, token = t.adminToken, limit = 1000): Promise<AccessRecord[]> {
    const res = await t.http.get(`/audit/access?limit=${limit}&${query}`).set(bearer(token));
    expect(res.status).toBe(200);
    return res.body.items;
  }

  /** Every row of the table, read behind the API's back. */
  const rowCount = async () => Number((await t.app.get(DataSource).query('SELECT count(*) AS n FROM access_audit'))[0].n);

  const byRequest = async (requestId: string) => (await records('')).filter((r) => r.requestId === requestId);

  it('records each read of a patient, its log, its schedule and its FHIR export: who, when, from where, which request', async () => {
    const patient = await siteA.register();
    const coordinator = await newUser('coordinator', ['site-a']);
    const reads: Array<[string, string]> = [
      [`/patients/${patient}`, 'patient.read'],
      [`/patients/${patient}/events`, 'patient.events.read'],
      [`/patients/${patient}/schedule`, 'patient.schedule.read'],
      [`/patients/${patient}/fhir`, 'export.fhir'],
    ];
    for (const [path, action] of reads) {
      const requestId = `read-${action}-${randomUUID()}`;
      const before = new Date().toISOString();
      await t.http.get(path).set(bearer(coordinator.token)).set('X-Request-Id', requestId).expect(200);
      const [record, ...more] = await byRequest(requestId);
      expect(more).toEqual([]);
      expect(record).toEqual({
        id: expect.any(Number),
        at: expect.any(String),
        actor: `user:${coordinator.id}`,
        actorName: expect.stringMatching(/^coordinator /),
        actorRole: 'coordinator',
        address: expect.stringMatching(/127\.0\.0\.1|::1/),
        requestId,
        action,
        patientId: patient,
        subject: null,
        details: action === 'patient.events.read' ? { afterSeq: 0, entries: 1 } : null,
      });
      expect(record.at >= before && record.at <= new Date().toISOString()).toBe(true);
    }
    // A patient that does not exist, or belongs to another site, was not read: nothing is recorded.
    const other = await siteB.register();
    for (const id of [other, randomUUID()]) {
      const requestId = `not-read-${randomUUID()}`;
      await t.http.get(`/patients/${id}`).set(bearer(coordinator.token)).set('X-Request-Id', requestId).expect(404);
      expect(await byRequest(requestId)).toEqual([]);
    }
  });

  it('records one row per patient a list or a worklist returned, and no other', async () => {
    const ids = [await siteA.register(), await siteA.register(), await siteA.register()];
    const listed = await t.http.get('/patients?limit=2&offset=1').set(bearer(siteA.coordinator)).set('X-Request-Id', 'list-page-2');
    expect(listed.status).toBe(200);
    const returned = (listed.body.items as Array<{ id: string }>).map((p) => p.id).sort();
    expect(returned).toHaveLength(2);
    const listedRecords = await byRequest('list-page-2');
    expect(listedRecords.map((r) => r.patientId).sort()).toEqual(returned);
    expect(listedRecords.every((r) => r.action === 'patients.list')).toBe(true);
    const worklist = await t.http.get('/worklist').set(bearer(siteA.coordinator)).set('X-Request-Id', 'worklist-1');
    const named = (await byRequest('worklist-1')).map((r) => r.patientId);
    expect(named.sort()).toEqual((worklist.body.patients as Array<{ id: string }>).map((p) => p.id).sort());
    expect(named).toEqual(expect.arrayContaining(ids));
  });

  it('records an SDTM export with each patient it exported, and the file', async () => {
    const patient = await siteA.infused();
    const res = await t.http.get('/trials/cd19-rr-all/export?format=sdtm&domain=DM').set(bearer(monitorA)).set('X-Request-Id', 'sdtm-dm');
    expect(res.status).toBe(200);
    const exported = await byRequest('sdtm-dm');
    const sitePatients = ((await t.http.get('/patients?protocolId=cd19-rr-all&limit=500').set(bearer(monitorA))).body.items as Array<{ id: string }>).map((p) => p.id);
    expect(exported.map((r) => r.patientId).sort()).toEqual(sitePatients.sort());
    expect(exported.map((r) => r.patientId)).toContain(patient);
    expect(exported[0]).toMatchObject({ action: 'export.sdtm', actorRole: 'monitor', subject: 'cd19-rr-all-dm.csv', details: { domain: 'DM' } });
  });

  it('records who created, rotated and revoked a user, and who created and revoked a webhook', async () => {
    const created = await t.http
      .post('/users')
      .set(bearer(t.adminToken))
      .set('X-Request-Id', 'create-lab')
      .send({ name: 'Lena Lab', role: 'lab', siteIds: ['site-a'] });
    expect(created.status).toBe(201);
    await t.http.post(`/users/${created.body.id}/token`).set(bearer(t.adminToken)).set('X-Request-Id', 'rotate-lab').expect(200);
    await t.http.delete(`/users/${created.body.id}`).set(bearer(t.adminToken)).set('X-Request-Id', 'revoke-lab').expect(204);
    const hook = await t.http
      .post('/webhooks')
      .set(bearer(t.adminToken))
      .set('X-Request-Id', 'create-hook')
      .send({ url: 'http://127.0.0.1:9/hook', siteIds: ['site-a'] });
    expect(hook.status).toBe(201);
    await t.http.delete(`/webhooks/${hook.body.id}`).set(bearer(t.adminToken)).set('X-Request-Id', 'revoke-hook').expect(204);
    const byAdmin = (fields: AccessRecord) => [expect.objectContaining({ actorRole: 'admin', patientId: null, ...fields })];
    expect(await byRequest('create-lab')).toEqual(byAdmin({ action: 'user.create', subject: created.body.id, details: { role: 'lab', siteIds: ['site-a'] } }));
    expect(await byRequest('rotate-lab')).toEqual(byAdmin({ action: 'token.rotate', subject: created.body.id }));
    expect(await byRequest('revoke-lab')).toEqual(byAdmin({ action: 'user.revoke', subject: created.body.id }));
    expect(await byRequest('create-hook')).toEqual(
      byAdmin({ action: 'webhook.create', subject: hook.body.id, details: { url: 'http://127.0.0.1:9/hook', siteIds: ['site-a'], kinds: [] } }),
    );
    expect(await byRequest('revoke-hook')).toEqual(byAdmin({ action: 'webhook.revoke', subject: hook.body.id }));
    // No token and no webhook secret is ever recorded.
    const all = JSON.stringify(await records(''));
    expect(all).not.toContain(created.body.token);
    expect(all).not.toContain(hook.body.secret);
    // A refused change records nothing.
    const refused = await t.http.post('/users').set(bearer(t.adminToken)).set('X-Request-Id', 'refused-user').send({ name: 'x', role: 'lab', siteIds: [] });
    expect(refused.status).toBe(400);
    expect(await byRequest('refused-user')).toEqual([]);
  });

  it('records who made a checkpoint and who exported the whole log or the checkpoint file', async () => {
    expect((await t.http.post('/audit/checkpoints').set(bearer(t.adminToken))).status).toBe(200);
    expect((await t.http.get('/audit/log').set(bearer(t.adminToken))).status).toBe(200);
    expect((await t.http.get('/audit/checkpoints').set(bearer(t.adminToken))).status).toBe(200);
    // A monitor may not export the log: refused, and not recorded as an export.
    expect((await t.http.get('/audit/log').set(bearer(monitorA))).status).toBe(403);
    const made = await records('action=checkpoint.create');
    expect(made).toEqual([expect.objectContaining({ actorRole: 'admin', details: { created: expect.any(Boolean), number: expect.any(Number) } })]);
    expect(await records('action=export.audit-log')).toEqual([expect.objectContaining({ actorRole: 'admin', subject: 'audit-log.jsonl', patientId: null })]);
    expect(await records('action=export.checkpoints')).toEqual([expect.objectContaining({ actorRole: 'admin', subject: 'checkpoints.jsonl' })]);
  });

  it('writes nothing for an event posted (the log entry names its actor)', async () => {
    const patient = await siteA.infused();
    const before = await rowCount();
    for (let i = 0; i < 5; i++) {
      await siteA.record(patient, 'LAB_RESULT_RECORDED', { code: 'IL6', compartment: 'PB', value: 10 + i, unit: 'pg/mL', collectedAt: t.clock.now().toISOString() });
    }
    expect(await rowCount()).toBe(before);
  });

  it('is append-only: no route changes or deletes a record, and the database refuses UPDATE and DELETE', async () => {
    await t.http.get('/worklist').set(bearer(siteA.coordinator)).expect(200);
    const [latest] = await records('', t.adminToken, 1);
    const before = await rowCount();
    for (const method of ['put', 'patch', 'delete', 'post'] as const) {
      expect((await t.http[method]('/audit/access').set(bearer(t.adminToken)).send({})).status).toBe(404);
      expect((await t.http[method](`/audit/access/${latest.id}`).set(bearer(t.adminToken)).send({})).status).toBe(404);
    }
    const db = t.app.get(DataSource);
    const param = kind === 'postgres' ? '$1' : '?';
    await expect(db.query(`UPDATE access_audit SET actor = 'someone else' WHERE id = ${param}`, [latest.id])).rejects.toThrow(/access_audit is append-only: UPDATE refused/);
    await expect(db.query(`DELETE FROM access_audit WHERE id = ${param}`, [latest.id])).rejects.toThrow(/access_audit is append-only: DELETE refused/);
    await expect(db.query('DELETE FROM access_audit')).rejects.toThrow(/append-only/);
    if (kind === 'postgres') await expect(db.query('TRUNCATE access_audit')).rejects.toThrow(/append-only: TRUNCATE refused/);
    expect(await rowCount()).toBe(before);
    expect((await records('', t.adminToken, 1))[0]).toEqual(latest);
  });

  it("lets a monitor read the records about its own sites' patients only, an admin all, and no other role any", async () => {
    const a = await siteA.register();
    const b = await siteB.register();
    await siteA.get(`/patients/${a}`).expect(200);
    await siteB.get(`/patients/${b}`).expect(200);
    const asMonitor = await records('', monitorA);
    expect(asMonitor.length).toBeGreaterThan(0);
    const visible = new Set(((await t.http.get('/patients?limit=500').set(bearer(monitorA))).body.items as Array<{ id: string }>).map((p) => p.id));
    expect(asMonitor.every((r) => visible.has(r.patientId))).toBe(true);
    expect(asMonitor.some((r) => r.patientId === a)).toBe(true);
    expect(await records(`patientId=${b}`, monitorA)).toEqual([]);
    expect((await records(`patientId=${b}`)).length).toBeGreaterThan(0);
    expect(asMonitor.some((r) => r.action.startsWith('user.') || r.action.startsWith('webhook.'))).toBe(false);
    for (const token of [siteA.coordinator, siteA.investigator, (await newUser('lab', ['site-a'])).token]) {
      expect((await t.http.get('/audit/access').set(bearer(token))).status).toBe(403);
    }
    expect((await t.http.get('/audit/access')).status).toBe(401);
  });

  it('filters by patient, actor, action and time, newest first, a page at a time', async () => {
    const patient = await siteA.register();
    const reader = await newUser('investigator', ['site-a']);
    for (let i = 0; i < 5; i++) await t.http.get(`/patients/${patient}`).set(bearer(reader.token)).expect(200);
    await t.http.get(`/patients/${patient}/schedule`).set(bearer(siteA.coordinator)).expect(200);
    const forPatient = await records(`patientId=${patient}`);
    expect(forPatient.map((r) => r.action)).toEqual(['patient.schedule.read', ...Array(5).fill('patient.read')]);
    expect(forPatient.map((r) => r.id)).toEqual([...forPatient.map((r) => r.id)].sort((x, y) => y - x));
    const byReader = await t.http.get(`/audit/access?actor=${reader.id}&action=patient.read&limit=2&offset=1`).set(bearer(monitorA));
    expect(byReader.body).toMatchObject({ total: 5, limit: 2, offset: 1 });
    expect(byReader.body.items).toEqual([forPatient[2], forPatient[3]]);
    expect((await records(`actor=user:${reader.id}`)).length).toBe(5);
    expect(await records(`patientId=${patient}&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    expect((await records(`patientId=${patient}&from=${encodeURIComponent(started)}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).length).toBe(6);
    const bad = await t.http.get('/audit/access?action=patient.delete&limit=5000').set(bearer(t.adminToken));
    expect(bad.status).toBe(400);
    expect(bad.body.issues).toEqual(expect.arrayContaining([expect.stringMatching(/^action/), expect.stringMatching(/^limit/)]));
  });
});

describe('request logs name the actor (API process, PostgreSQL)', () => {
  beforeAll(() => buildServices(), 180_000);
  afterAll(() => stopAllStacks(), 60_000);

  it('puts the actor on every line of an authenticated request, the "request completed" line included', async () => {
    await withStack('access-log-lines', { env: { LOG_LEVEL: 'info' } }, async (stack) => {
      const api = await stack.startApi();
      const created = await fetch(`${api.url}/users`, {
        method: 'POST',
        headers: { ...bearer(stack.adminToken), 'Content-Type': 'application/json', 'X-Request-Id': 'create-for-log' },
        body: JSON.stringify({ name: 'Logged Coordinator', role: 'coordinator', siteIds: ['site-a'] }),
      });
      const user = (await created.json()) as { id: string; token: string };
      await fetch(`${api.url}/worklist`, { headers: { ...bearer(user.token), 'X-Request-Id': 'worklist-for-log' } });
      await fetch(`${api.url}/worklist`, { headers: { 'X-Request-Id': 'anonymous-for-log' } });
      const lines = await eventually(
        async () => {
          const parsed = api
            .output()
            .split('\n')
            .filter((l) => l.startsWith('{'))
            // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an access-audit log line as written, whose fields the tests assert
            .map((l) => JSON.parse(l) as Record<string, any>);
          return parsed.some((l) => l.req?.id === 'anonymous-for-log') ? parsed : undefined;
        },
        10_000,
        'the request log lines',
      );
      const completed = (id: string) => lines.find((l) => l.req?.id === id && l.msg === 'request completed');
      expect(completed('worklist-for-log')).toMatchObject({ actor: `user:${user.id}`, req: { url: '/worklist' }, res: { statusCode: 200 } });
      expect(completed('create-for-log')).toMatchObject({ actor: expect.stringMatching(/^user:/), res: { statusCode: 201 } });
      // A request without a valid token has no actor to name.
      expect(completed('anonymous-for-log')).toMatchObject({ res: { statusCode: 401 } });
      expect(completed('anonymous-for-log')!.actor).toBeUndefined();
      // No token in any line.
      expect(api.output()).not.toContain(user.token);
      expect(api.output()).not.toContain(stack.adminToken);
    });
  }, 120_000);
});
