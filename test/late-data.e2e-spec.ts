import { DataSource } from 'typeorm';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';
import { SIGNING_PASSWORD } from '#testing';
import { dose3plus3, TRIAL, type Treated } from './support/three-plus-three';

const signature = (meaning: string, password = SIGNING_PASSWORD) => ({ signature: { password, meaning } });

describe.each(['postgres', 'sqlite'] as const)('late data and revised escalation decisions on %s', (kind) => {
  let t: TestApp;
  let siteA: TrialSite;
  let siteB: TrialSite;
  const { trial, treat, cohort, hepaticFailure, eligible } = dose3plus3(
    () => t,
    () => [siteA, siteB],
  );
  let first: Treated[];
  let waiting: string;

  beforeAll(async () => {
    t = await startTestApp(kind);
    siteA = await TrialSite.open(t, 'site-a');
    siteB = await TrialSite.open(t, 'site-b');
  });
  afterAll(() => t?.close());

  const patient = async (id: string, site: TrialSite) => (await site.get(`/patients/${id}`)).body;
  const log = async (id: string, site: TrialSite) => (await site.get(`/patients/${id}/events?limit=1000`)).body as Array<{ type: string }>;
  const inbox = async (token: string) => (await t.http.get('/notifications?limit=100').set('Authorization', `Bearer ${token}`)).body.items as Array<Record<string, unknown>>;
  const revisedNotices = async (token: string) => (await inbox(token)).filter((n) => n.kind === 'dose-escalation-revised');

  it('counts a DLT reported after the window closed, revises the escalation that should have been an expansion, holds enrollment and tells every site', async () => {
    first = await cohort();
    const escalated = await trial();
    expect(escalated).toMatchObject({ currentDoseLevel: 2, decisions: [{ action: 'escalate', fromLevel: 1, toLevel: 2 }] });
    const version = escalated.version;

    // Day 5 onset, entered today (the window closed two weeks ago): dose-limiting, and now counted.
    const [p1] = first;
    expect((await patient(p1!.id, siteA)).state).not.toBe('dltWindow');
    const report = await p1!.site.post(p1!.id, { type: 'ADVERSE_EVENT_REPORTED', data: hepaticFailure(p1!, 5) });
    expect(report.status).toBe(200);
    expect(report.body.result).toMatchObject({ grade: 4, dlt: true, provisional: false });
    expect(report.body.result.escalation).toMatchObject({ level: 1, counted: true, evaluable: 3, dlts: 1, revisedDecision: 1, hold: 1 });

    const revised = await trial();
    expect(revised.version).toBe(version + 1);
    expect(revised.levels[0]).toMatchObject({ level: 1, enrolled: 3, evaluable: 3, dlts: 1 });
    expect(revised).toMatchObject({ status: 'open', currentDoseLevel: 1, nextPatientDoseLevel: 1, mtd: null, enrollmentOpen: false });
    // The history keeps the original and shows the revision beside it.
    expect(revised.decisions).toEqual([
      expect.objectContaining({ index: 0, action: 'escalate', toLevel: 2, revisedBy: 1, revises: null, reason: '0 of 3 patients at level 1 had a DLT: escalate to level 2' }),
      expect.objectContaining({
        index: 1,
        action: 'stay',
        fromLevel: 1,
        toLevel: 1,
        revises: 0,
        revisedBy: null,
        reason: '1 of 3 patients at level 1 had a DLT: treat 3 more patients at level 1',
        cause: 'a dose-limiting toxicity reported after the DLT window had closed at dose level 1 (grade 4 Hepatic failure, onset on study day 5)',
      }),
    ]);
    expect(revised.holds).toEqual([expect.objectContaining({ id: 1, levels: [1, 2, 3], decision: 1, active: true, released: null })]);

    // Enrollment is refused with the revision as the reason, and the refusal writes nothing.
    const candidate = await eligible(siteB);
    const before = await patient(candidate, siteB);
    const refused = await siteB.post(candidate, { type: 'ENROLLED' });
    expect(refused.status).toBe(422);
    expect(refused.body.reasons).toEqual([
      expect.stringMatching(
        /^enrollment at dose level 1 is held since \d{4}-\d\d-\d\d: the escalation decision of \d{4}-\d\d-\d\d \(0 of 3 patients at level 1 had a DLT: escalate to level 2\) was revised after a dose-limiting toxicity reported after the DLT window had closed .*: treat 3 more patients at level 1; an investigator or admin must review the revised decision and release hold 1$/,
      ),
    ]);
    expect(revised.enrollmentClosedReasons).toEqual(refused.body.reasons);
    expect(await patient(candidate, siteB)).toMatchObject({ state: 'eligible', version: before.version });
    expect((await trial()).version).toBe(revised.version);
    waiting = candidate;

    // Every site's investigators are told, site B's included (p1 is site A's); the notice names no patient.
    for (const site of [siteA, siteB]) {
      const notices = await eventually(
        async () => {
          const n = await revisedNotices(site.investigator);
          return n.length === 1 && n;
        },
        10_000,
        `the revision notice in ${site.siteId}'s investigator's inbox`,
      );
      expect(notices[0]).toMatchObject({
        patientId: null,
        message: expect.stringMatching(/^Dose escalation decision revised: .* Enrollment at dose level 1, 2, 3 is held until an investigator or admin releases hold 1\.$/),
      });
      expect(JSON.stringify(notices)).not.toContain(p1!.id);
      expect(JSON.stringify(notices)).not.toContain((await patient(p1!.id, siteA)).subjectId);
    }
    // It is the investigators' to review: a coordinator's inbox does not get it.
    expect(await revisedNotices(siteB.coordinator)).toEqual([]);
  });

  it("releases the hold only on an investigator's or admin's electronic signature, then enrolls at the revised level", async () => {
    const release = (token: string, body: unknown) =>
      t.http
        .post(`/trials/${TRIAL}/holds/1/release`)
        .set('Authorization', `Bearer ${token}`)
        .send(body as object);
    const lab = await createUser(t, 'lab', ['site-b']);
    const elsewhere = await TrialSite.open(t, 'site-c');
    const version = (await trial()).version;

    expect((await release(siteB.coordinator, signature('I release the hold'))).status).toBe(403);
    expect((await release(lab, signature('I release the hold'))).status).toBe(403);
    const unsigned = await release(siteB.investigator, {});
    expect(unsigned.status).toBe(400);
    expect(unsigned.body.issues.join(' ')).toMatch(/signature/);
    const wrong = await release(siteB.investigator, signature('I release the hold', 'not my signing password'));
    expect(wrong.status).toBe(403);
    // An investigator of a site without a patient on the trial is not one of its investigators.
    const outsider = await release(elsewhere.investigator, signature('I release the hold'));
    expect(outsider.status).toBe(403);
    expect(outsider.body.message).toMatch(/not an investigator of a site of NCT03754764/);
    expect((await t.http.post(`/trials/${TRIAL}/holds/9/release`).set('Authorization', `Bearer ${siteB.investigator}`).send(signature('I release the hold'))).status).toBe(404);
    expect((await trial()).version).toBe(version);

    const released = await release(siteB.investigator, signature('I reviewed the revised decision: enrollment may resume at level 1'));
    expect(released.status).toBe(200);
    expect(released.body.holds[0]).toMatchObject({
      active: false,
      released: { signerName: 'investigator of site-b', meaning: 'I reviewed the revised decision: enrollment may resume at level 1', signedAt: expect.any(String) },
    });
    expect(released.body.enrollmentOpen).toBe(true);
    // The signed release is in the append-only access audit too; the refused tries are not.
    const releases = await t.http.get('/audit/access?action=trial.hold-release').set('Authorization', `Bearer ${t.adminToken}`);
    expect(releases.body.items).toEqual([
      expect.objectContaining({
        action: 'trial.hold-release',
        subject: TRIAL,
        details: { holdId: 1, meaning: 'I reviewed the revised decision: enrollment may resume at level 1' },
      }),
    ]);
    const again = await release(siteB.investigator, signature('I release the hold'));
    expect(again.status).toBe(422);
    expect(again.body.reasons[0]).toMatch(/^hold 1 was already released on \d{4}-\d\d-\d\d by investigator of site-b$/);

    const enrolled = await siteB.post(waiting, { type: 'ENROLLED' });
    expect(enrolled.status).toBe(200);
    expect(enrolled.body.result.doseLevel.level).toBe(1);
  });

  it("accepts an adjudication after the window until the level's data are locked, and a reversed call revises the decision again", async () => {
    const [p1, , p3] = first;
    const onset = hepaticFailure(p1!, 5).onset;
    const adjudication = (dlt: boolean) => ({
      type: 'DLT_ADJUDICATED',
      data: { term: 'Hepatic failure', onset, dlt, rationale: 'drug-induced liver injury from a concomitant azole on review' },
    });
    const overturned = await siteA.post(p1!.id, adjudication(false), siteA.investigator);
    expect(overturned.status).toBe(200);
    expect(overturned.body.result).toMatchObject({ dlt: false, escalation: { level: 1, counted: true, dlts: 0, revisedDecision: 2, hold: 2 } });
    const state = await trial();
    expect(state.levels[0]).toMatchObject({ evaluable: 3, dlts: 0 });
    expect(state.decisions.map((d: { action: string; toLevel: number | null; revises: number | null }) => [d.action, d.toLevel, d.revises])).toEqual([
      ['escalate', 2, null],
      ['stay', 1, 0],
      ['escalate', 2, 1],
    ]);
    expect(state.decisions[2].cause).toMatch(/^an investigator adjudicated a call not dose-limiting after the DLT window had closed at dose level 1/);
    expect(state).toMatchObject({
      currentDoseLevel: 2,
      holds: [
        { id: 1, active: false },
        { id: 2, active: true, levels: [1, 2, 3] },
      ],
    });

    // A level whose patients are not all evaluated cannot be locked (the patient enrolled after the release is at level 1).
    const lock = (token: string, level: number, body: unknown = signature(`I lock the DLT data of dose level ${level}`)) =>
      t.http
        .post(`/trials/${TRIAL}/levels/${level}/data-lock`)
        .set('Authorization', `Bearer ${token}`)
        .send(body as object);
    const early = await lock(siteA.investigator, 1);
    expect(early.status).toBe(422);
    expect(early.body.reasons).toEqual([expect.stringMatching(/^1 patient at dose level 1 still awaits DLT evaluation/)]);
    expect((await lock(siteA.investigator, 2)).body.reasons).toEqual(['no patient at dose level 2 has been evaluated yet: there are no DLT data to lock']);
    expect((await lock(siteA.investigator, 4)).status).toBe(404);
    expect((await lock(siteA.investigator, 0)).status).toBe(400);
    expect((await lock(siteA.coordinator, 1)).status).toBe(403);
    expect((await lock(siteA.investigator, 1, {})).status).toBe(400);
    await siteB.record(waiting, 'WITHDRAWN', { reason: 'patient decision' });

    const locked = await lock(siteA.investigator, 1);
    expect(locked.status).toBe(200);
    expect(locked.body.dataLocks).toEqual([
      { level: 1, evaluations: 3, dlts: 0, signature: expect.objectContaining({ signerName: 'investigator of site-a', meaning: 'I lock the DLT data of dose level 1' }) },
    ]);
    expect(locked.body.levels[0].dataLockedAt).toBe(locked.body.dataLocks[0].signature.signedAt);
    const locks = await t.http.get('/audit/access?action=trial.data-lock').set('Authorization', `Bearer ${t.adminToken}`);
    expect(locks.body.items).toEqual([expect.objectContaining({ subject: TRIAL, details: { level: 1, meaning: 'I lock the DLT data of dose level 1' } })]);
    expect((await lock(siteA.investigator, 1)).body.reasons[0]).toMatch(/^the DLT data of dose level 1 are already locked \(on \d{4}-\d\d-\d\d by investigator of site-a\)$/);

    // Locked: no further adjudication at level 1, nothing written.
    const entries = (await log(p1!.id, siteA)).length;
    const late = await siteA.post(p1!.id, adjudication(true), siteA.investigator);
    expect(late.status).toBe(422);
    expect(late.body.reasons).toEqual([
      expect.stringMatching(/^the DLT data of dose level 1 were locked on \d{4}-\d\d-\d\d: a DLT call at that level can no longer be adjudicated$/),
    ]);
    expect((await log(p1!.id, siteA)).length).toBe(entries);

    // A DLT reported late for a locked patient is recorded (it is clinical data, and notified) but no longer moves the escalation.
    const trialVersion = (await trial()).version;
    const reported = await p3!.site.post(p3!.id, { type: 'ADVERSE_EVENT_REPORTED', data: hepaticFailure(p3!, 3, 3) });
    expect(reported.status).toBe(200);
    expect(reported.body.result).toMatchObject({ dlt: true, escalation: { level: 1, counted: false } });
    expect(reported.body.result.escalation.reason).toMatch(/^the DLT data of dose level 1 were locked on/);
    expect(reported.body.patient.record.dlts).toHaveLength(1);
    const after = await trial();
    expect(after.levels[0]).toMatchObject({ evaluable: 3, dlts: 0 });
    expect(after.decisions).toHaveLength(3);
    expect(after.version).toBe(trialVersion);
  });

  it('leaves an AE that cannot change the trial off the trial row, and takes the row for late data that can', async () => {
    const [, p2] = first;
    const released = await t.http.post(`/trials/${TRIAL}/holds/2/release`).set('Authorization', `Bearer ${siteA.investigator}`).send(signature('I reviewed the revision'));
    expect(released.status).toBe(200);
    // An infused patient at level 2 whose window is open, and an evaluated one: neither AE below is late data that matters.
    const open = await treat(siteA);
    expect(open.level).toBe(2);
    const mild = () => ({ type: 'ADVERSE_EVENT_REPORTED', data: { term: 'Nausea', grade: 1, onset: t.clock.now().toISOString(), related: false, serious: false } });
    const version = (await trial()).version;
    expect((await open.site.post(open.id, mild())).body.result).not.toHaveProperty('escalation');
    expect((await p2!.site.post(p2!.id, mild())).body.result).not.toHaveProperty('escalation');
    expect((await trial()).version).toBe(version);
    if (kind !== 'postgres') return;

    // With the trial row held by another transaction, those AEs still apply at once (no trial lock, ADR 0001)…
    const runner = t.app.get(DataSource).createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    let answered = false;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer of the API, whose shape each test asserts field by field
    let lateDlt: Promise<{ status: number; body: any }> | undefined;
    try {
      await runner.query('SELECT version FROM trials WHERE protocol_id = $1 FOR UPDATE', [TRIAL]);
      const quick = await withinSeconds(5, open.site.post(open.id, mild()));
      expect(quick.status).toBe(200);
      // …while a DLT reported late (level 1 is locked, but only the trial row can tell) waits for the row.
      lateDlt = p2!.site.post(p2!.id, { type: 'ADVERSE_EVENT_REPORTED', data: hepaticFailure(p2!, 9) }).then((r) => {
        answered = true;
        return r;
      });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(answered).toBe(false);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    const res = await lateDlt!;
    expect(res.status).toBe(200);
    expect(res.body.result.escalation).toMatchObject({ counted: false });
  });
});

describe.each(['postgres', 'sqlite'] as const)('an MTD that late data shows to be too high, on %s', (kind) => {
  let t: TestApp;
  let siteA: TrialSite;
  let siteB: TrialSite;
  const { trial, cohort, hepaticFailure, eligible } = dose3plus3(
    () => t,
    () => [siteA, siteB],
  );

  beforeAll(async () => {
    t = await startTestApp(kind);
    siteA = await TrialSite.open(t, 'site-a');
    siteB = await TrialSite.open(t, 'site-b');
  });
  afterAll(() => t?.close());

  it('withdraws the MTD, de-escalates, and keeps enrollment open below the level whose data changed', async () => {
    await cohort();
    await cohort([true, false, false]);
    const expansion = await cohort();
    await cohort([true, true, false]);
    const found = await trial();
    expect(found).toMatchObject({ status: 'mtd-found', mtd: 2, nextPatientDoseLevel: 2 });
    expect(found.decisions.map((d: { action: string }) => d.action)).toEqual(['escalate', 'stay', 'escalate', 'mtd-found']);

    // A DLT of the level-2 expansion cohort, reported after its window: 2 of 6 at level 2, which then exceeds the MTD.
    const p = expansion[1]!;
    const report = await p.site.post(p.id, { type: 'ADVERSE_EVENT_REPORTED', data: hepaticFailure(p, 12) });
    expect(report.status).toBe(200);
    expect(report.body.result.escalation).toMatchObject({ level: 2, counted: true, evaluable: 6, dlts: 2, revisedDecision: 4, hold: 1 });
    const revised = await trial();
    expect(revised).toMatchObject({ status: 'open', mtd: null, currentDoseLevel: 1, nextPatientDoseLevel: 1 });
    expect(revised.decisions[4]).toMatchObject({
      action: 'de-escalate',
      fromLevel: 2,
      toLevel: 1,
      revises: 2,
      reason: '2 of 6 patients at level 2 had a DLT, so it exceeds the MTD: de-escalate to level 1 and treat 3 more patients there (it has 3 evaluable of the 6 an MTD needs)',
    });
    expect(revised.decisions.map((d: { revisedBy: number | null }) => d.revisedBy)).toEqual([null, null, 4, null, null]);
    expect(revised.holds).toEqual([expect.objectContaining({ id: 1, levels: [2, 3], active: true })]);

    // Level 1 is not held: the next patient is enrolled there at once.
    const next = await eligible(siteB);
    const enrolled = await siteB.post(next, { type: 'ENROLLED' });
    expect(enrolled.status).toBe(200);
    expect(enrolled.body.result.doseLevel.level).toBe(1);
  });
});

/** The answer, or a failure after `seconds` (the call must not wait for a lock it does not need). */
async function withinSeconds<T>(seconds: number, answer: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${seconds} s`)), seconds * 1000);
  });
  try {
    return await Promise.race([answer, late]);
  } finally {
    clearTimeout(timer);
  }
}
