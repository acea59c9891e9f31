import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { entryHash, noteSigner, noteVerifier, openNote, PatientEntity, PatientEventEntity, protocolOf, replayLog, verifyRecord } from '#domain';
import * as machine from '../libs/domain/src/kernel/machine-boundary';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';
import { readLog, verifyAudit, type VerifyAnswer } from './support/invariants';

/**
 * A chain that survives a database administrator (README, "The audit chain, its checkpoints, and how
 * a sponsor verifies a site's record"). Each forgery below is done in SQL the way someone who can
 * write the database and has read this code would: the change, then the whole hash chain, the
 * patient row's head, snapshot and columns recomputed, so every check that reads only the database
 * passes. Before signed checkpoints, /audit/verify said ok to each of them; now the head the last
 * checkpoint sealed, with a key the database does not hold, gives them away. The forgeries change no
 * checkpoint: the file is outside the database.
 */
describe.each(['postgres', 'sqlite'] as const)('the audit chain against a database administrator, on %s', (kind) => {
  let t: TestApp;
  let site: TrialSite;
  let monitor: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { RATE_LIMIT_PER_MINUTE: '0' });
    site = await TrialSite.open(t, 'site-a');
    monitor = await createUser(t, 'monitor', ['site-a']);
  });
  afterAll(() => t?.close());

  const db = () => t.app.get(DataSource);
  /** SQL with $1, $2 … (in order), on either database. */
  const sql = (text: string, params: unknown[] = []) => db().query(kind === 'sqlite' ? text.replace(/\$\d+/g, '?') : text, params);
  const admin = (req: ReturnType<TestApp['http']['get']>) => req.set('Authorization', `Bearer ${t.adminToken}`);

  async function checkpoint() {
    const res = await admin(t.http.post('/audit/checkpoints'));
    expect(res.status).toBe(200);
    return res.body as { created: boolean; checkpoint: { number: number; rootHash: string; note: string }; sealed: number; held: Array<{ patientId: string; problem: string }> };
  }

  async function verify(patientId?: string, token = monitor): Promise<VerifyAnswer> {
    const res = await verifyAudit(t, token, patientId);
    expect(res.status).toBe(200);
    return res.body;
  }

  /**
   * Registration, consent, screening, the signed eligibility sign-off, enrollment, then the chain of
   * custody from the collection to the release (TrialSite.released). The seqs the tests name are read
   * from the log (`head`, `signOffSeq`), not counted by hand.
   */
  async function walked(on = site): Promise<string> {
    const id = await on.register();
    await on.released(id);
    expect((await entries(id)).at(-1)?.type).toBe('PRODUCT_RELEASED');
    return id;
  }

  const entries = (patientId: string) =>
    db()
      .getRepository(PatientEventEntity)
      .find({ where: { patientId }, order: { seq: 'ASC' } });

  /** The seq of the patient's newest entry, which is also how many entries its log has. */
  async function head(patientId: string): Promise<number> {
    const rows = await entries(patientId);
    expect(rows.map((e) => e.seq)).toEqual(rows.map((_, i) => i + 1));
    return rows.length;
  }

  /** The seq of the investigator's signed eligibility sign-off. */
  async function signOffSeq(patientId: string): Promise<number> {
    const signed = (await entries(patientId)).filter((e) => e.type === 'ELIGIBILITY_CONFIRMED');
    expect(signed).toHaveLength(1);
    return signed[0].seq;
  }

  /** The forger's finish: every hash from `fromSeq` on recomputed, then the patient row rebuilt from the log as the engine would write it. */
  async function recomputeEverything(patientId: string, fromSeq = 1) {
    const rows = await entries(patientId);
    let prevHash = fromSeq > 1 ? rows[fromSeq - 2].hash : '0'.repeat(64);
    for (const row of rows.slice(fromSeq - 1)) {
      const hash = entryHash(prevHash, row);
      await sql('UPDATE patient_events SET prev_hash = $1, hash = $2 WHERE patient_id = $3 AND seq = $4', [prevHash, hash, patientId, row.seq]);
      prevHash = hash;
    }
    const patient = await db().getRepository(PatientEntity).findOneByOrFail({ id: patientId });
    const protocol = protocolOf(patient);
    const { final } = replayLog(protocol, rows);
    const context = machine.contextOf(final!);
    await sql('UPDATE patients SET snapshot = $1, state = $2, status = $3, version = $4, last_seq = $5, last_hash = $6, day0 = $7, dose_level = $8 WHERE id = $9', [
      JSON.stringify(machine.persistSnapshot(protocol, final!)),
      machine.stateName(final!),
      machine.isOffStudy(final!) ? 'offStudy' : 'active',
      rows.length,
      rows.length,
      prevHash,
      context.infusion?.infusedAt ?? null,
      context.enrollment?.doseLevel ?? null,
      patientId,
    ]);
  }

  const forgeries = {
    /** The newest entry deleted. */
    async deleteLast(id: string) {
      await sql('DELETE FROM patient_events WHERE patient_id = $1 AND seq = $2', [id, await head(id)]);
      await recomputeEverything(id);
    },
    /** A WITHDRAWN that nobody recorded, put in before the last entry (which moves up one seq). */
    async inventWithdrawal(id: string) {
      const last = await head(id);
      const [before] = (await entries(id)).filter((e) => e.seq === last - 1);
      await sql('UPDATE patient_events SET seq = $1 WHERE patient_id = $2 AND seq = $3', [last + 1, id, last]);
      const at = new Date(Date.parse(before.recordedAt) + 1000).toISOString();
      await sql(
        `INSERT INTO patient_events (patient_id, seq, type, data, actor, actor_name, reason, occurred_at, recorded_at, idempotency_key, signature, seal_version, prev_hash, hash)
         VALUES ($1, $2, 'WITHDRAWN', $3, $4, $5, NULL, $6, $7, NULL, NULL, 2, '', '')`,
        [id, last, JSON.stringify({ reason: 'patient decision' }), before.actor, before.actorName, at, at],
      );
      await recomputeEverything(id, last);
    },
    /** The name under the eligibility sign-off changed. */
    async renameSigner(id: string) {
      const seq = await signOffSeq(id);
      const [signed] = (await entries(id)).filter((e) => e.seq === seq);
      expect(signed.signature?.signerName).toMatch(/^investigator of site-/);
      await sql('UPDATE patient_events SET signature = $1 WHERE patient_id = $2 AND seq = $3', [JSON.stringify({ ...signed.signature, signerName: 'Dr Somebody Else' }), id, seq]);
      await recomputeEverything(id, seq);
    },
  };

  describe('each forgery, recomputed throughout, is named against the last checkpoint', () => {
    it('the last entry deleted: the log no longer reaches the sealed head', async () => {
      const id = await walked();
      const last = await head(id);
      const { checkpoint: sealedBy } = await checkpoint();
      await forgeries.deleteLast(id);
      const answer = await verify(id);
      expect(answer).toMatchObject({ ok: false, patientsChecked: 1, entriesChecked: last - 1, checkpointProblem: null });
      expect(answer.broken).toEqual([{ patientId: id, seq: last, problem: `checkpoint ${sealedBy.number} sealed seq ${last}, but the log ends at seq ${last - 1}` }]);
      expect(answer.firstBroken).toEqual(answer.broken[0]);
    });

    it('an invented WITHDRAWN: the patient reads as withdrawn, and the sealed last entry is not in the log any more', async () => {
      const id = await walked();
      const last = await head(id);
      const { checkpoint: sealedBy } = await checkpoint();
      const sealedLast = (await entries(id))[last - 1].hash;
      await forgeries.inventWithdrawal(id);
      expect((await site.get(`/patients/${id}`)).body).toMatchObject({ state: 'withdrawn', status: 'offStudy', version: last + 1 });
      const answer = await verify(id);
      expect(answer.broken).toEqual([
        {
          patientId: id,
          seq: last,
          problem: expect.stringMatching(
            new RegExp(`^checkpoint ${sealedBy.number} sealed seq ${last} as ${sealedLast.slice(0, 12)}…, but the log's entry ${last} is [0-9a-f]{12}…$`),
          ),
        },
      ]);
    });

    it("a signer's name changed: the log shows the new name, and the sealed head no longer matches", async () => {
      const id = await walked();
      const last = await head(id);
      const signed = await signOffSeq(id);
      const { checkpoint: sealedBy } = await checkpoint();
      await forgeries.renameSigner(id);
      expect((await readLog(t, id, monitor))[signed - 1]).toMatchObject({ seq: signed, signature: { signerName: 'Dr Somebody Else' } });
      expect((await verify(id)).broken).toEqual([{ patientId: id, seq: last, problem: expect.stringContaining(`checkpoint ${sealedBy.number} sealed seq ${last} as `) }]);
    });

    it('a patient deleted from the database is named too, even asked for by id', async () => {
      const id = await walked();
      const last = await head(id);
      await checkpoint();
      for (const table of ['patient_events', 'timers', 'outbox', 'idempotency_keys']) await sql(`DELETE FROM ${table} WHERE patient_id = $1`, [id]);
      await sql('DELETE FROM patients WHERE id = $1', [id]);
      expect((await verify(id)).broken).toEqual([
        {
          patientId: id,
          seq: last,
          problem: expect.stringMatching(new RegExp(`^checkpoint \\d+ sealed this patient at seq ${last} at site site-a, but it is not there in the database$`)),
        },
      ]);
      expect((await verifyAudit(t, monitor)).body.broken).toContainEqual(expect.objectContaining({ patientId: id }));
    });

    it('a patient moved to another site in the database is named at the site the checkpoint sealed it at', async () => {
      const id = await walked();
      const last = await head(id);
      await checkpoint();
      await sql(`UPDATE patients SET site_id = 'site-b' WHERE id = $1`, [id]);
      expect((await verify(id, t.adminToken)).broken).toEqual([
        { patientId: id, seq: last, problem: expect.stringMatching(/sealed this patient at site site-a, but the patient record says site-b$/) },
      ]);
      // A monitor of site-a no longer finds the patient in the database, but the checkpoint says it was theirs.
      expect((await verifyAudit(t, monitor)).body.broken).toContainEqual(expect.objectContaining({ patientId: id, problem: expect.stringContaining('not there in the database') }));
    });
  });

  it('names every broken patient, not only the first', async () => {
    const siteC = await TrialSite.open(t, 'site-c');
    const monitorC = await createUser(t, 'monitor', ['site-c']);
    const ids = [await walked(siteC), await walked(siteC), await walked(siteC), await walked(siteC)];
    await checkpoint();
    await forgeries.deleteLast(ids[0]);
    await forgeries.inventWithdrawal(ids[1]);
    await forgeries.renameSigner(ids[3]);
    const answer = await verify(undefined, monitorC);
    const tampered = [ids[0], ids[1], ids[3]].sort();
    expect(answer).toMatchObject({ ok: false, patientsChecked: 4 });
    expect(answer.broken.map((b) => b.patientId)).toEqual(tampered);
    expect(answer.broken.every((b) => b.problem.startsWith('checkpoint '))).toBe(true);
    expect(answer.firstBroken).toEqual(answer.broken[0]);
  });

  it('never seals a rewritten history: the next checkpoint holds the patient back and says why, and seals the others', async () => {
    const forged = await walked();
    const honest = await walked();
    const sealedHead = await head(forged);
    await checkpoint();
    await forgeries.renameSigner(forged);
    // Both patients move on; only the honest one's log extends the head sealed before.
    await site.record(forged, 'LYMPHODEPLETION_STARTED');
    await site.record(honest, 'LYMPHODEPLETION_STARTED');
    const next = await checkpoint();
    expect(next.created).toBe(true);
    expect(next.held).toContainEqual({
      patientId: forged,
      siteId: 'site-a',
      problem: expect.stringMatching(new RegExp(`^its log no longer holds the entry ${sealedHead} sealed with hash [0-9a-f]{64}$`)),
    });
    expect(next.held.map((h) => h.patientId)).not.toContain(honest);
    const sealed = readFileSync(t.config.checkpoint.file, 'utf8').trim().split('\n').at(-1)!;
    expect(JSON.parse(sealed).leaves.map((l: string) => l.split(' ')[0])).toContain(honest);
    expect(JSON.parse(sealed).leaves.map((l: string) => l.split(' ')[0])).not.toContain(forged);
    expect((await verify(forged)).ok).toBe(false);
    expect(await verify(honest)).toMatchObject({ ok: true, broken: [], checkpoint: { number: next.checkpoint.number } });
  });

  it('seals the idempotency key: one changed in the database breaks the chain at its entry', async () => {
    const id = await site.register();
    const posted = await site.post(id, { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.0' } }, site.coordinator, { 'Idempotency-Key': 'consent-1' });
    expect(posted.status).toBe(200);
    expect((await verify(id)).ok).toBe(true);
    await sql(`UPDATE patient_events SET idempotency_key = 'consent-2' WHERE patient_id = $1 AND seq = 2`, [id]);
    expect((await verify(id)).broken).toEqual([{ patientId: id, seq: 2, problem: 'hash does not match the entry' }]);
  });

  it('verifies entries sealed the old way (version 1), extends them with version 2, and refuses a chain that goes back', async () => {
    const id = await walked();
    const old = await head(id);
    // What a log written before seal versions looks like: every entry version 1.
    await sql('UPDATE patient_events SET seal_version = 1 WHERE patient_id = $1', [id]);
    await recomputeEverything(id);
    expect((await verify(id)).ok).toBe(true);
    await site.record(id, 'LYMPHODEPLETION_STARTED');
    await site.record(id, 'LYMPHODEPLETION_COMPLETED');
    const [first, second] = [old + 1, old + 2];
    expect((await entries(id)).map((e) => e.sealVersion)).toEqual([...Array<number>(old).fill(1), 2, 2]);
    expect(await verify(id)).toMatchObject({ ok: true, entriesChecked: second });
    const { checkpoint: sealedBy } = await checkpoint();
    // The newest entry re-sealed the weaker way (its idempotency key unsealed again) shows, even re-hashed …
    await sql('UPDATE patient_events SET seal_version = 1 WHERE patient_id = $1 AND seq = $2', [id, second]);
    await recomputeEverything(id, second);
    expect((await verify(id)).broken).toEqual([{ patientId: id, seq: second, problem: 'sealed the version 1 way after an entry sealed the version 2 way' }]);
    // … and so does every version 2 entry re-sealed the old way, which the chain alone cannot tell from an old log: the checkpoint can.
    await sql('UPDATE patient_events SET seal_version = 1 WHERE patient_id = $1 AND seq = $2', [id, first]);
    await recomputeEverything(id, first);
    expect((await verify(id)).broken).toEqual([{ patientId: id, seq: second, problem: expect.stringContaining(`checkpoint ${sealedBy.number} sealed seq ${second} as `) }]);
  });

  it("checks the patient row's columns against the log", async () => {
    const id = await walked();
    const last = await head(id);
    await sql(`UPDATE patients SET state = 'withdrawn', status = 'offStudy' WHERE id = $1`, [id]);
    expect((await verify(id)).broken).toEqual([{ patientId: id, seq: last, problem: 'the patient record\'s state is "withdrawn", but the log gives "productReleased"' }]);
  });

  describe('the checkpoints and the key', () => {
    it('signs each checkpoint as a C2SP signed note with a key from outside the database, served and kept in DATA_DIR', async () => {
      await walked();
      const made = await checkpoint();
      const key = (await site.get('/audit/checkpoints/key')).body;
      expect(key).toMatchObject({
        origin: 'cart-trial-engine',
        keyId: expect.stringMatching(/^[0-9a-f]{8}$/),
        verifierKey: expect.stringMatching(/^cart-trial-engine\+[0-9a-f]{8}\+/),
      });
      expect(key.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
      const text = openNote(made.checkpoint.note, noteVerifier(key.verifierKey));
      expect(text.split('\n').slice(0, 4)).toEqual([
        'cart-trial-engine',
        expect.stringMatching(/^\d+$/),
        Buffer.from(made.checkpoint.rootHash, 'hex').toString('base64'),
        `checkpoint ${made.checkpoint.number}`,
      ]);
      // The key file generated at the first start, readable by its owner only.
      expect(statSync(t.config.checkpoint.keyFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(t.config.checkpoint.keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      // Nothing moved: no new checkpoint.
      expect(await checkpoint()).toMatchObject({ created: false, sealed: 0, checkpoint: { number: made.checkpoint.number } });
      const latest = (await site.get('/audit/checkpoints/latest', monitor)).body;
      expect(latest).toEqual(made.checkpoint);
    });

    it('lets only an admin make and export checkpoints and the log; a monitor reads the latest head, which names no patient', async () => {
      expect((await t.http.post('/audit/checkpoints').set('Authorization', `Bearer ${monitor}`)).status).toBe(403);
      expect((await site.get('/audit/checkpoints', monitor)).status).toBe(403);
      expect((await site.get('/audit/log', monitor)).status).toBe(403);
      expect((await site.get('/audit/checkpoints/latest', site.coordinator)).status).toBe(403);
      const latest = await site.get('/audit/checkpoints/latest', monitor);
      expect(latest.status).toBe(200);
      expect(JSON.stringify(latest.body)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    });

    it('names a checkpoint file changed on disk, and adds nothing to it', async () => {
      await walked();
      await checkpoint();
      const file = t.config.checkpoint.file;
      const original = readFileSync(file, 'utf8');
      const lines = original.trim().split('\n');
      const last = JSON.parse(lines.at(-1)!);
      last.leaves[0] = last.leaves[0].replace(/ (\d+) /, (_: string, seq: string) => ` ${Number(seq) + 1} `);
      writeFileSync(file, [...lines.slice(0, -1), JSON.stringify(last)].join('\n') + '\n');
      try {
        const answer = await verify();
        expect(answer.ok).toBe(false);
        expect(answer.checkpointProblem).toMatch(new RegExp(`^checkpoint ${lines.length} \\(line ${lines.length} of the checkpoint file\\): its rootHash is`));
        expect(answer.checkpoint?.number).toBe(lines.length - 1);
        const refused = await admin(t.http.post('/audit/checkpoints'));
        expect(refused.status).toBe(422);
        expect(refused.body.reasons[0]).toContain('does not hold, so nothing is added to it');
        expect(readFileSync(file, 'utf8')).not.toBe(original);
        expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(lines.length);
      } finally {
        writeFileSync(file, original);
      }
      expect((await verify()).checkpointProblem).toBeNull();
    });
  });

  describe('a sponsor verifies the record from the exports alone', () => {
    async function exports() {
      const key = (await admin(t.http.get('/audit/checkpoints/key'))).body.verifierKey as string;
      const checkpoints = await admin(t.http.get('/audit/checkpoints')).buffer(true).parse(text);
      const log = await admin(t.http.get('/audit/log')).buffer(true).parse(text);
      expect([checkpoints.status, log.status]).toEqual([200, 200]);
      expect(log.headers['content-type']).toMatch(/^application\/x-ndjson/);
      return { verifierKey: key, checkpoints: checkpoints.body as string, log: log.body as string };
    }

    it('finds the record whole, then names what a forger changed after the export it keeps', async () => {
      // Start from a clean slate: the patients the forgeries above broke are not the point here.
      const fresh = await startTestApp(kind, { RATE_LIMIT_PER_MINUTE: '0' });
      const original = t;
      t = fresh;
      try {
        const freshSite = await TrialSite.open(t, 'site-a');
        const ids = [await walked(freshSite), await walked(freshSite)];
        const walkedEntries = [await head(ids[0]), await head(ids[1])];
        const sealedEntries = walkedEntries[0] + walkedEntries[1];
        await checkpoint();
        await freshSite.record(ids[0], 'LYMPHODEPLETION_STARTED');
        const kept = await exports();
        const whole = verifyRecord(kept);
        expect(whole).toMatchObject({
          ok: true,
          patients: 2,
          entries: sealedEntries + 1,
          unsealedEntries: 1,
          broken: [],
          checkpointProblem: null,
          checkpoint: { number: 1, patients: 2, entries: sealedEntries },
        });
        expect(
          kept.log
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l))[0],
        ).toEqual(expect.objectContaining({ patientId: expect.any(String), seq: 1, sealVersion: 2, idempotencyKey: null, prevHash: '0'.repeat(64), hash: expect.any(String) }));

        await forgeries.renameSigner(ids[1]);
        const later = await exports();
        expect(verifyRecord({ ...later, checkpoints: kept.checkpoints })).toMatchObject({
          ok: false,
          broken: [
            {
              patientId: ids[1],
              seq: walkedEntries[1],
              problem: expect.stringMatching(new RegExp(`^checkpoint 1 sealed seq ${walkedEntries[1]} as [0-9a-f]{64}, but the log's entry is [0-9a-f]{64}$`)),
            },
          ],
        });
        // Another key (a forger's own) is not the one the sponsor keeps.
        const { generateKeyPairSync } = await import('node:crypto');
        const forger = noteSigner('cart-trial-engine', generateKeyPairSync('ed25519').privateKey);
        expect(verifyRecord({ ...kept, verifierKey: forger.verifierKey })).toMatchObject({
          ok: false,
          checkpoint: null,
          checkpointProblem: expect.stringContaining('is not signed by cart-trial-engine+'),
        });
      } finally {
        t = original;
        await fresh.close();
      }
    });
  });
});

describe('checkpoints made by the worker on its own, sent to a webhook', () => {
  let t: TestApp;
  const received: Array<{ headers: IncomingMessage['headers']; body: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    t = await startTestApp('postgres', { CHECKPOINT_EVERY_MS: '1000', CHECKPOINT_WEBHOOK_URL: `http://127.0.0.1:${port}/checkpoints`, CHECKPOINT_ORIGIN: 'site-a.example/cart' });
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('seals a new patient within CHECKPOINT_EVERY_MS, appends it to the file and POSTs each checkpoint once, in order', async () => {
    const site = await TrialSite.open(t, 'site-a');
    const id = await site.register();
    const file = t.config.checkpoint.file;
    const sealed = () => (existsSync(file) ? readFileSync(file, 'utf8') : '');
    await eventually(async () => sealed().includes(`${id} site-a 1 `), 10_000, 'a checkpoint sealing the new patient');
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await eventually(async () => sealed().includes(`${id} site-a 2 `), 10_000, 'a checkpoint sealing its consent');
    await eventually(async () => received.length >= 2, 10_000, 'the webhook');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const verifier = noteVerifier((await site.get('/audit/checkpoints/key')).body.verifierKey);
    expect(received.map((r) => r.headers['x-checkpoint'])).toEqual(lines.slice(0, received.length).map((_, i) => String(i + 1)));
    expect(received.map((r) => r.body)).toEqual(lines.slice(0, received.length));
    for (const r of received) expect(openNote(JSON.parse(r.body).note, verifier)).toMatch(/^site-a\.example\/cart\n/);
  });
});

/** Reads an answer as text (supertest parses only JSON and text/*). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- superagent's types call the parser's argument a Response; it is Node's IncomingMessage stream
function text(res: any, done: (error: Error | null, body: string) => void) {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => (body += chunk));
  res.on('end', () => done(null, body));
}
