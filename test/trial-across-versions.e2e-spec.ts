import { strFromU8, unzipSync } from 'fflate';
import type { DatabaseKind } from '#testing';
import { startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';

const TRIAL = 'cd19-rr-all';

/**
 * One trial across a protocol's versions (ADR 0011): patients registered on cd19-rr-all v1 and on
 * its amendment v2 are counted by one trial, its outcomes and its SDTM export; outcomes and the
 * export can be cut to one version; a version the protocol does not have is refused, naming it.
 */
describe.each<DatabaseKind>(['postgres', 'sqlite'])('one trial across versions on %s', (kind) => {
  let t: TestApp;
  let site: TrialSite;
  let monitor: string;
  let onV1: string;
  let onV2: string;
  let subjects: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp(kind);
    site = await TrialSite.open(t, 'site-a');
    monitor = await createUser(t, 'monitor', ['site-a']);
    onV1 = await site.infused({ protocolVersion: 1 });
    onV2 = await site.infused({ protocolVersion: 2 });
    subjects = Object.fromEntries(await Promise.all([onV1, onV2].map(async (id) => [id, (await site.get(`/patients/${id}`)).body.subjectId as string])));
  });
  afterAll(() => t?.close());

  const download = (path: string) =>
    t.http
      .get(path)
      .set('Authorization', `Bearer ${monitor}`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
  const fileName = (res: { headers: Record<string, string> }) => /filename="([^"]+)"/.exec(res.headers['content-disposition'])?.[1];
  const exports = async () => (await t.http.get('/audit/access?action=export.sdtm&limit=500').set('Authorization', `Bearer ${t.adminToken}`)).body.items.length as number;

  it('counts the patients of both versions in one trial: enrollment, the level, the slots awaiting DLT evaluation', async () => {
    expect((await site.get(`/patients/${onV1}`)).body.protocol).toBe(`${TRIAL}@1`);
    expect((await site.get(`/patients/${onV2}`)).body.protocol).toBe(`${TRIAL}@2`);
    const trial = (await site.get(`/trials/${TRIAL}`)).body;
    // The trial's rules are its newest version's, whichever version its patients are on.
    const newest = (await site.get(`/protocols/${TRIAL}`)).body.version;
    expect(newest).toBeGreaterThanOrEqual(2);
    expect(trial).toMatchObject({
      protocol: TRIAL,
      rulesVersion: newest,
      versions: [
        { version: 1, patients: 1 },
        { version: 2, patients: 1 },
      ],
      enrolled: 2,
      target: 50,
    });
    expect(trial.levels[0]).toMatchObject({ level: 1, enrolled: 2 });
    expect(trial.pending.map((p: { patientId: string }) => p.patientId).sort()).toEqual([onV1, onV2].sort());
    expect(trial.pending.every((p: { closesAt: string | null }) => p.closesAt !== null)).toBe(true);
  });

  it('reads the outcomes of every version, and of one version when cut', async () => {
    const all = await site.get(`/trials/${TRIAL}/outcomes`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({
      protocol: TRIAL,
      version: null,
      versions: [
        { version: 1, patients: 1 },
        { version: 2, patients: 1 },
      ],
      participants: 2,
      infused: 2,
    });
    const v1 = await site.get(`/trials/${TRIAL}/outcomes?version=1`);
    expect(v1.status).toBe(200);
    expect(v1.body).toMatchObject({ protocol: TRIAL, version: 1, versions: [{ version: 1, patients: 1 }], participants: 1, infused: 1 });
  });

  it('exports every version in one SDTM study, or one version when cut', async () => {
    const zip = await download(`/trials/${TRIAL}/export?format=sdtm`);
    expect(zip.status).toBe(200);
    expect(fileName(zip)).toBe(`${TRIAL}-sdtm.zip`);
    const dm = strFromU8(unzipSync(new Uint8Array(zip.body as Buffer))['dm.csv']);
    for (const subject of Object.values(subjects)) expect(dm).toContain(`${TRIAL}-${subject}`);
    // Both infusions, each patient replayed on its own version.
    const ex = strFromU8(unzipSync(new Uint8Array(zip.body as Buffer))['ex.csv']);
    for (const subject of Object.values(subjects)) expect(ex).toContain(`${TRIAL}-${subject}`);

    const dmAll = await download(`/trials/${TRIAL}/export?format=sdtm&domain=DM`);
    expect(fileName(dmAll)).toBe(`${TRIAL}-dm.csv`);

    const dmV1 = await download(`/trials/${TRIAL}/export?format=sdtm&domain=DM&version=1`);
    expect(dmV1.status).toBe(200);
    expect(fileName(dmV1)).toBe(`${TRIAL}-v1-dm.csv`);
    const text = (dmV1.body as Buffer).toString('utf8');
    expect(text).toContain(`${TRIAL}-${subjects[onV1]}`);
    expect(text).not.toContain(`${TRIAL}-${subjects[onV2]}`);
    const zipV2 = await download(`/trials/${TRIAL}/export?format=sdtm&version=2`);
    expect(fileName(zipV2)).toBe(`${TRIAL}-v2-sdtm.zip`);
  });

  it('refuses a version the protocol does not have, or one that is not a version, naming it, and writes nothing', async () => {
    const trialBefore = (await site.get(`/trials/${TRIAL}`)).body;
    const exportsBefore = await exports();

    const unknown = await site.get(`/trials/${TRIAL}/outcomes?version=9`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe(`Protocol ${TRIAL} version 9 does not exist.`);
    const unknownExport = await download(`/trials/${TRIAL}/export?format=sdtm&version=9`);
    expect(unknownExport.status).toBe(404);
    expect(JSON.parse((unknownExport.body as Buffer).toString('utf8')).message).toMatch(/version 9/);

    for (const bad of ['abc', '0', '1.5']) {
      const res = await site.get(`/trials/${TRIAL}/outcomes?version=${bad}`);
      expect(res.status).toBe(400);
      expect(res.body.issues).toEqual([expect.stringMatching(/^version: version must be a whole number from 1/)]);
      expect((await download(`/trials/${TRIAL}/export?format=sdtm&version=${bad}`)).status).toBe(400);
    }
    // The trial itself takes no version: it is every version's.
    const cutTrial = await site.get(`/trials/${TRIAL}?version=1`);
    expect(cutTrial.status).toBe(400);
    expect(cutTrial.body.issues.join(' ')).toMatch(/every version of its protocol: version is not taken here/);
    expect((await site.get('/trials/no-such-trial')).status).toBe(404);
    expect((await site.get('/trials/no-such-trial/outcomes?version=1')).body.message).toBe('Protocol no-such-trial does not exist.');

    expect(await exports()).toBe(exportsBefore);
    expect((await site.get(`/trials/${TRIAL}`)).body).toEqual(trialBefore);
  });

  it("moves the one trial row with either version's patient, under one version check", async () => {
    const before = (await site.get(`/trials/${TRIAL}`)).body;
    const onV1Again = await site.register({ protocolVersion: 1 });
    await site.released(onV1Again);
    const after = (await site.get(`/trials/${TRIAL}`)).body;
    expect(after.enrolled).toBe(before.enrolled + 1);
    expect(after.version).toBe(before.version + 1);
    expect(after.versions).toEqual([
      { version: 1, patients: 2 },
      { version: 2, patients: 1 },
    ]);
  });
});
