import { chainOfIdentityProblems, mod37_2CheckCharacter } from '#protocols';
import { SIGNING_PASSWORD, thaw } from '#testing';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { createUserWithId, TrialSite } from './support/trial-site';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The chain of identity through the HTTP API on PostgreSQL: allocated at enrollment, printed, checked at the bedside. */
describe('chain of identity and the bedside check', () => {
  let t: TestApp;
  let site: TrialSite;
  let other: TrialSite;

  beforeAll(async () => {
    t = await startTestApp('postgres', { ISBT_FIN: 'W1234' });
    site = await TrialSite.open(t, 'site-a');
    other = await TrialSite.open(t, 'site-b');
  });
  afterAll(() => t.close());

  const patient = async (id: string, token = site.coordinator) => (await site.get(`/patients/${id}`, token)).body;
  const log = async (id: string) => (await site.get(`/patients/${id}/events`)).body as Array<{ seq: number; type: string; data: Record<string, unknown> }>;
  /** A coordinator's infusion with the bag and witness given (no default filled in). */
  const infuse = (id: string, bagCoi: string | undefined, witness: Record<string, unknown> | undefined, token = site.coordinator) =>
    site.post(id, { type: 'INFUSION_COMPLETED', data: { cellsPerKg: 7e6, ...(bagCoi === undefined ? {} : { bedsideCheck: { bagCoi } }) }, ...(witness ? { witness } : {}) }, token);
  const investigatorWitness = () => ({ userId: site.investigatorId, password: SIGNING_PASSWORD });
  /** Another well-formed identifier of the same facility (a different serial, its own right check character). */
  const anotherCoi = (coi: string) => {
    const body = `${coi.slice(0, 7)}${coi[7] === '0' ? '1' : '0'}${coi.slice(8, 17)}`;
    return `${body}${mod37_2CheckCharacter(body)}`;
  };

  it('gives an enrolled patient a chain-of-identity identifier of the configured FIN, with a right check character, in its answer and record', async () => {
    const id = await site.register();
    expect((await patient(id)).chainOfIdentity).toBeNull();
    await site.released(id);
    const answer = await patient(id);
    const coi: string = answer.chainOfIdentity;
    expect(coi).toMatch(/^W1234\d{2}[0-9A-Z]{10}[0-9A-Z*]$/);
    expect(chainOfIdentityProblems(coi)).toEqual([]);
    expect(answer.record.enrollment).toMatchObject({ coi });
    const enrolled = (await log(id)).find((e) => e.type === 'ENROLLED')!;
    expect(enrolled.data).toMatchObject({ coi });
  });

  it('renders the apheresis and product bag labels (SVG with the identifier, PNG), audited, and nothing for another site', async () => {
    const id = await site.register();
    await site.released(id);
    const coi: string = (await patient(id)).chainOfIdentity;
    for (const bag of ['apheresis', 'product']) {
      const svg = await t.http
        .get(`/patients/${id}/labels/${bag}`)
        .set(bearer(site.coordinator))
        .buffer(true)
        .parse((res, done) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => done(null, text));
        });
      expect(svg.status).toBe(200);
      expect(svg.headers['content-type']).toMatch(/^image\/svg\+xml/);
      const text = svg.body as string;
      expect(text.length).toBeGreaterThan(1000);
      expect(text).toContain(`data-coi="${coi}"`);
      expect(text).toContain(`${coi.slice(0, 5)} ${coi.slice(5, 7)} ${coi.slice(7, 12)} ${coi.slice(12, 17)} ${coi.slice(17)}`);
      expect(text).toContain(bag === 'product' ? 'AUTOLOGOUS USE ONLY' : 'APHERESIS PRODUCT');
      // The DataMatrix and the Code 128 are drawn as paths.
      expect(text.match(/<path /g)?.length).toBeGreaterThanOrEqual(2);
    }
    const png = await t.http.get(`/patients/${id}/labels/product?format=png`).set(bearer(site.coordinator)).buffer(true);
    expect(png.status).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect((png.body as Buffer).subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');

    const theirs = await t.http.get(`/patients/${id}/labels/product`).set(bearer(other.coordinator));
    expect(theirs.status).toBe(404);
    expect(JSON.stringify(theirs.body)).not.toContain(coi);
    expect((await t.http.get(`/patients/${id}/labels/plasma`).set(bearer(site.coordinator))).status).toBe(400);

    const audit = await t.http.get(`/audit/access?patientId=${id}&action=patient.label.read`).set(bearer(t.adminToken));
    expect(audit.status).toBe(200);
    const rows = audit.body.items ?? audit.body;
    expect(rows).toHaveLength(3);
  });

  it('has no label before enrollment: 422 naming why', async () => {
    const id = await site.register();
    const res = await t.http.get(`/patients/${id}/labels/apheresis`).set(bearer(site.coordinator));
    expect(res.status).toBe(422);
    expect(res.body.reasons[0]).toContain('allocated at enrollment');
  });

  describe('at the bedside', () => {
    let id: string;
    let coi: string;
    beforeEach(async () => {
      id = await site.register();
      await site.readyForInfusion(id);
      coi = (await patient(id)).chainOfIdentity;
      // The bag thawed for the bedside (the custody chain's last step before the infusion).
      await site.custody(id, (c) => [thaw(c)]);
    });

    it('records the infusion with the right bag and two people, the witness signed, kept in the log', async () => {
      // Printed in groups and read back in lower case is the same identifier.
      const read = `${coi.slice(0, 5)} ${coi.slice(5).toLowerCase()}`;
      const res = await infuse(id, read, investigatorWitness());
      expect(res.status).toBe(200);
      expect(res.body.patient.state).toBe('dltWindow');
      const infusion = (await log(id)).find((e) => e.type === 'INFUSION_COMPLETED')!;
      expect(infusion.data.bedsideCheck).toEqual({
        bagCoi: coi,
        patientCoi: coi,
        verifiedBy: [
          { userId: expect.stringMatching(/^user:/), name: 'coordinator of site-a', role: 'coordinator' },
          {
            userId: `user:${site.investigatorId}`,
            name: 'investigator of site-a',
            role: 'investigator',
            meaning: expect.stringContaining('chain-of-identity identifier is this patient'),
            signedAt: expect.any(String),
          },
        ],
      });
    });

    it('refuses another patient’s bag as a hard stop: 422, nothing written, a critical notice to the investigators, an audit entry', async () => {
      const before = await log(id);
      const wrong = anotherCoi(coi);
      const res = await infuse(id, wrong, investigatorWitness());
      expect(res.status).toBe(422);
      expect(res.body.error).toBe('refused');
      expect(res.body.reasons[0]).toMatch(/^the product bag's chain-of-identity identifier .* is not this patient's .*do not infuse/);
      expect(await log(id)).toEqual(before);
      expect((await patient(id)).state).toBe('readyForInfusion');

      const notice = await eventually(
        async () =>
          (await site.get('/notifications', site.investigator)).body.items.find((n: { kind: string; patientId: string }) => n.kind === 'BEDSIDE_MISMATCH' && n.patientId === id),
        10_000,
        'the bedside alarm',
      );
      expect(notice.payload).toMatchObject({ severity: 'critical', bagCoi: wrong, patientCoi: coi });
      expect(notice.message).toContain('Wrong product bag at the bedside');
      // The investigators', not the coordinators' or another site's.
      expect((await site.get('/notifications', site.coordinator)).body.items.filter((n: { kind: string }) => n.kind === 'BEDSIDE_MISMATCH')).toEqual([]);
      expect((await other.get('/notifications', other.investigator)).body.items).toEqual([]);

      const audit = await t.http.get(`/audit/access?patientId=${id}&action=bedside.mismatch`).set(bearer(t.adminToken));
      const rows = audit.body.items ?? audit.body;
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ action: 'bedside.mismatch', subject: wrong, actorRole: 'coordinator' });
    });

    it('refuses a bag identifier with a wrong check character: 422 naming it, nothing written, no alarm', async () => {
      const before = await log(id);
      const last = coi.slice(-1);
      const wrongCheck = `${coi.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`;
      const res = await infuse(id, wrongCheck, investigatorWitness());
      expect(res.status).toBe(422);
      expect(res.body.reasons).toEqual([
        `data.bedsideCheck.bagCoi ${wrongCheck} has check character ${wrongCheck.slice(-1)}, but its characters give ${last}: a character was misread or mistyped`,
      ]);
      expect(await log(id)).toEqual(before);
    });

    it('refuses one person alone, the same person twice, or no bag read: 422, nothing written', async () => {
      const before = await log(id);
      const alone = await infuse(id, coi, undefined);
      expect(alone.status).toBe(422);
      expect(alone.body.reasons).toEqual(['the bedside check needs a second person: the witness signs with their own signing password (witness.userId, witness.password)']);
      const twice = await infuse(id, coi, { userId: site.coordinatorId, password: SIGNING_PASSWORD });
      expect(twice.status).toBe(422);
      expect(twice.body.reasons).toEqual(['the bedside check needs two different people: the witness cannot be the person recording the infusion']);
      const elsewhere = await site.post(id, { type: 'VISIT_COMPLETED', data: { visit: 'D7' }, witness: investigatorWitness() });
      expect(elsewhere.status).toBe(400);
      expect(elsewhere.body.issues).toEqual(['witness: only INFUSION_COMPLETED has a second person (the bedside check)']);
      const noBag = await infuse(id, undefined, investigatorWitness());
      expect(noBag.status).toBe(422);
      expect(noBag.body.reasons[0]).toContain('needs the bedside check');
      expect(await log(id)).toEqual(before);
    });

    it('refuses two coordinators, a witness of another site, and a wrong witness password', async () => {
      const second = await createUserWithId(t, 'coordinator', ['site-a']);
      await t.http.post('/users/me/signing-password').set(bearer(second.token)).send({ password: SIGNING_PASSWORD });
      const coordinators = await infuse(id, coi, { userId: second.id, password: SIGNING_PASSWORD });
      expect(coordinators.status).toBe(422);
      expect(coordinators.body.reasons).toEqual(['one of the two people of the bedside check must be an investigator']);
      const elsewhere = await infuse(id, coi, { userId: other.investigatorId, password: SIGNING_PASSWORD });
      expect(elsewhere.status).toBe(422);
      expect(elsewhere.body.reasons).toEqual(['the witness investigator of site-b is not assigned to site site-a']);
      const wrongPassword = await infuse(id, coi, { userId: site.investigatorId, password: 'not-the-password' });
      expect(wrongPassword.status).toBe(403);
      expect((await patient(id)).state).toBe('readyForInfusion');
    });
  });
});
