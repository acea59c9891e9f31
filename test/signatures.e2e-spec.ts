import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { eligibleCd19Screening, sleep } from '#testing';
import { createApp } from '../apps/api/src/bootstrap';
import { startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';

/**
 * Electronic signatures only the signer can make (21 CFR Part 11 §11.200, §11.300), and bearer
 * tokens that expire and can be rotated.
 */

type Role = 'coordinator' | 'investigator' | 'lab' | 'monitor' | 'admin';

async function newUser(t: TestApp, role: Role, siteIds: string[]) {
  const res = await t.http
    .post('/users')
    .set('Authorization', `Bearer ${t.adminToken}`)
    .send({ name: `${role} ${randomUUID().slice(0, 8)}`, role, siteIds });
  if (res.status !== 201) throw new Error(`user creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id as string, token: res.body.token as string };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** What the access audit holds for one action about one user, oldest first. */
async function accessRecords(t: TestApp, action: string, subject: string) {
  const res = await t.http.get(`/audit/access?action=${action}&limit=1000`).set(bearer(t.adminToken));
  expect(res.status).toBe(200);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer of the API, whose shape each test asserts field by field
  return (res.body.items as Array<Record<string, any>>).filter((r) => r.subject === subject).reverse();
}

describe.each([
  ['postgres', 5],
  ['sqlite', 3],
] as const)('electronic signatures on %s (SIGNING_MAX_FAILURES %d)', (kind, maxFailures) => {
  let t: TestApp;
  let site: TrialSite;
  let otherSite: TrialSite;

  beforeAll(async () => {
    // PostgreSQL runs the default lockout (5); SQLite a configured one.
    t = await startTestApp(kind, kind === 'sqlite' ? { SIGNING_MAX_FAILURES: String(maxFailures) } : {});
    site = await TrialSite.open(t, 'site-a');
    otherSite = await TrialSite.open(t, 'site-b');
  });
  afterAll(() => t.close());

  /** A patient with consent and eligible screening data: an eligibility sign-off would be applied. */
  async function screened(at = site) {
    const id = await at.register();
    await at.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await at.record(id, 'SCREENING_DATA_RECORDED', eligibleCd19Screening().screening as Record<string, unknown>);
    return id;
  }

  /** An eligibility sign-off with this password, by this investigator. */
  function signEligibility(patientId: string, token: string, password: string, requestId?: string) {
    const req = t.http.post(`/patients/${patientId}/events`).set(bearer(token));
    if (requestId) req.set('X-Request-Id', requestId);
    return req.send({
      type: 'ELIGIBILITY_CONFIRMED',
      data: { attestations: eligibleCd19Screening().attestations },
      signature: { password, meaning: 'I confirm the patient meets every eligibility criterion' },
    });
  }

  const logLength = async (patientId: string) => ((await site.get(`/patients/${patientId}/events`).expect(200)).body as unknown[]).length;

  /** A new investigator of site-a with a signing password. */
  async function investigator(password = 'first signing password') {
    const user = await newUser(t, 'investigator', ['site-a']);
    await t.http.post('/users/me/signing-password').set(bearer(user.token)).send({ password }).expect(204);
    return user;
  }

  describe('changing a signing password (§11.300(b))', () => {
    it('needs the current one: without it a 400, with a wrong one a 403; nothing changes either way', async () => {
      const inv = await investigator('first signing password');
      const withoutCurrent = await t.http.post('/users/me/signing-password').set(bearer(inv.token)).send({ password: 'chosen by a thief 1' });
      expect(withoutCurrent.status).toBe(400);
      expect(withoutCurrent.body).toMatchObject({ error: 'invalid_input', issues: [expect.stringMatching(/^currentPassword: required to change a signing password/)] });
      const wrongCurrent = await t.http.post('/users/me/signing-password').set(bearer(inv.token)).send({ password: 'chosen by a thief 1', currentPassword: 'a guess at it' });
      expect(wrongCurrent.status).toBe(403);
      expect(wrongCurrent.body.error).toBe('forbidden');
      // The thief's password signs nothing; the owner's still does.
      const patient = await screened();
      expect((await signEligibility(patient, inv.token, 'chosen by a thief 1')).status).toBe(403);
      expect(await logLength(patient)).toBe(3);
      expect((await signEligibility(patient, inv.token, 'first signing password')).status).toBe(200);
      // The wrong current password was a failed attempt, in the access audit; no change was recorded.
      expect(await accessRecords(t, 'signing.failure', inv.id)).toEqual([
        expect.objectContaining({ actor: `user:${inv.id}`, patientId: null, details: { reason: 'wrong signing password' } }),
        expect.objectContaining({ patientId: patient, details: { reason: 'wrong signing password' } }),
      ]);
      expect(await accessRecords(t, 'signing-password.change', inv.id)).toEqual([]);
    });

    it('with the current one replaces it: the old one signs no more, the change is in the access audit', async () => {
      const inv = await investigator('first signing password');
      const same = await t.http.post('/users/me/signing-password').set(bearer(inv.token)).send({ password: 'first signing password', currentPassword: 'first signing password' });
      expect(same.status).toBe(422);
      const changed = await t.http
        .post('/users/me/signing-password')
        .set(bearer(inv.token))
        .set('X-Request-Id', 'change-of-signing-password')
        .send({ password: 'second signing password', currentPassword: 'first signing password' });
      expect(changed.status).toBe(204);
      const patient = await screened();
      expect((await signEligibility(patient, inv.token, 'first signing password')).status).toBe(403);
      expect((await signEligibility(patient, inv.token, 'second signing password')).status).toBe(200);
      const [record] = await accessRecords(t, 'signing-password.change', inv.id);
      expect(record).toMatchObject({ actor: `user:${inv.id}`, requestId: 'change-of-signing-password', address: expect.stringMatching(/127\.0\.0\.1|::1/) });
      expect(Date.parse(record.at)).not.toBeNaN();
      const recorded = JSON.stringify(await t.http.get(`/audit/access?actor=${inv.id}`).set(bearer(t.adminToken)));
      expect(recorded).not.toContain('first signing password');
      expect(recorded).not.toContain('second signing password');
    });
  });

  describe('an admin reset (§11.300(b), (c))', () => {
    it('removes the password so that the user must set a new one; the admin cannot choose it', async () => {
      const inv = await investigator('first signing password');
      // No route sets another user's password.
      const chosen = await t.http.post(`/users/${inv.id}/signing-password`).set(bearer(t.adminToken)).send({ password: 'chosen by the admin' });
      expect(chosen.status).toBe(404);
      const byCoordinator = await t.http.post(`/users/${inv.id}/signing-password/reset`).set(bearer(site.coordinator));
      expect(byCoordinator.status).toBe(403);
      const reset = await t.http.post(`/users/${inv.id}/signing-password/reset`).set(bearer(t.adminToken)).set('X-Request-Id', 'reset-1');
      expect(reset.status).toBe(204);
      const patient = await screened();
      const afterReset = await signEligibility(patient, inv.token, 'first signing password');
      expect(afterReset.status).toBe(403);
      expect(afterReset.body.message).toMatch(/set one with POST \/users\/me\/signing-password/);
      expect(await logLength(patient)).toBe(3);
      expect((await t.http.get('/users/me').set(bearer(inv.token))).body).toMatchObject({ id: inv.id, signingPasswordSet: false });
      // The user sets a new one without the old (there is none) and signs with it.
      await t.http.post('/users/me/signing-password').set(bearer(inv.token)).send({ password: 'after the reset 1' }).expect(204);
      expect((await signEligibility(patient, inv.token, 'after the reset 1')).status).toBe(200);
      expect(await accessRecords(t, 'signing-password.reset', inv.id)).toEqual([
        expect.objectContaining({ actor: expect.stringMatching(/^user:/), actorRole: 'admin', requestId: 'reset-1' }),
      ]);
      expect(await accessRecords(t, 'signing-password.set', inv.id)).toHaveLength(2);
      expect((await t.http.post(`/users/${randomUUID()}/signing-password/reset`).set(bearer(t.adminToken))).status).toBe(404);
    });
  });

  describe(`the lockout after ${maxFailures} wrong signing passwords in a row (§11.300(d))`, () => {
    it('locks signing, right password or not, until an admin unlocks it; each failure, the lock and the unlock are recorded', async () => {
      const inv = await investigator('the right password');
      const patient = await screened();
      for (let i = 1; i <= maxFailures; i++) {
        const wrong = await signEligibility(patient, inv.token, `wrong guess ${i}`, `guess-${i}`);
        expect(wrong.status).toBe(403);
        expect(wrong.body).toMatchObject({ error: 'forbidden', message: expect.stringMatching(/signing password is not correct; nothing was signed/) });
      }
      const locked = await signEligibility(patient, inv.token, 'the right password');
      expect(locked.status).toBe(403);
      expect(locked.body).toMatchObject({ error: 'signing_locked', message: expect.stringMatching(new RegExp(`locked for you after ${maxFailures} wrong signing passwords`)) });
      expect(await logLength(patient)).toBe(3);
      // Changing the password is locked too.
      const change = await t.http.post('/users/me/signing-password').set(bearer(inv.token)).send({ password: 'a new one to dodge', currentPassword: 'the right password' });
      expect(change.status).toBe(403);
      expect(change.body.error).toBe('signing_locked');
      const listed = ((await t.http.get('/users').set(bearer(t.adminToken))).body as Array<Record<string, unknown>>).find((u) => u.id === inv.id);
      expect(listed).toMatchObject({ signingPasswordSet: true, signingLockedAt: expect.any(String) });

      const failures = await accessRecords(t, 'signing.failure', inv.id);
      expect(failures.map((r) => r.details.reason)).toEqual([...Array(maxFailures).fill('wrong signing password'), 'locked', 'locked']);
      expect(failures.slice(0, maxFailures).map((r) => r.requestId)).toEqual(Array.from({ length: maxFailures }, (_, i) => `guess-${i + 1}`));
      expect(failures[0]).toMatchObject({ patientId: patient, actor: `user:${inv.id}` });
      expect(await accessRecords(t, 'signing.lock', inv.id)).toEqual([expect.objectContaining({ patientId: patient, requestId: `guess-${maxFailures}` })]);

      expect((await t.http.post(`/users/${inv.id}/signing-password/unlock`).set(bearer(site.coordinator))).status).toBe(403);
      await t.http.post(`/users/${inv.id}/signing-password/unlock`).set(bearer(t.adminToken)).expect(204);
      expect((await t.http.post(`/users/${inv.id}/signing-password/unlock`).set(bearer(t.adminToken))).status).toBe(422);
      expect(await accessRecords(t, 'signing.unlock', inv.id)).toHaveLength(1);
      expect((await signEligibility(patient, inv.token, 'the right password')).status).toBe(200);
    });

    it('counts wrong passwords in a row only: a right one starts the count again', async () => {
      const inv = await investigator('the right password');
      const patient = await screened();
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < maxFailures - 1; i++) expect((await signEligibility(patient, inv.token, 'wrong')).status).toBe(403);
        expect((await signEligibility(await screened(), inv.token, 'the right password')).status).toBe(200);
      }
      expect((await signEligibility(patient, inv.token, 'the right password')).status).toBe(200);
      expect(await accessRecords(t, 'signing.lock', inv.id)).toEqual([]);
    });

    it('lets a signer sign more patients at once than the lockout allows wrong passwords', async () => {
      const inv = await investigator('the right password');
      const patients = await Promise.all(Array.from({ length: maxFailures + 3 }, () => screened()));
      const answers = await Promise.all(patients.map((patient) => signEligibility(patient, inv.token, 'the right password')));
      expect(answers.map((a) => a.status)).toEqual(patients.map(() => 200));
      expect(await accessRecords(t, 'signing.failure', inv.id)).toEqual([]);
    });

    it('lets no burst of simultaneous guesses past the lockout', async () => {
      const inv = await investigator('the right password');
      const patient = await screened();
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => signEligibility(patient, inv.token, `parallel guess ${i}`)));
      expect(answers.every((a) => a.status === 403)).toBe(true);
      // Exactly `maxFailures` guesses were checked; every other one was refused unchecked.
      expect(answers.filter((a) => a.body.error === 'forbidden')).toHaveLength(maxFailures);
      expect(answers.filter((a) => a.body.error === 'signing_locked')).toHaveLength(12 - maxFailures);
      const failures = await accessRecords(t, 'signing.failure', inv.id);
      expect(failures.filter((r) => r.details.reason === 'wrong signing password')).toHaveLength(maxFailures);
      expect(await logLength(patient)).toBe(3);
    });
  });

  describe('no answer tells a right password from a wrong one but the signature itself', () => {
    it('answers the same for a missing, other-site, wrong-state or refused patient whatever the password, and counts none of it', async () => {
      const inv = await investigator('the right password');
      const otherSitePatient = await screened(otherSite);
      const enrolled = await screened();
      await signEligibility(enrolled, inv.token, 'the right password').expect(200);
      const notYetScreened = await site.register();
      const cases: Array<[string, string, number, string]> = [
        ['a patient that does not exist', randomUUID(), 404, 'not_found'],
        ["another site's patient", otherSitePatient, 404, 'not_found'],
        ['a patient already eligible', enrolled, 409, 'event_not_accepted'],
        ['a patient not yet consented', notYetScreened, 422, 'refused'],
      ];
      for (const [what, patientId, status, error] of cases) {
        for (let i = 0; i < maxFailures + 1; i++) {
          const right = await signEligibility(patientId, inv.token, 'the right password');
          const wrong = await signEligibility(patientId, inv.token, `wrong ${i}`);
          expect({ what, status: right.status, body: right.body }).toEqual({ what, status, body: expect.objectContaining({ error }) });
          expect({ what, status: wrong.status, body: wrong.body }).toEqual({ what, status: right.status, body: right.body });
        }
      }
      expect(((await otherSite.get(`/patients/${otherSitePatient}/events`).expect(200)).body as unknown[]).length).toBe(3);
      expect(await accessRecords(t, 'signing.failure', inv.id)).toEqual([]);
      // None of it counted: the right password still signs.
      expect((await signEligibility(await screened(), inv.token, 'the right password')).status).toBe(200);
    });
  });
});

describe('bearer tokens: expiry and rotation (PostgreSQL)', () => {
  let t: TestApp;
  let second: NestFastifyApplication;
  let elsewhere: ReturnType<typeof request>;

  beforeAll(async () => {
    t = await startTestApp('postgres', { TOKEN_TTL: '3s', AUTH_CACHE_MS: '1500' });
    // A second API process on the same database: a rotation made on the first reaches it within AUTH_CACHE_MS.
    second = await createApp(t.config, { withWorker: false });
    await second.init();
    await second.getHttpAdapter().getInstance().ready();
    elsewhere = request(second.getHttpServer());
  });
  afterAll(async () => {
    await second.close();
    await t.close();
  });

  it('refuses a token once TOKEN_TTL has passed since it was issued, even one this process has cached', async () => {
    const user = await newUser(t, 'coordinator', ['site-a']);
    const me = await t.http.get('/users/me').set(bearer(user.token));
    expect(me.status).toBe(200);
    const expiresAt = Date.parse(me.body.tokenExpiresAt);
    expect(expiresAt - Date.parse(me.body.createdAt)).toBeGreaterThan(2_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(3_000);
    await sleep(Math.max(0, expiresAt - Date.now()) + 100);
    const expired = await t.http.get('/worklist').set(bearer(user.token));
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ error: 'unauthenticated', message: expect.stringMatching(/expired/) });
  });

  it("leaves ADMIN_TOKEN's admin without expiry, and refuses to rotate it through the API", async () => {
    await sleep(3_200);
    const users = (await t.http.get('/users').set(bearer(t.adminToken)).expect(200)).body as Array<Record<string, unknown>>;
    expect(users[0]).toMatchObject({ role: 'admin', tokenExpiresAt: null });
    const rotate = await t.http.post('/users/me/token').set(bearer(t.adminToken));
    expect(rotate.status).toBe(422);
    expect(rotate.body.reasons[0]).toMatch(/ADMIN_TOKEN/);
    expect((await t.http.get('/users').set(bearer(t.adminToken))).status).toBe(200);
  });

  it('lets a user rotate its own token: the old one is dead at once here and within AUTH_CACHE_MS on another process', async () => {
    const user = await newUser(t, 'coordinator', ['site-a']);
    // Both processes have looked the token up (and cached it).
    await t.http.get('/worklist').set(bearer(user.token)).expect(200);
    await elsewhere.get('/worklist').set(bearer(user.token)).expect(200);
    const rotated = await t.http.post('/users/me/token').set(bearer(user.token)).set('X-Request-Id', 'own-rotation');
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ token: expect.stringMatching(/^ct_/), expiresAt: expect.any(String) });
    expect(rotated.body.token).not.toBe(user.token);
    expect((await t.http.get('/worklist').set(bearer(user.token))).status).toBe(401);
    expect((await t.http.get('/worklist').set(bearer(rotated.body.token))).status).toBe(200);
    // The other process trusts its cached lookup for at most AUTH_CACHE_MS (1.5 s here).
    await sleep(1_600);
    expect((await elsewhere.get('/worklist').set(bearer(user.token))).status).toBe(401);
    expect((await elsewhere.get('/worklist').set(bearer(rotated.body.token))).status).toBe(200);
    const records = await accessRecords(t, 'token.rotate', user.id);
    expect(records).toEqual([expect.objectContaining({ actor: `user:${user.id}`, requestId: 'own-rotation', details: { byTheUser: true } })]);
    expect(JSON.stringify(records)).not.toContain(rotated.body.token);
  });

  it("lets an admin rotate anyone's token, and only an admin", async () => {
    const user = await newUser(t, 'investigator', ['site-a']);
    const other = await newUser(t, 'coordinator', ['site-a']);
    expect((await t.http.post(`/users/${user.id}/token`).set(bearer(other.token))).status).toBe(403);
    const rotated = await t.http.post(`/users/${user.id}/token`).set(bearer(t.adminToken));
    expect(rotated.status).toBe(200);
    expect((await t.http.get('/worklist').set(bearer(user.token))).status).toBe(401);
    expect((await t.http.get('/users/me').set(bearer(rotated.body.token))).body).toMatchObject({ id: user.id, tokenExpiresAt: rotated.body.expiresAt });
    expect(await accessRecords(t, 'token.rotate', user.id)).toEqual([expect.objectContaining({ actorRole: 'admin', details: { byTheUser: false } })]);
    expect((await t.http.post(`/users/${randomUUID()}/token`).set(bearer(t.adminToken))).status).toBe(404);
  });

  // Last: it replaces ADMIN_TOKEN, so t.adminToken works no more afterwards.
  it('revokes the admin of an earlier ADMIN_TOKEN when the variable changes, and gives it an expiry once it is unset', async () => {
    const newAdminToken = `admin-replacement-${randomUUID()}`;
    const replacement = await createApp({ ...t.config, adminToken: newAdminToken }, { withWorker: false });
    try {
      await replacement.init();
      await replacement.getHttpAdapter().getInstance().ready();
      const restarted = request(replacement.getHttpServer());
      expect((await restarted.get('/users').set(bearer(t.adminToken))).status).toBe(401);
      expect((await restarted.get('/users').set(bearer(newAdminToken))).status).toBe(200);
      const revoked = await restarted.get('/audit/access?action=user.revoke').set(bearer(newAdminToken));
      expect(revoked.body.items).toEqual([expect.objectContaining({ actor: 'system:start', actorRole: 'system', address: null, requestId: null })]);
    } finally {
      await replacement.close();
    }
    const unset = await createApp({ ...t.config, adminToken: undefined }, { withWorker: false });
    try {
      await unset.init();
      const admins = await unset.get(DataSource).query(`SELECT token_expires_at FROM users WHERE role = 'admin' AND revoked_at IS NULL`);
      expect(admins).toHaveLength(1);
      expect(Date.parse(admins[0].token_expires_at)).toBeGreaterThan(Date.now());
    } finally {
      await unset.close();
    }
  });
});
