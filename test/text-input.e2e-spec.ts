import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MAX_JSON_DEPTH } from '#domain';
import { startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';
import { fingerprint, readLog, verifyAudit } from './support/invariants';

/**
 * Text the record accepts (README, "Text the record accepts"): a NUL or a lone surrogate anywhere
 * in a body, a query, a path id or a kept header is a 400 naming the field, and JSON nested deeper
 * than MAX_JSON_DEPTH is a 400 with or without an Idempotency-Key; none writes anything. Before,
 * PostgreSQL stored U+FFFD for a lone surrogate in a reason or a user's name, so the stored text no
 * longer matched its hash and /audit/verify failed for good; a NUL was a 500 there; a deep body with
 * an Idempotency-Key overflowed the stack (500) on both databases.
 */
describe.each(['postgres', 'sqlite'] as const)('text the record accepts, on %s', (kind) => {
  let t: TestApp;
  let site: TrialSite;
  let monitor: string;
  let patient: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { RATE_LIMIT_PER_MINUTE: '0' });
    site = await TrialSite.open(t, 'site-a');
    monitor = await createUser(t, 'monitor', ['site-a']);
    patient = await site.register();
  });
  afterAll(() => t.close());

  const users = async () => (await t.http.get('/users').set('Authorization', `Bearer ${t.adminToken}`)).body as Array<{ name: string }>;

  /** The request is a 400 whose issues name `field` and why, and the database holds what it held. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer of the API, whose shape each test asserts field by field
  async function refusedAndNothingWritten(send: () => PromiseLike<{ status: number; body: any }>, field: string, why: RegExp) {
    const named = field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const before = { db: await fingerprint(t), users: (await users()).length };
    const res = await send();
    expect({ status: res.status, error: res.body.error }).toEqual({ status: 400, error: 'invalid_input' });
    expect(res.body.issues).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${named}( \\(a key\\))?: ${why.source}`))]));
    expect({ db: await fingerprint(t), users: (await users()).length }).toEqual(before);
    return res.body;
  }

  const NUL = /holds a NUL character/;
  const SURROGATE = /holds an unpaired surrogate/;

  describe('in a body', () => {
    it.each([
      ['a lone low surrogate', 'x\udc00', SURROGATE],
      ['a lone high surrogate', '\ud83dx', SURROGATE],
      ['a NUL', 'x\u0000y', NUL],
    ])('refuses %s in a reason; the log and its chain are untouched', async (_what, reason, why) => {
      await refusedAndNothingWritten(() => site.post(patient, { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.0' }, reason }), 'reason', why);
      expect((await readLog(t, patient, site.coordinator)).map((e) => e.type)).toEqual(['PATIENT_REGISTERED']);
      expect((await verifyAudit(t, monitor, patient)).body).toMatchObject({ ok: true, entriesChecked: 1 });
    });

    it('refuses them in event data, in a value or a key, at any depth, on the report routes too', async () => {
      await refusedAndNothingWritten(() => site.post(patient, { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1\u0000' } }), 'data.consentVersion', NUL);
      await refusedAndNothingWritten(
        () => site.post(patient, { type: 'SCREENING_DATA_RECORDED', data: { markers: { 'CD19\udc00': 'positive' } } }),
        'data.markers["CD19\\udc00"]',
        SURROGATE,
      );
      await refusedAndNothingWritten(() => site.post(patient, { type: 'SCREENING_DATA_RECORDED', data: { labs: { notes: ['ok', 'b\u0000ad'] } } }), 'data.labs.notes.1', NUL);
      const collectedAt = t.clock.now().toISOString();
      await refusedAndNothingWritten(
        () => t.http.post(`/patients/${patient}/observations`).set('Authorization', `Bearer ${site.coordinator}`).send({ code: 'IL6', value: 1, unit: 'pg/mL\udc00', collectedAt }),
        'unit',
        SURROGATE,
      );
    });

    it("refuses them in a user's name (the name every log entry of that user carries)", async () => {
      for (const [name, why] of [
        ['Ana\u0000', NUL],
        ['Ana\udc00', SURROGATE],
      ] as const) {
        const post = () =>
          t.http
            .post('/users')
            .set('Authorization', `Bearer ${t.adminToken}`)
            .send({ name, role: 'coordinator', siteIds: ['site-a'] });
        await refusedAndNothingWritten(post, 'name', why);
      }
    });

    it("refuses them in a signature's meaning, before the signing password is even checked", async () => {
      const { eligibleCd19Screening } = await import('#testing');
      const { attestations } = eligibleCd19Screening();
      const body = { type: 'ELIGIBILITY_CONFIRMED', data: { attestations }, signature: { password: 'wrong password!', meaning: 'I confirm\udc00' } };
      await refusedAndNothingWritten(() => site.post(patient, body, site.investigator), 'signature.meaning', SURROGATE);
    });

    it('names every unfit field of one body, in the order sent', async () => {
      const body = await refusedAndNothingWritten(
        () => site.post(patient, { type: 'CONSENT_SIGNED', reason: 'a\u0000', data: { consentVersion: 'b\udc00', '\u0000': 1 } }),
        'reason',
        NUL,
      );
      expect(body.issues).toEqual([
        'reason: holds a NUL character (U+0000), which the record does not accept',
        'data["\\u0000"] (a key): holds a NUL character (U+0000), which the record does not accept',
        'data.consentVersion: holds an unpaired surrogate (a lone U+D800–U+DFFF), which is not Unicode text',
      ]);
    });

    it('keeps any valid Unicode exactly as sent (no normalisation), and the chain holds', async () => {
      const id = await site.register();
      // Decomposed (u + U+0308) and composed (U+00FC) Müller, an emoji (a surrogate pair), right-to-left text, U+FFFD itself.
      const reasons = ['Mu\u0308ller', 'M\u00fcller', 'dose \u{1F9EC} ok', 'שלום', 'replacement \ufffd kept'];
      for (const reason of reasons) {
        expect((await site.post(id, { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.0' }, reason })).status).toBe(200);
      }
      const logged = (await readLog(t, id, site.coordinator)).slice(1) as unknown as Array<{ reason: string }>;
      expect(logged.map((e) => e.reason)).toEqual(reasons);
      expect(logged[0].reason).not.toBe(logged[1].reason);
      expect((await verifyAudit(t, monitor, id)).body).toMatchObject({ ok: true, entriesChecked: 1 + reasons.length });
    });
  });

  describe('in a query, a path id and a header', () => {
    it.each([
      ['/patients?state=%00', 'state', NUL],
      ['/patients?protocolId=cd19%00&limit=5', 'protocolId', NUL],
      ['/notifications?unread=true&limit=%00', 'limit', NUL],
    ])('refuses GET %s as a 400 naming the query parameter', async (path, field, why) => {
      const body = await refusedAndNothingWritten(() => site.get(path), field, why);
      expect(body.message).toBe('The query is not valid.');
    });

    it.each([
      ['GET', '/patients/%00', 'id', 'coordinator'],
      ['GET', '/patients/%00/events', 'id', 'coordinator'],
      ['POST', '/notifications/%00/read', 'id', 'coordinator'],
      ['GET', '/trials/cd19%00', 'protocolId', 'coordinator'],
      ['GET', '/protocols/%00/diagram', 'id', 'coordinator'],
      ['DELETE', '/users/%00', 'id', 'admin'],
      ['DELETE', '/webhooks/x%00', 'id', 'admin'],
      ['POST', '/webhooks/deliveries/%00/resend', 'id', 'admin'],
    ] as const)('refuses %s %s as a 400 naming the path parameter %s', async (method, path, field, who) => {
      const token = who === 'admin' ? t.adminToken : site.coordinator;
      const send = () => {
        const req = method === 'GET' ? t.http.get(path) : method === 'POST' ? t.http.post(path) : t.http.delete(path);
        return req.set('Authorization', `Bearer ${token}`);
      };
      const body = await refusedAndNothingWritten(send, field, NUL);
      expect(body.message).toBe('The path is not valid.');
    });

    it('refuses a NUL in the Idempotency-Key header (Node refuses the request line before the engine sees it)', async () => {
      const server = t.app.getHttpServer();
      if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const body = JSON.stringify({ type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.0' } });
      const before = await fingerprint(t);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(
            `POST /patients/${patient}/events HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${site.coordinator}\r\n` +
              `Content-Type: application/json\r\nIdempotency-Key: key\u0000one\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
          );
        });
        let text = '';
        socket.on('data', (chunk) => (text += chunk.toString('latin1')));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(await fingerprint(t)).toEqual(before);
    });
  });

  describe('JSON nested too deep', () => {
    /** A body whose data holds `depth` arrays inside one another (the body object and data add 2 levels). */
    const nested = (depth: number) => `{"type":"CONSENT_SIGNED","data":{"consentVersion":"v1.0","x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const postRaw = (text: string, idempotencyKey?: string) => {
      const req = t.http.post(`/patients/${patient}/events`).set('Authorization', `Bearer ${site.coordinator}`).set('Content-Type', 'application/json');
      if (idempotencyKey) req.set('Idempotency-Key', idempotencyKey);
      return req.send(text);
    };

    it.each([
      ['with an Idempotency-Key', 'deep-1'],
      ['without one', undefined],
    ])('refuses 10,000 levels %s as a 400 naming the field and the bound', async (_what, key) => {
      const body = await refusedAndNothingWritten(
        () => postRaw(nested(10_000), key),
        'data.x.0.0…',
        new RegExp(`nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep`),
      );
      expect(body.issues).toHaveLength(1);
    });

    it(`takes ${MAX_JSON_DEPTH} levels to the event's own validation, and refuses ${MAX_JSON_DEPTH + 1}`, async () => {
      const atBound = await postRaw(nested(MAX_JSON_DEPTH - 2), 'deep-2');
      // At the bound the depth is not what is wrong: CONSENT_SIGNED's data has no field "x".
      expect({ status: atBound.status, issues: atBound.body.issues }).toEqual({ status: 400, issues: ['data: Unrecognized key: "x"'] });
      const over = await postRaw(nested(MAX_JSON_DEPTH - 1), 'deep-3');
      expect(over.status).toBe(400);
      expect(over.body.issues).toEqual([expect.stringMatching(new RegExp(`^data\\.x\\.0\\.0…: nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep$`))]);
    });
  });
});
