import { SIGNING_PASSWORD } from '#testing';
import { startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';

/** The HTTP contract's edges: authentication, roles, bad input, body limits, OpenAPI. */
describe('the HTTP API', () => {
  let t: TestApp;
  let site: TrialSite;

  beforeAll(async () => {
    t = await startTestApp('postgres', { BODY_LIMIT: '20kb' });
    site = await TrialSite.open(t, 'site-a');
  });
  afterAll(() => t.close());

  const log = async (patientId: string) => (await site.get(`/patients/${patientId}/events`)).body as unknown[];

  it('answers health without a token, naming the database and Redis, with security headers', async () => {
    const res = await t.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', database: 'up', redis: 'up' });
    expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' });
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
    // Every answer names its request: a new UUID, or the caller's own X-Request-Id (trimmed to 100 characters).
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const named = await t.http.get('/health').set('X-Request-Id', `trace-${'x'.repeat(200)}`);
    expect(named.headers['x-request-id']).toBe(`trace-${'x'.repeat(94)}`);
  });

  it('serves Prometheus metrics to the host, counting applied and refused events', async () => {
    const id = await site.register();
    await site.post(id, { type: 'INFUSION_COMPLETED', data: { cellsPerKg: 7e6 } });
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1' });
    const res = await t.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/cart_events_applied_total\{type="CONSENT_SIGNED",actor="user"\} [1-9]/);
    expect(res.text).toMatch(/cart_events_refused_total\{code="event_not_accepted"\} [1-9]/);
    expect(res.text).toMatch(/cart_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/patients\/:id\/events"/);
  });

  it('serves the OpenAPI document with the contract routes', async () => {
    const res = await t.http.get('/docs-json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/patients', '/patients/{id}', '/patients/{id}/events', '/patients/{id}/schedule', '/protocols/{id}', '/users']),
    );
    expect((await t.http.get('/docs')).status).toBe(200);
  });

  it('refuses a request without a valid token with 401, and a revoked token at once', async () => {
    expect((await t.http.get('/patients')).status).toBe(401);
    const bad = await t.http.get('/patients').set('Authorization', 'Bearer nope');
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ error: 'unauthenticated', message: 'The bearer token is unknown or revoked.' });
    const token = await createUser(t, 'monitor', ['site-a']);
    const users = (await t.http.get('/users').set('Authorization', `Bearer ${t.adminToken}`)).body as Array<{ id: string; role: string }>;
    const monitor = users.filter((u) => u.role === 'monitor').at(-1)!;
    expect((await t.http.get('/patients').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await t.http.delete(`/users/${monitor.id}`).set('Authorization', `Bearer ${t.adminToken}`)).status).toBe(204);
    expect((await t.http.get('/patients').set('Authorization', `Bearer ${token}`)).status).toBe(401);
  });

  it('keeps each role to what it may do (403), writing nothing', async () => {
    const id = await site.register();
    const monitor = await createUser(t, 'monitor', ['site-a']);
    const lab = await createUser(t, 'lab', ['site-a']);
    const asMonitor = await site.post(id, { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1' } }, monitor);
    expect(asMonitor.status).toBe(403);
    expect(asMonitor.body.message).toMatch(/monitor role may not post CONSENT_SIGNED/);
    expect((await site.post(id, { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1' } }, lab)).status).toBe(403);
    const coordinatorSignsOff = await site.post(id, { type: 'ELIGIBILITY_CONFIRMED', data: {} });
    expect(coordinatorSignsOff.status).toBe(403);
    expect((await t.http.post('/users').set('Authorization', `Bearer ${site.coordinator}`).send({ name: 'x', role: 'admin' })).status).toBe(403);
    expect((await t.http.post('/patients').set('Authorization', `Bearer ${monitor}`).send({})).status).toBe(403);
    expect(await log(id)).toHaveLength(1);
  });

  it('answers malformed JSON with 400 and an oversized body with 413, writing nothing', async () => {
    const id = await site.register();
    const malformed = await t.http
      .post(`/patients/${id}/events`)
      .set('Authorization', `Bearer ${site.coordinator}`)
      .set('Content-Type', 'application/json')
      .send('{"type": "CONSENT_SIGNED", ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe('invalid_input');
    const huge = await site.post(id, { type: 'SCREENING_DATA_RECORDED', data: { diagnosis: 'x'.repeat(30_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toBe('body_too_large');
    expect(await log(id)).toHaveLength(1);
  });

  it('names every wrong field of a bad body with 400, writing nothing', async () => {
    const id = await site.register();
    const wrongTypes = await site.post(id, { type: 'SCREENING_DATA_RECORDED', data: { ecog: 'one', labs: { creatinineMgDl: -1 }, shoeSize: 42 } });
    expect(wrongTypes.status).toBe(400);
    expect(wrongTypes.body.issues).toEqual(
      expect.arrayContaining([expect.stringMatching(/^data\.ecog: /), expect.stringMatching(/^data\.labs\.creatinineMgDl: /), expect.stringMatching(/shoeSize/)]),
    );
    const unknownEvent = await site.post(id, { type: 'TELEPORTED' });
    expect(unknownEvent.status).toBe(400);
    expect(unknownEvent.body.message).toMatch(/Unknown event type "TELEPORTED"/);
    const schedulerOnly = await site.post(id, { type: 'DLT_WINDOW_CLOSED' });
    expect(schedulerOnly.status).toBe(400);
    expect(schedulerOnly.body.message).toMatch(/raised by the engine's scheduler/);
    const extraField = await site.post(id, { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1' }, patientId: 'x' });
    expect(extraField.status).toBe(400);
    const badRegistration = await t.http
      .post('/patients')
      .set('Authorization', `Bearer ${site.coordinator}`)
      .send({ protocolId: 'cd19-rr-all', subjectId: 'S 1', siteId: 'site-a', sex: 'f', birthDate: '1990-13-40', weightKg: '70' });
    expect(badRegistration.status).toBe(400);
    expect(badRegistration.body.issues.length).toBeGreaterThanOrEqual(5);
    expect(await log(id)).toHaveLength(1);
  });

  it('refuses an occurredAt more than five minutes ahead with 422, and takes a late entry in recording order', async () => {
    const id = await site.register();
    const future = new Date(t.clock.now().getTime() + 6 * 60_000).toISOString();
    const ahead = await site.post(id, { type: 'CONSENT_SIGNED', occurredAt: future, data: { consentVersion: 'v1' } });
    expect(ahead.status).toBe(422);
    expect(ahead.body.reasons[0]).toMatch(/more than 5 minutes in the future/);
    const lastWeek = new Date(t.clock.now().getTime() - 7 * 86_400_000).toISOString();
    const late = await site.post(id, { type: 'CONSENT_SIGNED', occurredAt: lastWeek, data: { consentVersion: 'v1' } });
    expect(late.status).toBe(200);
    const entries = (await log(id)) as Array<{ seq: number; occurredAt: string; recordedAt: string; actor: string; actorName: string }>;
    expect(entries[1]).toMatchObject({ seq: 2, occurredAt: lastWeek, actor: expect.stringMatching(/^user:/), actorName: 'coordinator of site-a' });
    expect(entries[1].recordedAt > entries[1].occurredAt).toBe(true);
  });

  it('answers an event minimally on Prefer: return=minimal (RFC 7240), the whole patient otherwise', async () => {
    const id = await site.register();
    const consent = { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.0' } };
    const minimal = await site.post(id, consent, site.coordinator, { Prefer: 'respond-async, return=minimal; x=1', 'Idempotency-Key': 'minimal-1' });
    expect(minimal.status).toBe(200);
    expect(minimal.headers['preference-applied']).toBe('return=minimal');
    expect(minimal.headers.etag).toBe(`"${minimal.body.patient.version}"`);
    expect(minimal.body).toEqual({ patient: { id, version: 2, state: 'screening', status: 'active' }, seq: 2 });
    // The same key again: the first answer, as small as it was asked.
    const replayed = await site.post(id, consent, site.coordinator, { Prefer: 'return=minimal', 'Idempotency-Key': 'minimal-1' });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toEqual(minimal.body);

    // The whole patient is given when the small answer is not asked for, or the whole one is too.
    const screening = await site.post(id, { type: 'SCREENING_DATA_RECORDED', data: {} }, site.coordinator, { Prefer: 'return=minimal' });
    expect(screening.status).toBe(200);
    expect(Object.keys(screening.body.patient).sort()).toEqual(['id', 'state', 'status', 'version']);
    for (const prefer of [undefined, 'return=representation', 'return=minimal, return=representation', 'handling=strict']) {
      const whole = await site.post(id, { type: 'SCREENING_DATA_RECORDED', data: {} }, site.coordinator, prefer ? { Prefer: prefer } : {});
      expect(whole.headers['preference-applied']).toBeUndefined();
      expect(whole.body.patient).toMatchObject({ id, subjectId: expect.any(String), acceptedEvents: expect.any(Array) });
    }
    expect(JSON.stringify(screening.body).length * 5).toBeLessThan(JSON.stringify((await site.get(`/patients/${id}`)).body).length);

    // A refusal is the same error whatever was preferred, and writes nothing.
    const before = (await log(id)).length;
    const refused = await site.post(id, { type: 'INFUSION_COMPLETED', data: { cellsPerKg: 1e6 } }, site.coordinator, { Prefer: 'return=minimal' });
    expect(refused.status).toBe(409);
    expect(refused.headers['preference-applied']).toBeUndefined();
    expect(refused.body.error).toBeDefined();
    expect((await log(id)).length).toBe(before);
  });

  it('answers 404 for an unknown patient, protocol or route, and 409 for a subject registered twice', async () => {
    expect((await site.get('/patients/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await site.get('/patients/not-a-uuid')).body).toMatchObject({ error: 'not_found' });
    expect((await site.get('/protocols/nope')).status).toBe(404);
    expect((await site.get('/protocols/cd19-rr-all?version=9')).status).toBe(404);
    expect((await site.get('/nowhere')).status).toBe(404);
    const body = { protocolId: 'cd19-rr-all', subjectId: 'DUP-1', siteId: 'site-a', sex: 'male', birthDate: '1980-01-01', weightKg: 80, heightCm: 180 };
    const first = await t.http.post('/patients').set('Authorization', `Bearer ${site.coordinator}`).send(body);
    const second = await t.http.post('/patients').set('Authorization', `Bearer ${site.coordinator}`).send(body);
    expect([first.status, second.status]).toEqual([201, 409]);
    expect(second.body.message).toMatch(/DUP-1 is already registered/);
  });

  it('returns the whole protocol definition with the events each state accepts', async () => {
    const res = await site.get('/protocols/cd19-rr-all');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'cd19-rr-all', version: 3, targetEnrollment: 50, responseCriteria: 'ALL' });
    expect(res.body.eligibility.length).toBeGreaterThanOrEqual(14);
    expect(res.body.lymphodepletion.agents).toEqual([
      expect.objectContaining({ agent: 'fludarabine', mgPerM2: 30, days: [-5, -4, -3] }),
      expect.objectContaining({ agent: 'cyclophosphamide', mgPerM2: 300, days: [-5, -4, -3] }),
    ]);
    const screening = res.body.states.find((s: { id: string }) => s.id === 'screening');
    expect(screening.accepts).toEqual(expect.arrayContaining(['CONSENT_SIGNED', 'ELIGIBILITY_CONFIRMED', 'WITHDRAWN', 'DEATH']));
    // Off study: withdrawn takes the late entries about the time on study; a screen failure, nothing.
    expect(res.body.states.find((s: { id: string }) => s.id === 'withdrawn')).toEqual({
      id: 'withdrawn',
      type: 'atomic',
      tags: ['offStudy'],
      scheduled: [],
      accepts: [
        'ADVERSE_EVENT_REPORTED',
        'DLT_ADJUDICATED',
        'LAB_RESULT_RECORDED',
        'LAB_TOXICITY_DISMISSED',
        'PROTOCOL_DEVIATION_RECORDED',
        'RESPONSE_ASSESSED',
        'UNSCHEDULED_VISIT_COMPLETED',
        'VISIT_COMPLETED',
      ],
    });
    expect(res.body.states.find((s: { id: string }) => s.id === 'screenFailed')).toEqual({ id: 'screenFailed', type: 'final', tags: ['offStudy'], accepts: [], scheduled: [] });
    const dltWindow = res.body.states.find((s: { id: string }) => s.id === 'postInfusion.course.dltWindow');
    expect(dltWindow.scheduled).toEqual(expect.arrayContaining(['DLT_WINDOW_CLOSED', 'FOLLOW_UP_ENDED']));
    expect(res.body.eventData.INFUSION_COMPLETED.required).toEqual(['cellsPerKg']);
  });

  it('returns the state machine as Mermaid text', async () => {
    const res = await site.get('/protocols/cd19-rr-all/diagram');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(res.text).toContain('readyForInfusion --> postInfusion : INFUSION_COMPLETED');
    expect((await site.get('/protocols/cd19-rr-all/diagram?format=svg')).status).toBe(400);
  });

  it("lists patients of the caller's sites, filtered and paginated", async () => {
    const other = await TrialSite.open(t, 'site-z');
    await other.register();
    const list = (await site.get('/patients?protocolId=cd19-rr-all&state=screening&limit=2')).body;
    expect(list.items).toHaveLength(2);
    expect(list.total).toBeGreaterThan(2);
    expect(list.items.every((p: { siteId: string; state: string }) => p.siteId === 'site-a' && p.state === 'screening')).toBe(true);
    expect((await site.get('/patients?siteId=site-z')).body.items).toEqual([]);
    expect((await site.get('/patients?limit=0')).status).toBe(400);
  });
});

describe('the report routes', () => {
  let t: TestApp;
  let site: TrialSite;

  beforeAll(async () => {
    t = await startTestApp('sqlite');
    site = await TrialSite.open(t, 'site-a');
  });
  afterAll(() => t.close());

  it('records a lab result from the lab role as LAB_RESULT_RECORDED', async () => {
    const id = await site.infused();
    const lab = await createUser(t, 'lab', ['site-a']);
    const res = await t.http
      .post(`/patients/${id}/observations`)
      .set('Authorization', `Bearer ${lab}`)
      .send({ code: 'CAR_COPIES', compartment: 'PB', value: 12_500, unit: 'copies/µg gDNA', collectedAt: t.clock.now().toISOString() });
    expect(res.status).toBe(200);
    const log = (await site.get(`/patients/${id}/events`)).body as Array<{ seq: number; type: string; data: Record<string, unknown>; actorName: string }>;
    expect(log.at(-1)).toMatchObject({ seq: res.body.seq, type: 'LAB_RESULT_RECORDED', data: { code: 'CAR_COPIES', value: 12_500 }, actorName: 'lab of site-a' });
    const bad = await t.http.post(`/patients/${id}/observations`).set('Authorization', `Bearer ${lab}`).send({ code: 'IL6', value: 'high', unit: 'pg/mL', collectedAt: 'x' });
    expect(bad.status).toBe(400);
  });

  it('answers an adverse event with its grade and whether it is a DLT; a lab may not report one', async () => {
    const id = await site.infused();
    const ae = await t.http
      .post(`/patients/${id}/adverse-events`)
      .set('Authorization', `Bearer ${site.coordinator}`)
      .send({ term: 'Encephalopathy', grade: 3, onset: t.clock.now().toISOString(), related: true, serious: true });
    expect(ae.status).toBe(200);
    expect(ae.body.result).toMatchObject({ grade: 3, dlt: true });
    // Asked for the small answer, the route keeps what the protocol computed.
    const small = await t.http
      .post(`/patients/${id}/adverse-events`)
      .set('Authorization', `Bearer ${site.coordinator}`)
      .set('Prefer', 'return=minimal')
      .send({ term: 'Fatigue', grade: 2, onset: t.clock.now().toISOString(), related: false, serious: false });
    expect(small.status).toBe(200);
    expect(small.headers['preference-applied']).toBe('return=minimal');
    expect(small.body).toEqual({
      patient: { id, version: expect.any(Number), state: 'dltWindow', status: 'active' },
      seq: expect.any(Number),
      result: expect.objectContaining({ grade: 2, dlt: false }),
    });
    const lab = await createUser(t, 'lab', ['site-a']);
    const refused = await t.http
      .post(`/patients/${id}/adverse-events`)
      .set('Authorization', `Bearer ${lab}`)
      .send({ term: 'Fatigue', grade: 1, onset: t.clock.now().toISOString(), related: false, serious: false });
    expect(refused.status).toBe(403);
  });
});

describe('the audit chain', () => {
  let t: TestApp;
  let site: TrialSite;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
  });
  afterAll(() => t.close());

  it("verifies the chains of the monitor's own sites only; another site's patient is a 404", async () => {
    const id = await site.register();
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1' });
    const monitorA = await createUser(t, 'monitor', ['site-a']);
    const monitorB = await createUser(t, 'monitor', ['site-b']);
    const own = await t.http.get(`/audit/verify?patientId=${id}`).set('Authorization', `Bearer ${monitorA}`);
    expect(own.body).toEqual({ ok: true, patientsChecked: 1, entriesChecked: 2, firstBroken: null, broken: [], checkpoint: null, checkpointProblem: null });
    expect((await t.http.get(`/audit/verify?patientId=${id}`).set('Authorization', `Bearer ${monitorB}`)).status).toBe(404);
    expect((await t.http.get('/audit/verify').set('Authorization', `Bearer ${monitorB}`)).body).toMatchObject({ ok: true, patientsChecked: 0 });
    expect((await t.http.get('/audit/verify').set('Authorization', `Bearer ${site.coordinator}`)).status).toBe(403);
  });
});

describe('rate limits', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(() => t.close());

  it("answers 429 in the API's shape once a caller passes its limit, counting per token", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await t.http.get('/protocols').set('Authorization', `Bearer ${t.adminToken}`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await t.http.get('/protocols').set('Authorization', `Bearer ${t.adminToken}`);
    expect(limited.body).toEqual({ error: 'too_many_requests', message: 'Too many requests: at most 5 a minute per caller. Wait and try again.' });
    // The admin is limited on every route, user creation included.
    const other = await t.http
      .post('/users')
      .set('Authorization', `Bearer ${t.adminToken}`)
      .send({ name: 'monitor of site-a', role: 'monitor', siteIds: ['site-a'] });
    expect(other.status).toBe(429);
    expect(other.body.error).toBe('too_many_requests');
  });

  it('does not let an address dodge the limit with a new made-up token on each request', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await t.http.get('/protocols').set('Authorization', `Bearer made-up-${i}`)).status);
    expect(statuses).toContain(429);
    expect(statuses.slice(0, statuses.indexOf(429)).every((s) => s === 401)).toBe(true);
  });
});

describe('electronic signatures', () => {
  let t: TestApp;
  let site: TrialSite;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
  });
  afterAll(() => t.close());

  async function screened() {
    const id = await site.register();
    const { screening } = (await import('#testing')).eligibleCd19Screening();
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await site.record(id, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
    return id;
  }
  const attestations = () => import('#testing').then((p) => p.eligibleCd19Screening().attestations);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer of the API, whose shape each test asserts field by field
  const log = async (id: string) => (await site.get(`/patients/${id}/events`)).body as Array<Record<string, any>>;

  it('refuses an eligibility sign-off without a signature, or with a wrong password, writing nothing', async () => {
    const id = await screened();
    // The test site signs for its investigator; post without a signature directly.
    const bare = await t.http
      .post(`/patients/${id}/events`)
      .set('Authorization', `Bearer ${site.investigator}`)
      .send({ type: 'ELIGIBILITY_CONFIRMED', data: { attestations: await attestations() } });
    expect(bare.status).toBe(422);
    expect(bare.body.reasons[0]).toMatch(/electronic signature: re-enter your signing password/);
    expect(await log(id)).toHaveLength(3);
    const second = await screened();
    const wrong = await site.post(
      second,
      { type: 'ELIGIBILITY_CONFIRMED', data: { attestations: await attestations() }, signature: { password: 'not-my-password', meaning: 'I confirm eligibility' } },
      site.investigator,
    );
    expect(wrong.status).toBe(403);
    expect(wrong.body.message).toMatch(/signing password is not correct; nothing was signed/);
    expect(await log(second)).toHaveLength(3);
  });

  it('asks a signer without a signing password to set one', async () => {
    const id = await screened();
    const newcomer = await createUser(t, 'investigator', ['site-a']);
    const res = await site.post(
      id,
      { type: 'ELIGIBILITY_CONFIRMED', data: { attestations: await attestations() }, signature: { password: 'whatever-1234', meaning: 'I confirm eligibility' } },
      newcomer,
    );
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/set one with POST \/users\/me\/signing-password/);
  });

  it("records the signer's name, time and meaning in the sealed log entry, never the password", async () => {
    const id = await screened();
    const signed = await site.post(
      id,
      {
        type: 'ELIGIBILITY_CONFIRMED',
        data: { attestations: await attestations() },
        signature: { password: SIGNING_PASSWORD, meaning: 'I confirm the patient meets every criterion' },
      },
      site.investigator,
    );
    expect(signed.status).toBe(200);
    const entry = (await log(id)).at(-1)!;
    expect(entry.signature).toEqual({
      signerId: expect.stringMatching(/^user:/),
      signerName: 'investigator of site-a',
      signedAt: entry.recordedAt,
      meaning: 'I confirm the patient meets every criterion',
    });
    expect(JSON.stringify(await log(id))).not.toContain(SIGNING_PASSWORD);
    const monitor = await createUser(t, 'monitor', ['site-a']);
    const verify = () => t.http.get(`/audit/verify?patientId=${id}`).set('Authorization', `Bearer ${monitor}`);
    expect((await verify()).body.ok).toBe(true);
    // A signature altered afterwards breaks the chain at that entry.
    const { DataSource } = await import('typeorm');
    await t.app
      .get(DataSource)
      .query(`UPDATE patient_events SET signature = $1 WHERE patient_id = $2 AND seq = $3`, [JSON.stringify({ ...entry.signature, meaning: 'I approve nothing' }), id, entry.seq]);
    expect((await verify()).body).toMatchObject({ ok: false, firstBroken: { seq: entry.seq, problem: 'hash does not match the entry' } });
  });

  it('takes a DLT adjudication from an investigator only, signed', async () => {
    const id = await site.infused();
    const onset = t.clock.now().toISOString();
    await site.record(id, 'ADVERSE_EVENT_REPORTED', { term: 'Encephalopathy', grade: 3, onset, related: true, serious: true });
    const adjudication = { type: 'DLT_ADJUDICATED', data: { term: 'Encephalopathy', onset, dlt: false, rationale: 'pre-existing leukoencephalopathy' } };
    expect((await site.post(id, adjudication)).status).toBe(403);
    const unsigned = await t.http.post(`/patients/${id}/events`).set('Authorization', `Bearer ${site.investigator}`).send(adjudication);
    expect(unsigned.status).toBe(422);
    const signed = await site.post(id, adjudication, site.investigator);
    expect(signed.status).toBe(200);
    expect(signed.body.patient.record.dlts).toEqual([]);
    expect((await log(id)).at(-1)!.signature.meaning).toBe('I sign off DLT_ADJUDICATED');
  });

  it('lets only an investigator give a response directly (an adjudication), signed', async () => {
    const id = await site.infused();
    const byCoordinator = await site.post(id, { type: 'RESPONSE_ASSESSED', data: { visit: 'D28', response: 'CR' } });
    expect(byCoordinator.status).toBe(403);
    const byInvestigator = await site.post(id, { type: 'RESPONSE_ASSESSED', data: { visit: 'D28', response: 'CR' } }, site.investigator);
    expect(byInvestigator.status).toBe(200);
    expect((await log(id)).at(-1)!.signature.meaning).toBe('I sign off RESPONSE_ASSESSED');
  });
});
