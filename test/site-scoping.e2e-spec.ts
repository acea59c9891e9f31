import { unzipSync, strFromU8 } from 'fflate';
import { DataSource } from 'typeorm';
import { OutboxEntity } from '#domain';
import { collection, eligibleCd19Screening, eligibleCd38Screening, SIGNING_PASSWORD } from '#testing';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';
import { settleDueTimers } from './support/timers';

const DAY = 86_400_000;
const TRIAL = 'NCT03754764';
const iso = (ms: number) => new Date(ms).toISOString();

interface Patient {
  id: string;
  subjectId: string;
  site: TrialSite;
}

/**
 * Another site's patients are counted, never identified: every read route, for every role of site B,
 * on a 3+3 trial whose patients are spread over sites A and B (decisions taken on either site's
 * patients, patients of both awaiting evaluation, CAR copies, a DLT reported late and its revision).
 */
describe.each(['postgres', 'sqlite'] as const)("other sites' patients on %s", (kind) => {
  let t: TestApp;
  let siteA: TrialSite;
  let siteB: TrialSite;
  const patients: Patient[] = [];
  const ofSite = (site: TrialSite) => patients.filter((p) => p.site === site);
  let roles: Record<'coordinator' | 'investigator' | 'lab' | 'monitor', string>;

  beforeAll(async () => {
    t = await startTestApp(kind);
    siteA = await TrialSite.open(t, 'site-a');
    siteB = await TrialSite.open(t, 'site-b');
    roles = {
      coordinator: siteB.coordinator,
      investigator: siteB.investigator,
      lab: await createUser(t, 'lab', ['site-b']),
      monitor: await createUser(t, 'monitor', ['site-b']),
    };
    const levels = (await siteA.get(`/trials/${TRIAL}`)).body.levels as Array<{ level: number; minCellsPerKg: number }>;
    const treat = async (site: TrialSite) => {
      const id = await site.register({ protocolId: TRIAL });
      await site.readyForInfusion(id, eligibleCd38Screening);
      const level = (await site.get(`/patients/${id}`)).body.doseLevel as number;
      const infusion = await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: levels.find((l) => l.level === level)!.minCellsPerKg });
      const p = { id, subjectId: (await site.get(`/patients/${id}`)).body.subjectId as string, site, day0: Date.parse(infusion.patient.day0) };
      patients.push(p);
      return p;
    };
    // Two cohorts, A B A then B A B: the first decision is taken on a site-A patient, the second on a site-B one.
    const treated = [];
    for (const order of [
      [siteA, siteB, siteA],
      [siteB, siteA, siteB],
    ]) {
      for (const [i, site] of order.entries()) {
        if (i > 0) t.clock.advanceDays(8);
        treated.push(await treat(site));
      }
      // The cohort's DLT windows (day 28 after each infusion, 8 days apart) close one at a time, in
      // order: timers of several patients due at once fire in no set order across patients.
      for (const days of [13, 8, 8]) {
        t.clock.advanceDays(days);
        await settleDueTimers(t);
      }
    }
    // CAR copies for one patient of each site (the outcomes' kinetics name patients).
    for (const p of [treated[0]!, treated[1]!]) {
      await p.site.record(p.id, 'LAB_RESULT_RECORDED', { code: 'CAR_COPIES', compartment: 'PB', value: 50_000, unit: 'copies/µg gDNA', collectedAt: iso(p.day0 + 7 * DAY) });
    }
    // A DLT reported late for a site-A patient of level 1: the escalation is revised (a trial-wide notice).
    const late = treated[0]!;
    await late.site.record(late.id, 'ADVERSE_EVENT_REPORTED', { term: 'Hepatic failure', grade: 4, onset: iso(late.day0 + 5 * DAY), related: true, serious: true });
    await t.http
      .post(`/trials/${TRIAL}/holds/1/release`)
      .set('Authorization', `Bearer ${siteA.investigator}`)
      .send({ signature: { password: SIGNING_PASSWORD, meaning: 'I release the hold' } });
    // One patient of each site awaiting evaluation at the revised level.
    t.clock.advanceDays(8);
    await treat(siteA);
    t.clock.advanceDays(8);
    await treat(siteB);
    // Every notice relayed to the inboxes, the trial-wide one about the revision among them.
    const outbox = t.app.get(DataSource).getRepository(OutboxEntity);
    await eventually(async () => (await outbox.countBy({ status: 'pending' })) === 0, 20_000, 'the outbox relayed');
  }, 120_000);
  afterAll(() => t?.close());

  /** Fails naming the first of site A's patients (id or subject id) that appears in the text. */
  const expectNoneOf = (text: string, of: Patient[], where: string) => {
    const leaked = of.flatMap((p) => [p.id, p.subjectId]).filter((identifier) => text.includes(identifier));
    expect({ where, leaked }).toEqual({ where, leaked: [] });
  };
  const get = async (path: string, token: string) => {
    const res = await t.http.get(path).set('Authorization', `Bearer ${token}`);
    expect({ path, status: res.status }).toEqual({ path, status: 200 });
    return res;
  };

  it.each(['coordinator', 'investigator', 'lab', 'monitor'] as const)("GET /trials/:id counts site A's patients for site B's %s but names none of them", async (role) => {
    const all = (await get(`/trials/${TRIAL}`, t.adminToken)).body;
    const mine = (await get(`/trials/${TRIAL}`, roles[role])).body;
    expectNoneOf(JSON.stringify(mine), ofSite(siteA), `GET /trials/${TRIAL} as ${role}`);
    // The counts are the trial's: every patient of every site.
    expect(mine.levels).toEqual(all.levels);
    expect(mine.enrolled).toBe(all.enrolled);
    expect(mine.pending).toHaveLength(2);
    expect(mine.pending.map((p: { patientId: string | null; closesAt: string }) => [p.patientId === null, typeof p.closesAt])).toEqual(
      all.pending.map((p: { patientId: string }) => [ofSite(siteA).some((a) => a.id === p.patientId), 'string']),
    );
    // A decision taken on another site's patient: when, what and why, not whose.
    expect(mine.decisions).toHaveLength(all.decisions.length);
    mine.decisions.forEach((d: Record<string, unknown>, i: number) => {
      const own = ofSite(siteB).some((p) => p.id === all.decisions[i].patientId);
      expect(d).toEqual({ ...all.decisions[i], ...(own ? {} : { patientId: null, subjectId: null, seq: null }) });
    });
    expect(mine.decisions.some((d: { patientId: string | null }) => d.patientId === null)).toBe(true);
    expect(mine.decisions.some((d: { patientId: string | null }) => d.patientId !== null)).toBe(true);
  });

  it("names every patient to an admin, and a site's own patients to its users", async () => {
    const all = JSON.stringify((await get(`/trials/${TRIAL}`, t.adminToken)).body);
    expect(patients.filter((p) => all.includes(p.id)).length).toBeGreaterThanOrEqual(4);
    const own = (await get(`/trials/${TRIAL}`, siteB.coordinator)).body;
    expect(own.pending.filter((p: { patientId: string | null }) => p.patientId !== null)).toEqual([
      expect.objectContaining({ patientId: ofSite(siteB).at(-1)!.id, subjectId: ofSite(siteB).at(-1)!.subjectId }),
    ]);
  });

  it.each(['coordinator', 'investigator', 'lab', 'monitor'] as const)("names none of site A's patients to site B's %s on any other read route", async (role) => {
    const token = roles[role];
    if (role === 'investigator') {
      // The trial-wide notice of the revision (taken on a site-A patient's late DLT) reached site B's investigator.
      const inbox = (await get('/notifications?limit=500', token)).body.items as Array<{ kind: string; patientId: string | null }>;
      expect(inbox.filter((n) => n.kind === 'dose-escalation-revised')).toEqual([expect.objectContaining({ patientId: null })]);
    }
    const routes = [`/trials/${TRIAL}/outcomes`, '/worklist', '/notifications?limit=500', `/patients?protocolId=${TRIAL}&limit=500`];
    for (const path of routes) expectNoneOf(JSON.stringify((await get(path, token)).body), ofSite(siteA), `GET ${path} as ${role}`);
    // Site A's patients are counted in the outcomes: every infused patient.
    expect((await get(`/trials/${TRIAL}/outcomes`, token)).body.infused).toBe(patients.length);
    for (const p of ofSite(siteA)) {
      for (const path of [`/patients/${p.id}`, `/patients/${p.id}/schedule`, `/patients/${p.id}/events`, `/patients/${p.id}/fhir`]) {
        const res = await t.http.get(path).set('Authorization', `Bearer ${token}`);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
        expect(JSON.stringify(res.body)).not.toContain(p.subjectId);
      }
    }
  });

  it("keeps site A's patients out of site B's monitor's exports and audit", async () => {
    const zip = await t.http
      .get(`/trials/${TRIAL}/export?format=sdtm`)
      .set('Authorization', `Bearer ${roles.monitor}`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(zip.status).toBe(200);
    const files = unzipSync(new Uint8Array(zip.body as Buffer));
    const text = Object.values(files)
      .map((f) => strFromU8(f))
      .join('\n');
    expectNoneOf(text, ofSite(siteA), 'the SDTM export');
    for (const p of ofSite(siteB)) expect(text).toContain(p.subjectId);
    const audit = (await get('/audit/verify', roles.monitor)).body;
    expect(audit).toMatchObject({ ok: true, patientsChecked: ofSite(siteB).length });
    expect((await t.http.get(`/audit/verify?patientId=${ofSite(siteA)[0]!.id}`).set('Authorization', `Bearer ${roles.monitor}`)).status).toBe(404);
  });
});

