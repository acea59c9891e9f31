import { DataSource } from 'typeorm';
import { OutboxEntity, PatientEntity, PatientEventEntity, TimerEntity } from '#domain';
import { download } from './support/download';
import { startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';
import { settleDueTimers } from './support/timers';
import { SIGNING_PASSWORD } from '#testing';
import { DAY, dose3plus3, TRIAL, type Treated } from './support/three-plus-three';

const iso = (ms: number) => new Date(ms).toISOString();
/** What a patient who left the study after its infusion accepts: data about its time on study, entered late. */
const LATE_ENTRIES = [
  'ADVERSE_EVENT_REPORTED',
  'DLT_ADJUDICATED',
  'LAB_RESULT_RECORDED',
  'LAB_TOXICITY_DISMISSED',
  'PROTOCOL_DEVIATION_RECORDED',
  'RESPONSE_ASSESSED',
  'UNSCHEDULED_VISIT_COMPLETED',
  'VISIT_COMPLETED',
];

/**
 * Late data about a patient who has left the study (README, "Late data and revised escalation
 * decisions"; ADR 0005): a DLT reported after a withdrawal or a death reaches the escalation, the
 * rest of the on-study record can be completed, nothing dated after the patient left is taken, and
 * a late entry schedules, cancels and changes nothing else. NCT03754764 (3+3, cohorts of 3, DLT
 * window 28 days), run by two sites with the test clock moved by hand.
 */
describe.each(['postgres', 'sqlite'] as const)('late entry about a patient off study, on %s', (kind) => {
  let t: TestApp;
  let siteA: TrialSite;
  let siteB: TrialSite;
  const { trial, treat, hepaticFailure } = dose3plus3(
    () => t,
    () => [siteA, siteB],
  );
  /** Withdrawn on study day 20 with no DLT on record; its slot went to a replacement. */
  let withdrawn: Treated;

  beforeAll(async () => {
    t = await startTestApp(kind);
    siteA = await TrialSite.open(t, 'site-a');
    siteB = await TrialSite.open(t, 'site-b');
  });
  afterAll(() => t?.close());

  const db = () => t.app.get(DataSource);
  const patient = async (p: { id: string; site: TrialSite }) => (await p.site.get(`/patients/${p.id}`)).body;
  /** What the engine has written for a patient: its row, log, timers and outbox rows, and the trial row's version. */
  const written = async (id: string) => {
    const row = await db().getRepository(PatientEntity).findOneByOrFail({ id });
    return {
      version: row.version,
      state: row.state,
      status: row.status,
      entries: await db().getRepository(PatientEventEntity).countBy({ patientId: id }),
      timers: (
        await db()
          .getRepository(TimerEntity)
          .find({ where: { patientId: id }, order: { id: 'ASC' } })
      ).map((r) => `${r.id}:${r.status}`),
      outbox: (await db().getRepository(OutboxEntity).findBy({ patientId: id })).map((r) => r.kind).sort(),
      trialVersion: (await trial()).version,
    };
  };
  const verify = async (query = '') => (await t.http.get(`/audit/verify${query}`).set('Authorization', `Bearer ${t.adminToken}`)).body;

  it('counts a grade 4 hepatic failure with onset on day 5, reported after a withdrawal on day 20, and revises the escalation decided without it', async () => {
    await treat(siteA);
    t.clock.advanceDays(8);
    await treat(siteB);
    t.clock.advanceDays(8);
    withdrawn = await treat(siteA);
    // Day 20 of the third patient: withdrawn, nothing dose-limiting on record. Its slot is given back.
    t.clock.advanceDays(20);
    await withdrawn.site.record(withdrawn.id, 'WITHDRAWN', { reason: 'patient decision' });
    await settleDueTimers(t);
    expect((await trial()).levels[0]).toMatchObject({ level: 1, enrolled: 2, evaluable: 2, dlts: 0 });
    // Its replacement completes the cohort: 0 of 3, escalate.
    await treat(siteB);
    t.clock.advanceDays(29);
    await settleDueTimers(t);
    const escalated = await trial();
    expect(escalated).toMatchObject({ currentDoseLevel: 2, decisions: [{ action: 'escalate', fromLevel: 1, toLevel: 2 }] });

    const before = await written(withdrawn.id);
    expect(before.timers.length).toBeGreaterThan(0);
    expect(before.timers.every((timer) => !timer.endsWith(':pending'))).toBe(true);
    const report = await withdrawn.site.post(withdrawn.id, { type: 'ADVERSE_EVENT_REPORTED', data: hepaticFailure(withdrawn, 5) });
    expect(report.status).toBe(200);
    expect(report.body.result).toMatchObject({ grade: 4, dlt: true, provisional: false });
    expect(report.body.result.escalation).toMatchObject({ level: 1, counted: true, evaluable: 4, dlts: 1, revisedDecision: 1, hold: 1 });
    expect(report.body.result.escalation.reason).toMatch(
      /^counted toward the escalation: the patient left the study during its DLT window and is evaluable with this DLT: now 1 of 4 evaluable patients at dose level 1 had a DLT/,
    );

    // The trial: the patient is evaluable with its DLT and takes its slot again; the escalation is revised and enrollment held.
    const revised = await trial();
    expect(revised.version).toBe(escalated.version + 1);
    expect(revised.levels[0]).toMatchObject({ level: 1, enrolled: 4, evaluable: 4, dlts: 1 });
    expect(revised).toMatchObject({ status: 'open', currentDoseLevel: 1, nextPatientDoseLevel: 1, enrollmentOpen: false });
    expect(revised.decisions).toEqual([
      expect.objectContaining({ index: 0, action: 'escalate', revisedBy: 1 }),
      expect.objectContaining({
        index: 1,
        action: 'stay',
        toLevel: 1,
        revises: 0,
        awaiting: true,
        reason: '4 of the 6 patients at level 1 are evaluable so far (1 with a DLT): wait for the rest of the cohort before deciding',
        cause:
          'a dose-limiting toxicity reported after a patient had left the study during its DLT window at dose level 1 (grade 4 Hepatic failure, onset on study day 5): the patient is evaluable with it',
      }),
    ]);
    expect(JSON.stringify(revised.decisions)).not.toContain('lateEvaluations');
    expect(revised.holds).toEqual([expect.objectContaining({ id: 1, levels: [1, 2, 3], active: true })]);

    // The patient: still withdrawn and off study; the AE is on its record; no timer written or cancelled; one notice for the DLT.
    const after = await written(withdrawn.id);
    expect(after).toEqual({
      ...before,
      version: before.version + 1,
      entries: before.entries + 1,
      outbox: [...before.outbox, 'dose-limiting-toxicity', 'dose-escalation-revised'].sort(),
      trialVersion: revised.version,
    });
    const view = await patient(withdrawn);
    expect(view).toMatchObject({ state: 'withdrawn', status: 'offStudy', acceptedEvents: LATE_ENTRIES, nextVisits: [] });
    expect(view.record.dlts).toEqual([expect.objectContaining({ term: 'Hepatic failure', grade: 4 })]);
  });

  it('takes the rest of the on-study record late: a lab result, a visit, an assessment, an adjudication', async () => {
    const p = withdrawn;
    const before = await written(p.id);
    const lab = await p.site.post(p.id, {
      type: 'LAB_RESULT_RECORDED',
      data: { code: 'IL6', compartment: 'PB', value: 48, unit: 'pg/mL', collectedAt: iso(p.day0 + 15 * DAY) },
    });
    expect(lab.status).toBe(200);
    const visit = await p.site.post(p.id, { type: 'VISIT_COMPLETED', occurredAt: iso(p.day0 + 14 * DAY), data: { visit: 'D14' } });
    expect(visit.status).toBe(200);
    const assessed = await p.site.post(p.id, {
      type: 'RESPONSE_ASSESSED',
      occurredAt: iso(p.day0 + 14 * DAY),
      data: { visit: 'D14', marrowBlastsPct: 2, circulatingBlasts: false, extramedullary: false, anc: 1.1, platelets: 120, countsUnit: '10^9/L' },
    });
    expect(assessed.status).toBe(200);
    expect(assessed.body.result).toMatchObject({ response: 'CR' });
    const confirmed = await p.site.post(
      p.id,
      {
        type: 'DLT_ADJUDICATED',
        data: { term: 'Hepatic failure', onset: hepaticFailure(p, 5).onset, dlt: true, rationale: 'drug-induced liver injury, related to the CAR-T cells' },
      },
      p.site.investigator,
    );
    expect(confirmed.status).toBe(200);

    const view = await patient(p);
    expect(view).toMatchObject({ state: 'withdrawn', status: 'offStudy', nextVisits: [] });
    expect(view.record).toMatchObject({ labResultCount: 1, responses: [{ visit: 'D14', response: 'CR' }] });
    const schedule = (await p.site.get(`/patients/${p.id}/schedule`)).body.visits as Array<{ name: string; status: string }>;
    expect(schedule.find((v) => v.name === 'D14')!.status).toBe('done');
    expect(schedule.filter((v) => v.name !== 'D14').every((v) => v.status === 'cancelled')).toBe(true);
    const after = await written(p.id);
    // Four entries; no timer; notices only for the adjudication (a DLT call is every site's business).
    expect(after).toEqual({ ...before, version: before.version + 4, entries: before.entries + 4, outbox: [...before.outbox, 'dose-limiting-toxicity'].sort() });
  });

  it('refuses what is dated after the patient left (422) and what is not a late entry (409), writing nothing', async () => {
    const p = withdrawn;
    const before = await written(p.id);
    const afterLeaving = await p.site.post(p.id, { type: 'ADVERSE_EVENT_REPORTED', data: hepaticFailure(p, 21) });
    expect(afterLeaving.status).toBe(422);
    expect(afterLeaving.body.reasons).toEqual([
      expect.stringMatching(/^onset \S+ is after the patient left the study on \d{4}-\d\d-\d\d \(withdrawn\): after leaving, only data about the time on study can be entered$/),
    ]);
    const lateLab = await p.site.post(p.id, { type: 'LAB_RESULT_RECORDED', data: { code: 'IL6', value: 12, unit: 'pg/mL', collectedAt: iso(p.day0 + 22 * DAY) } });
    expect(lateLab.status).toBe(422);
    const lateVisit = await p.site.post(p.id, { type: 'VISIT_COMPLETED', occurredAt: iso(p.day0 + 28 * DAY), data: { visit: 'D28' } });
    expect(lateVisit.status).toBe(422);

    for (const [type, data] of [
      ['PROGRESSION_OR_RELAPSE', { kind: 'morphologic' }],
      ['WITHDRAWN', { reason: 'entered twice' }],
      ['DEATH', { cause: 'disease progression' }],
      ['LOST_TO_FOLLOW_UP', {}],
    ] as const) {
      const refused = await p.site.post(p.id, { type, data });
      expect({ type, status: refused.status, body: refused.body }).toEqual({
        type,
        status: 409,
        body: expect.objectContaining({ error: 'event_not_accepted', state: 'withdrawn', acceptedEvents: LATE_ENTRIES }),
      });
      expect(refused.body.message).toMatch(/off study: it accepts only data about its time on study, entered late: ADVERSE_EVENT_REPORTED, DLT_ADJUDICATED/);
    }
    expect(await written(p.id)).toEqual(before);

    // A patient who left before its infusion had no time on study to enter data about: it accepts nothing.
    const early = await siteA.register({ protocolId: TRIAL });
    await siteA.record(early, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await siteA.record(early, 'WITHDRAWN', { reason: 'patient decision' });
    const nothing = await siteA.post(early, {
      type: 'ADVERSE_EVENT_REPORTED',
      data: { term: 'Nausea', grade: 2, onset: t.clock.now().toISOString(), related: false, serious: false },
    });
    expect(nothing.status).toBe(409);
    expect(nothing.body).toMatchObject({ state: 'withdrawn', acceptedEvents: [] });
    expect((await patient({ id: early, site: siteA })).acceptedEvents).toEqual([]);
  });

  it('stops the trial on a grade 5 toxicity entered after the death, the second DLT at the lowest level', async () => {
    const released = await t.http
      .post(`/trials/${TRIAL}/holds/1/release`)
      .set('Authorization', `Bearer ${siteA.investigator}`)
      .send({ signature: { password: SIGNING_PASSWORD, meaning: 'I reviewed the revised decision: level 1 takes two more patients' } });
    expect(released.status).toBe(200);
    t.clock.advanceDays(1);
    const p5 = await treat(siteA);
    t.clock.advanceDays(8);
    const p6 = await treat(siteB);
    expect([p5.level, p6.level]).toEqual([1, 1]);
    expect((await trial()).enrollmentOpen).toBe(false);
    // Day 10: p6 dies; nothing dose-limiting was on record. Its slot is free again.
    t.clock.advanceDays(10);
    await p6.site.record(p6.id, 'DEATH', { cause: 'hepatic failure' });
    t.clock.advanceDays(20);
    await settleDueTimers(t);
    const waiting = await trial();
    expect(waiting.levels[0]).toMatchObject({ enrolled: 5, evaluable: 5, dlts: 1 });
    expect(waiting).toMatchObject({ status: 'open', enrollmentOpen: true });

    const before = await written(p6.id);
    const report = await p6.site.post(p6.id, { type: 'ADVERSE_EVENT_REPORTED', data: hepaticFailure(p6, 9, 5) });
    expect(report.status).toBe(200);
    expect(report.body.result).toMatchObject({ grade: 5, dlt: true, escalation: { level: 1, counted: true, evaluable: 6, dlts: 2, decision: 2 } });
    expect(report.body.result.escalation).not.toHaveProperty('revisedDecision');
    const stopped = await trial();
    expect(stopped.levels[0]).toMatchObject({ level: 1, enrolled: 6, evaluable: 6, dlts: 2 });
    expect(stopped).toMatchObject({ status: 'stopped', mtd: null, enrollmentOpen: false });
    expect(stopped.decisions.at(-1)).toMatchObject({
      action: 'stop',
      reason: '2 of 6 patients at level 1 had a DLT, so it exceeds the MTD and is the lowest level: stop the trial, no MTD',
    });
    expect(stopped.enrollmentClosedReasons).toEqual([expect.stringMatching(/^enrollment is closed: dose escalation stopped/)]);
    const after = await written(p6.id);
    expect(after).toEqual({
      ...before,
      version: before.version + 1,
      entries: before.entries + 1,
      outbox: [...before.outbox, 'dose-limiting-toxicity'].sort(),
      trialVersion: stopped.version,
    });
    expect(await patient(p6)).toMatchObject({ state: 'died', status: 'offStudy', acceptedEvents: LATE_ENTRIES });
  });

  it('restores, verifies, exports and takes a late entry for a patient stored final by the earlier engine', async () => {
    const id = await siteA.infused();
    t.clock.advanceDays(3);
    await siteA.record(id, 'WITHDRAWN', { reason: 'patient decision' });
    // The row as the engine stored an off-study patient before its states took late entries: the snapshot `done`.
    const patients = db().getRepository(PatientEntity);
    const row = await patients.findOneByOrFail({ id });
    expect(row.snapshot).toMatchObject({ value: 'withdrawn' });
    await patients.update({ id }, { snapshot: { ...row.snapshot, status: 'done' } as never });
    expect((await patients.findOneByOrFail({ id })).snapshot).toMatchObject({ status: 'done' });

    const monitor = await createUser(t, 'monitor', ['site-a']);
    expect(await patient({ id, site: siteA })).toMatchObject({ state: 'withdrawn', status: 'offStudy', acceptedEvents: LATE_ENTRIES });
    expect(await verify(`?patientId=${id}`)).toMatchObject({ ok: true, broken: [] });
    const fhir = await siteA.get(`/patients/${id}/fhir`);
    expect(fhir.status).toBe(200);
    expect(fhir.body.entry.find((e: { resource: { resourceType: string } }) => e.resource.resourceType === 'ResearchSubject').resource.status).toBe('withdrawn');
    const dm = await download(t, '/trials/cd19-rr-all/export?format=sdtm&domain=DM', monitor);
    expect(dm.status).toBe(200);
    expect(dm.trailers['x-data-issues']).toBe('0');

    const onset = new Date(Date.parse(row.day0!) + DAY).toISOString();
    const late = await siteA.post(id, { type: 'ADVERSE_EVENT_REPORTED', data: { term: 'Encephalopathy', grade: 3, onset, related: true, serious: true } });
    expect(late.status).toBe(200);
    expect(late.body.result).toMatchObject({ grade: 3 });
    expect(late.body.patient).toMatchObject({ state: 'withdrawn', status: 'offStudy' });
    expect((await patients.findOneByOrFail({ id })).snapshot).toMatchObject({ status: 'active', value: 'withdrawn' });
    expect(await verify(`?patientId=${id}`)).toMatchObject({ ok: true, broken: [] });
  });

  it('leaves every record verifiable afterwards', async () => {
    const all = await verify();
    expect(all).toMatchObject({ ok: true, broken: [] });
    expect(all.patientsChecked).toBeGreaterThanOrEqual(8);
  });
});
