import { DataSource } from 'typeorm';
import { amendmentsSchema, errorBodySchema, siteApprovalSchema } from '#contract';
import { startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';

const V3 = '/trials/cd19-rr-all/amendments/3/sites';
const IRB_A = { approvedOn: '2025-03-10', reference: 'IRB 2025/114 (Ethics Committee of Site A)' };
const patientBody = (siteId: string, subjectId: string, extra: Record<string, unknown> = {}) => ({
  protocolId: 'cd19-rr-all',
  subjectId,
  siteId,
  sex: 'female',
  birthDate: '1991-07-14',
  weightKg: 70,
  heightCm: 170,
  ...extra,
});

/**
 * Per-site activation of an amendment (issue 16, item 2): cd19-rr-all v3 needs each site's IRB
 * approval. Site A has it, site B waits: new patients at A register on v3, at B on v2.
 */
describe('site approvals of amendments', () => {
  let t: TestApp;
  let siteA: TrialSite;
  let siteB: TrialSite;
  let monitorB: string;
  let labA: string;

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  const put = (path: string, body: unknown, token = t.adminToken) =>
    t.http
      .put(path)
      .set(bearer(token))
      .send(body as object);
  const amendments = async (token: string) => amendmentsSchema.parse((await t.http.get('/trials/cd19-rr-all/amendments').set(bearer(token)).expect(200)).body);
  const v3Sites = async (token: string) => (await amendments(token)).amendments.find((a) => a.version === 3)!.sites;
  const patientCount = async () => (await t.http.get('/patients?protocolId=cd19-rr-all').set(bearer(t.adminToken)).expect(200)).body.total as number;
  const approvalRows = async () => Number((await t.app.get(DataSource).query('SELECT COUNT(*) AS n FROM site_amendment_approvals'))[0].n);
  const auditOf = async (action: string) => (await t.http.get(`/audit/access?action=${action}`).set(bearer(t.adminToken)).expect(200)).body.items as Array<Record<string, unknown>>;
  const register = (site: TrialSite, subjectId: string, extra: Record<string, unknown> = {}) =>
    t.http
      .post('/patients')
      .set(bearer(site.coordinator))
      .send(patientBody(site.siteId, subjectId, extra));

  beforeAll(async () => {
    t = await startTestApp('postgres');
    siteA = await TrialSite.open(t, 'site-a');
    siteB = await TrialSite.open(t, 'site-b');
    monitorB = await createUser(t, 'monitor', ['site-b']);
    labA = await createUser(t, 'lab', ['site-a']);
  });
  afterAll(() => t.close());

  it("records site A's approval (201), with who and when, in the access audit", async () => {
    const res = await put(`${V3}/site-a`, IRB_A);
    expect(res.status).toBe(201);
    const approval = siteApprovalSchema.parse(res.body);
    expect(approval).toMatchObject({ protocolId: 'cd19-rr-all', version: 3, siteId: 'site-a', ...IRB_A, recordedBy: { name: 'Administrator' }, corrections: [] });
    expect(Math.abs(Date.parse(approval.recordedAt) - t.clock.now().getTime())).toBeLessThan(60_000);
    const audit = await auditOf('amendment.approval-record');
    expect(audit).toEqual([expect.objectContaining({ actorRole: 'admin', subject: 'cd19-rr-all@3 site-a', details: expect.objectContaining({ ...IRB_A, revision: 1 }) })]);
  });

  it('registers new patients at A on v3 and at B on v2; an explicit v3 at B is refused and writes nothing', async () => {
    const atA = await register(siteA, 'AA-001');
    const atB = await register(siteB, 'BB-001');
    expect([atA.status, atB.status]).toEqual([201, 201]);
    expect(atA.body.protocol).toBe('cd19-rr-all@3');
    expect(atB.body.protocol).toBe('cd19-rr-all@2');

    const before = await patientCount();
    const refused = await register(siteB, 'BB-002', { protocolVersion: 3 });
    expect(refused.status).toBe(422);
    expect(errorBodySchema.parse(refused.body).reasons).toEqual(['amendment 2 (version 3) of cd19-rr-all is not approved at site site-b (no IRB approval recorded)']);
    expect(await patientCount()).toBe(before);
    // An earlier version may still be named at any site.
    expect((await register(siteB, 'BB-003', { protocolVersion: 1 })).body.protocol).toBe('cd19-rr-all@1');
  });

  it('refuses a registration on the long-term follow-up protocol: its patients come by rollover', async () => {
    const before = (await t.http.get('/patients').set(bearer(t.adminToken))).body.total;
    const res = await register(siteA, 'LT-001', { protocolId: 'car-t-ltfu' });
    expect(res.status).toBe(422);
    expect(res.body.reasons).toEqual(['patients join car-t-ltfu by rollover from a parent trial, not by registration']);
    expect((await t.http.get('/patients').set(bearer(t.adminToken))).body.total).toBe(before);
  });

  it.each([
    [
      'dated before the amendment took effect',
      `${V3}/site-b`,
      { approvedOn: '2024-05-31', reference: 'IRB-B' },
      422,
      /before amendment 2 \(version 3\) of cd19-rr-all took effect on 2024-06-01/,
    ],
    ['dated in the future', `${V3}/site-b`, { approvedOn: '2999-01-01', reference: 'IRB-B' }, 422, /the approval date 2999-01-01 is in the future/],
    ['with a malformed date', `${V3}/site-b`, { approvedOn: '2025-02-30', reference: 'IRB-B' }, 400, /approvedOn/],
    ['dated before 1990', `${V3}/site-b`, { approvedOn: '1989-12-31', reference: 'IRB-B' }, 400, /approvedOn: must be 1990-01-01 or later/],
    [
      'of a version that needs no site approval',
      '/trials/cd19-rr-all/amendments/2/sites/site-b',
      { approvedOn: '2025-03-10', reference: 'IRB-B' },
      422,
      /takes effect at every site at once/,
    ],
    [
      "of another protocol's version that is no amendment",
      '/trials/NCT03754764/amendments/1/sites/site-b',
      { approvedOn: '2025-03-10', reference: 'IRB-B' },
      422,
      /original protocol, not an amendment/,
    ],
    ['of a version that does not exist', '/trials/cd19-rr-all/amendments/9/sites/site-b', { approvedOn: '2025-03-10', reference: 'IRB-B' }, 422, /has no version 9/],
    ['of a protocol that does not exist', '/trials/no-such-trial/amendments/2/sites/site-b', { approvedOn: '2025-03-10', reference: 'IRB-B' }, 404, /no-such-trial/],
    ['at an unknown site', `${V3}/site-z`, { approvedOn: '2025-03-10', reference: 'IRB-Z' }, 422, /site site-z is not known/],
    ['at a site id that cannot be one', `${V3}/site%20b`, { approvedOn: '2025-03-10', reference: 'IRB-B' }, 400, /siteId/],
    ['with an empty reference', `${V3}/site-b`, { approvedOn: '2025-03-10', reference: '   ' }, 400, /reference: must not be empty/],
    ['with a control character in the reference', `${V3}/site-b`, { approvedOn: '2025-03-10', reference: 'IRB\u0007B' }, 400, /reference: may hold no control character/],
    ['with a lone surrogate in the reference', `${V3}/site-b`, { approvedOn: '2025-03-10', reference: 'IRB \ud800' }, 400, /unpaired surrogate/],
    ['without a reference', `${V3}/site-b`, { approvedOn: '2025-03-10' }, 400, /reference/],
    ['with a field it does not know', `${V3}/site-b`, { ...IRB_A, site: 'b' }, 400, /site/],
  ])('refuses an approval %s, naming it, and writes nothing', async (_what, path, body, status, message) => {
    const rows = await approvalRows();
    const audited = (await auditOf('amendment.approval-record')).length;
    const res = await put(path, body);
    expect(res.status).toBe(status);
    expect(JSON.stringify(errorBodySchema.parse(res.body))).toMatch(message);
    expect(await approvalRows()).toBe(rows);
    expect((await auditOf('amendment.approval-record')).length).toBe(audited);
  });

  it("shows each site's approval only to its own people; only an admin records one", async () => {
    const all = await amendments(t.adminToken);
    expect(all.amendments.map((a) => [a.version, a.effective, a.siteApproval])).toEqual([
      [2, '2017-06-01', false],
      [3, '2024-06-01', true],
    ]);
    expect((await v3Sites(t.adminToken)).map((s) => s.siteId)).toEqual(['site-a']);
    expect((await v3Sites(siteA.coordinator)).map((s) => s.siteId)).toEqual(['site-a']);
    expect((await v3Sites(siteA.investigator)).map((s) => s.siteId)).toEqual(['site-a']);
    // Site B's people see the amendment, never site A's approval.
    for (const token of [siteB.coordinator, siteB.investigator, monitorB]) {
      const body = await amendments(token);
      expect(body.amendments.flatMap((a) => a.sites)).toEqual([]);
      expect(JSON.stringify(body)).not.toMatch(/site-a|IRB 2025/);
    }
    expect((await t.http.get('/trials/cd19-rr-all/amendments').set(bearer(labA))).status).toBe(403);

    const rows = await approvalRows();
    for (const token of [siteB.coordinator, siteB.investigator, monitorB, siteA.coordinator]) {
      const res = await put(`${V3}/site-b`, { approvedOn: '2025-04-01', reference: 'IRB-B' }, token);
      expect(res.status).toBe(403);
    }
    expect(await approvalRows()).toBe(rows);
    expect((await t.http.get('/trials/no-such-trial/amendments').set(bearer(t.adminToken))).status).toBe(404);
  });

  it('answers the same approval again with the first answer and writes nothing', async () => {
    const first = (await amendments(t.adminToken)).amendments[1].sites[0];
    const rows = await approvalRows();
    const again = await put(`${V3}/site-a`, IRB_A);
    expect(again.status).toBe(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first);
    expect(await approvalRows()).toBe(rows);
    expect(await auditOf('amendment.approval-record')).toHaveLength(1);
  });

  it('takes a correction only with a reason, and keeps what it corrected', async () => {
    const rows = await approvalRows();
    const corrected = { approvedOn: '2025-03-11', reference: IRB_A.reference };
    const without = await put(`${V3}/site-a`, corrected);
    expect(without.status).toBe(422);
    expect(without.body.reasons).toEqual([expect.stringMatching(/already recorded as approved at site site-a on 2025-03-10 .*: a correction needs a reason/)]);
    expect(await approvalRows()).toBe(rows);

    const res = await put(`${V3}/site-a`, { ...corrected, reason: 'The committee letter is dated 11 March.' });
    expect(res.status).toBe(200);
    const approval = siteApprovalSchema.parse(res.body);
    expect(approval).toMatchObject({ ...corrected, recordedBy: { name: 'Administrator' } });
    expect(approval.corrections).toEqual([
      expect.objectContaining({ ...corrected, replaced: IRB_A, reason: 'The committee letter is dated 11 March.', recordedBy: expect.objectContaining({ name: 'Administrator' }) }),
    ]);
    expect((await v3Sites(siteA.coordinator))[0]).toEqual(approval);
    expect(await auditOf('amendment.approval-correct')).toEqual([
      expect.objectContaining({
        subject: 'cd19-rr-all@3 site-a',
        details: expect.objectContaining({ approvedOn: '2025-03-11', revision: 2, reason: 'The committee letter is dated 11 March.' }),
      }),
    ]);
    // The rows are evidence: the database refuses to change or delete them.
    const db = t.app.get(DataSource);
    await expect(db.query("UPDATE site_amendment_approvals SET approved_on = '2025-01-01'")).rejects.toThrow(/site_amendment_approvals is append-only: UPDATE refused/);
    await expect(db.query('DELETE FROM site_amendment_approvals')).rejects.toThrow(/append-only: DELETE refused/);
  });

  it("moves site B's new patients to v3 from the day its approval is recorded", async () => {
    const today = t.clock.now().toISOString().slice(0, 10);
    expect((await put(`${V3}/site-b`, { approvedOn: today, reference: 'EC-B 77/2026' })).status).toBe(201);
    expect((await register(siteB, 'BB-004')).body.protocol).toBe('cd19-rr-all@3');
    expect((await register(siteB, 'BB-005', { protocolVersion: 3 })).body.protocol).toBe('cd19-rr-all@3');
    expect((await v3Sites(monitorB)).map((s) => s.siteId)).toEqual(['site-b']);
  });
});
