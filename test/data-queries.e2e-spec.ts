import { eligibleCd19Screening } from '#testing';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

interface Query {
  id: string;
  status: 'open' | 'answered' | 'closed';
  seq: number;
  field: string | null;
  ageDays: number;
  messages?: Array<{ kind: string; text: string | null; correctionSeq: number | null; authorRole: string }>;
}

/** Data queries through the HTTP API on PostgreSQL (README, "Data queries"). */
describe('data queries', () => {
  let t: TestApp;
  let site: TrialSite;
  let other: TrialSite;
  let monitor: string;
  let otherMonitor: string;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
    other = await TrialSite.open(t, 'site-b');
    monitor = await createUser(t, 'monitor', ['site-a']);
    otherMonitor = await createUser(t, 'monitor', ['site-b']);
  });
  afterAll(() => t.close());

  /** A patient in screening, and the seq of its screening entry. */
  const screened = async () => {
    const id = await site.register({ protocolId: 'cd19-rr-all' });
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await site.record(id, 'SCREENING_DATA_RECORDED', eligibleCd19Screening().screening as unknown as Record<string, unknown>);
    const events = (await site.get(`/patients/${id}/events`)).body as Array<{ seq: number; type: string }>;
    return { id, seq: events.find((e) => e.type === 'SCREENING_DATA_RECORDED')!.seq };
  };
  const raise = (id: string, body: Record<string, unknown>, token = monitor) => t.http.post(`/patients/${id}/queries`).set(bearer(token)).send(body);
  const step = (queryId: string, what: 'answers' | 'close' | 'reopen', body: Record<string, unknown>, token: string) =>
    t.http.post(`/queries/${queryId}/${what}`).set(bearer(token)).send(body);
  const list = async (token = monitor, query = '') => {
    const res = await t.http.get(`/queries${query}`).set(bearer(token));
    expect(res.status).toBe(200);
    return res.body as { items: Query[]; total: number; sites: Array<{ siteId: string; open: number; answered: number; closed: number; oldestOpenDays: number | null }> };
  };
  const accessActions = async (patientId: string) =>
    (
      (await t.http.get(`/audit/access?patientId=${patientId}&limit=500`).set(bearer(t.adminToken))).body.items as Array<{
        action: string;
        details: Record<string, unknown> | null;
      }>
    )
      .map((r) => r.action)
      .filter((a) => a.startsWith('query.') && a !== 'query.read')
      .reverse(); // the audit lists newest first

  it('walks a query from question to reply, re-opening, correction and closing, each step in the access audit', async () => {
    const { id, seq } = await screened();
    const raised = await raise(id, { seq, field: 'labs.creatinineMgDl', question: 'Creatinine 0.9 mg/dL: the source lab report says 1.9.\nPlease check.' });
    expect(raised.status).toBe(201);
    const query = raised.body as Query;
    expect(query).toMatchObject({ status: 'open', seq, field: 'labs.creatinineMgDl', ageDays: 0 });
    expect(query.messages).toEqual([expect.objectContaining({ kind: 'question', authorRole: 'monitor', text: expect.stringContaining('\nPlease check.') })]);

    // The site is told, and its worklist marks the patient.
    const inbox = await eventually(
      async () => {
        const items = (await site.get('/notifications?kind=query-raised')).body.items as Array<{ patientId: string; message: string }>;
        return items.find((n) => n.patientId === id);
      },
      10_000,
      'the query notice',
    );
    expect(inbox.message).toContain(`entry ${seq}`);
    const worklist = (await site.get('/worklist')).body as { queries: Array<{ patientId: string; open: number; answered: number }> };
    expect(worklist.queries).toContainEqual(expect.objectContaining({ patientId: id, open: 1, answered: 0 }));

    const replied = await step(query.id, 'answers', { text: 'The value was transcribed from the local lab; checking the source.' }, site.coordinator);
    expect(replied.status).toBe(200);
    expect(replied.body.status).toBe('answered');
    const reopened = await step(query.id, 'reopen', { text: 'A reply is not a correction: please correct the entry.' }, monitor);
    expect(reopened.body.status).toBe('open');

    // The correction is a later entry with a reason; the answer names it.
    await site.post(id, {
      type: 'SCREENING_DATA_RECORDED',
      data: eligibleCd19Screening({ labs: { creatinineMgDl: 1.9 } } as never).screening,
      reason: 'Creatinine transcribed wrongly; source report says 1.9 mg/dL',
    });
    const events = (await site.get(`/patients/${id}/events`)).body as Array<{ seq: number }>;
    const correctionSeq = events.at(-1)!.seq;
    const corrected = await step(query.id, 'answers', { correctionSeq }, site.coordinator);
    expect(corrected.status).toBe(200);
    expect(corrected.body).toMatchObject({ status: 'answered' });
    expect(corrected.body.messages.at(-1)).toMatchObject({ kind: 'correction', correctionSeq });

    const closed = await step(query.id, 'close', {}, monitor);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed' });
    expect(closed.body.messages.map((m: { kind: string }) => m.kind)).toEqual(['question', 'reply', 'reopen', 'correction', 'close']);

    // Closed: no answer, no second closing, and nothing written by either.
    const late = await step(query.id, 'answers', { text: 'one more thing' }, site.coordinator);
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error: 'query_state', status: 'closed' });
    expect((await step(query.id, 'close', {}, monitor)).status).toBe(409);
    expect((await t.http.get(`/queries/${query.id}`).set(bearer(monitor))).body.messages).toHaveLength(5);

    expect(await accessActions(id)).toEqual(['query.raise', 'query.answer', 'query.reopen', 'query.answer', 'query.close']);
    expect((await site.get('/worklist')).body.queries.find((q: { patientId: string }) => q.patientId === id)).toBeUndefined();
  });

  it('refuses a query on an entry or field the log does not have, and twice the same, writing nothing', async () => {
    const { id, seq } = await screened();
    const before = (await list()).total;
    const noEntry = await raise(id, { seq: 99, question: 'Where is it?' });
    expect(noEntry.status).toBe(422);
    expect(noEntry.body.reasons[0]).toMatch(/no entry 99/);
    const noField = await raise(id, { seq, field: 'labs.potassium', question: 'Potassium?' });
    expect(noField.status).toBe(422);
    expect(noField.body.reasons[0]).toContain('no field "labs.potassium"');
    // Only the entry's own keys: the object's prototype is no field of the record.
    expect((await raise(id, { seq, field: '__proto__', question: 'x' })).status).toBe(422);
    expect((await raise(id, { seq, field: 'labs.constructor', question: 'x' })).status).toBe(422);
    expect((await raise(id, { seq, field: 'labs[0]', question: 'x' })).status).toBe(400);
    expect((await raise(id, { seq: 0, question: 'x' })).status).toBe(400);
    expect((await raise(id, { seq, question: '' })).status).toBe(400);
    expect((await raise(id, { seq, question: 'a\u0000b' })).status).toBe(400);
    expect((await raise(id, { seq, question: 'a\ud800b' })).status).toBe(400);
    expect((await raise(id, { seq, question: 'x', extra: 1 })).status).toBe(400);
    expect((await list()).total).toBe(before);

    // Two monitors at once on the same entry and field: one query, one 409.
    const second = await createUser(t, 'monitor', ['site-a']);
    const raced = await Promise.all([raise(id, { seq, field: 'ecog', question: 'ECOG 1?' }), raise(id, { seq, field: 'ecog', question: 'ECOG 1 or 2?' }, second)]);
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409]);
    expect((await list(monitor, `?patientId=${id}`)).total).toBe(1);
    // Another field of the same entry is another query.
    expect((await raise(id, { seq, field: 'karnofsky', question: 'KPS 80?' })).status).toBe(201);
  });

  it('refuses a correction that is not one, writing nothing', async () => {
    const { id, seq } = await screened();
    const query = (await raise(id, { seq, field: 'ecog', question: 'ECOG?' })).body as Query;
    const earlier = await step(query.id, 'answers', { correctionSeq: seq - 1 }, site.coordinator);
    expect(earlier.status).toBe(422);
    expect(earlier.body.reasons.join(' ')).toMatch(/comes before the queried entry/);
    // A later entry without a reason corrects nothing.
    await site.record(id, 'SCREENING_DATA_RECORDED', eligibleCd19Screening().screening as unknown as Record<string, unknown>);
    const last = ((await site.get(`/patients/${id}/events`)).body as Array<{ seq: number }>).at(-1)!.seq;
    const noReason = await step(query.id, 'answers', { correctionSeq: last }, site.coordinator);
    expect(noReason.status).toBe(422);
    expect(noReason.body.reasons.join(' ')).toMatch(/gives no reason/);
    expect((await step(query.id, 'answers', { correctionSeq: 999 }, site.coordinator)).status).toBe(422);
    expect((await step(query.id, 'answers', {}, site.coordinator)).status).toBe(400);
    const after = (await t.http.get(`/queries/${query.id}`).set(bearer(monitor))).body as Query;
    expect(after).toMatchObject({ status: 'open' });
    expect(after.messages).toHaveLength(1);
  });

  it('lets each role do only its part, and no one see another site', async () => {
    const { id, seq } = await screened();
    expect((await raise(id, { seq, question: 'x' }, site.coordinator)).status).toBe(403);
    expect((await raise(id, { seq, question: 'x' }, otherMonitor)).status).toBe(404);
    const query = (await raise(id, { seq, question: 'Screening date?' }, site.investigator)).body as Query;
    expect(query.status).toBe('open');
    expect((await step(query.id, 'answers', { text: 'ok' }, monitor)).status).toBe(403);
    expect((await step(query.id, 'answers', { text: 'ok' }, other.coordinator)).status).toBe(404);
    expect((await step(query.id, 'close', {}, site.coordinator)).status).toBe(403);
    expect((await step(query.id, 'close', {}, otherMonitor)).status).toBe(404);
    expect((await t.http.get(`/queries/${query.id}`).set(bearer(otherMonitor))).status).toBe(404);
    expect((await t.http.get('/queries/not-a-uuid').set(bearer(monitor))).status).toBe(404);
    expect((await step(query.id, 'reopen', { text: 'why' }, monitor)).status).toBe(409); // open already
    expect((await list(otherMonitor)).items.map((q) => q.id)).not.toContain(query.id);
    expect((await list(otherMonitor, '?siteId=site-a')).total).toBe(0);

    const mine = await list(monitor, '?status=open');
    expect(mine.items.every((q) => q.status === 'open')).toBe(true);
    const figures = mine.sites.find((s) => s.siteId === 'site-a')!;
    expect(figures.open).toBeGreaterThanOrEqual(1);
    expect(figures.oldestOpenDays).toBe(0);
    expect(mine.sites.map((s) => s.siteId)).toEqual(['site-a']);
  });
});