/**
 * A patient off study has nothing planned, due or overdue anywhere: withdrawn, dead, lost to
 * follow-up, at the end of follow-up, a screen failure, a manufacturing failure.
 */
describe.each(['postgres', 'sqlite'] as const)('patients off study on %s', (kind) => {
  let t: TestApp;
  let site: TrialSite;
  /** The exits after the infusion, by the state each leads to. */
  const exits: Record<string, [string, Record<string, unknown>]> = {
    withdrawn: ['WITHDRAWN', { reason: 'patient decision' }],
    died: ['DEATH', { cause: 'progressive leukaemia' }],
    lostToFollowUp: ['LOST_TO_FOLLOW_UP', {}],
  };
  const offStudy: Record<string, string> = {};
  let onStudy: string;

  beforeAll(async () => {
    t = await startTestApp(kind);
    site = await TrialSite.open(t, 'site-a');
    onStudy = await site.infused();
    for (const name of Object.keys(exits)) offStudy[name] = await site.infused();
    offStudy.screenFailed = await site.register();
    await site.record(offStudy.screenFailed, 'SCREEN_FAILED', { reason: 'CD19 negative by flow' });
    // Day 13: D7 is six days past its target, not yet settled as missed; D14's window is open.
    t.clock.advanceDays(13);
    for (const [name, [type, data]] of Object.entries(exits)) await site.record(offStudy[name]!, type, data);
  }, 60_000);
  afterAll(() => t?.close());

  const patient = async (id: string) => (await site.get(`/patients/${id}`)).body;
  const schedule = async (id: string) => (await site.get(`/patients/${id}/schedule`)).body.visits as Array<{ name: string; status: string; cancelledAt?: string }>;

  it.each(['withdrawn', 'died', 'lostToFollowUp'])('lists no visit to come for a patient %s after the infusion, and cancels the ones not done', async (name) => {
    const id = offStudy[name]!;
    const p = await patient(id);
    expect([p.state, p.status]).toEqual([name, 'offStudy']);
    expect(p.nextVisits).toEqual([]);
    const visits = await schedule(id);
    expect(visits.length).toBeGreaterThan(5);
    expect(visits.filter((v) => v.status === 'planned' || v.status === 'due')).toEqual([]);
    expect(visits.every((v) => v.status === 'cancelled' && v.cancelledAt === p.record.offStudy.at)).toBe(true);
    const listed = (await site.get('/patients?limit=500')).body.items.find((item: { id: string }) => item.id === id);
    expect(listed.nextVisits).toEqual([]);
  });

  it('lists nothing to come for a screen failure, and leaves a patient on study as it was', async () => {
    expect((await patient(offStudy.screenFailed!)).nextVisits).toEqual([]);
    expect(await schedule(offStudy.screenFailed!)).toEqual([]);
    const active = await patient(onStudy);
    expect(active.nextVisits.map((v: { name: string; status: string }) => [v.name, v.status])).toEqual([
      ['D7', 'planned'],
      ['D14', 'due'],
      ['D28', 'planned'],
    ]);
  });

  it('shows no visit or DLT window of a patient off study on the worklist', async () => {
    const list = (await get('/worklist')).body;
    const listed = JSON.stringify([list.visits, list.dltWindows]);
    for (const id of Object.values(offStudy)) expect(listed).not.toContain(id);
    expect(list.visits.overdue.map((v: { patientId: string; visit: string }) => [v.patientId, v.visit])).toEqual([[onStudy, 'D7']]);
    expect(list.visits.dueToday.map((v: { patientId: string }) => v.patientId)).toEqual([onStudy]);
  });

  it('lists nothing to come for a manufacturing failure, nor at the end of follow-up', async () => {
    const failed = await site.register();
    const { screening, attestations } = eligibleCd19Screening();
    await site.record(failed, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await site.record(failed, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
    await site.record(failed, 'ELIGIBILITY_CONFIRMED', { attestations }, site.investigator);
    await site.record(failed, 'ENROLLED');
    await site.record(failed, 'LEUKAPHERESIS_COMPLETED', collection());
    await site.record(failed, 'MANUFACTURING_FAILED', { reason: 'insufficient expansion' });
    expect(await patient(failed)).toMatchObject({ state: 'manufacturingFailed', status: 'offStudy', nextVisits: [] });

    // The patient on study reaches the end of follow-up (day 761): every visit settled, nothing to come.
    t.clock.advanceDays(770);
    await settleDueTimers(t, 60_000);
    const done = await patient(onStudy);
    expect([done.state, done.status, done.nextVisits]).toEqual(['completed', 'offStudy', []]);
    expect((await schedule(onStudy)).filter((v) => v.status === 'planned' || v.status === 'due')).toEqual([]);
    const list = (await get('/worklist')).body;
    expect([list.visits.overdue, list.visits.dueToday, list.dltWindows]).toEqual([[], [], []]);
  });

  async function get(path: string) {
    const res = await t.http.get(path).set('Authorization', `Bearer ${site.coordinator}`);
    expect(res.status).toBe(200);
    return res;
  }
});
