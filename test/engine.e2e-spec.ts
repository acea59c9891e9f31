import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { Metrics, TIMER_QUEUE, TimerEntity } from '#domain';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';
import { toRelease, type DatabaseKind } from '#testing';

const KINDS: DatabaseKind[] = ['postgres', 'sqlite'];

describe.each(KINDS)('the workflow engine on %s', (kind) => {
  let t: TestApp;
  let site: TrialSite;

  beforeAll(async () => {
    t = await startTestApp(kind);
    site = await TrialSite.open(t, 'site-a');
  });
  afterAll(() => t.close());

  const timers = (patientId: string) => t.app.get(DataSource).getRepository(TimerEntity).findBy({ patientId });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer of the API, whose shape each test asserts field by field
  const log = async (patientId: string) => (await site.get(`/patients/${patientId}/events`)).body as Array<Record<string, any>>;
  const patient = async (patientId: string) => (await site.get(`/patients/${patientId}`)).body;
  const delayedJobIds = async () => (await t.app.get<Queue>(getQueueToken(TIMER_QUEUE)).getDelayed()).map((j) => j.id!);

  it('walks a patient from registration through Day 0, the DLT window and response to the end of follow-up', async () => {
    const id = await site.register();
    await site.readyForInfusion(id);
    const infusion = await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: 7e6 });
    expect(infusion.patient.state).toBe('dltWindow');
    expect(infusion.result).toMatchObject({ doseLevel: 1, cellsPerKg: 7e6, totalCells: 490_000_000 });
    expect(infusion.patient.nextVisits.map((v: { name: string }) => v.name)).toEqual(['D7', 'D14', 'D28']);

    t.clock.advanceDays(7);
    await site.record(id, 'VISIT_COMPLETED', { visit: 'D7' });
    await site.record(id, 'ADVERSE_EVENT_REPORTED', {
      term: 'Cytokine release syndrome',
      grade: 2,
      onset: t.clock.now().toISOString(),
      related: true,
      serious: false,
    });
    t.clock.advanceDays(7);
    await site.record(id, 'VISIT_COMPLETED', { visit: 'D14' });

    // Day 28 + a minute: the DLT window closes by its timer, fired by the worker as system:scheduler.
    t.clock.advanceDays(14);
    t.clock.advanceMs(60_000);
    await t.reconcile();
    await eventually(async () => (await patient(id)).state === 'responseAssessment', 10_000, 'the DLT window to close');
    const response = await site.record(id, 'RESPONSE_ASSESSED', {
      visit: 'D28',
      marrowBlastsPct: 1,
      circulatingBlasts: false,
      extramedullary: false,
      anc: 1.4,
      platelets: 120,
      countsUnit: '10^9/L',
      mrdPct: 0.005,
    });
    expect(response.result).toEqual({ response: 'CR', mrdNegative: true });
    expect(response.patient.state).toBe('followUp');

    // Two years on: every later visit's window has closed unmet, and follow-up ends.
    t.clock.advanceDays(740);
    await t.reconcile();
    const done = await eventually(
      async () => {
        const p = await patient(id);
        return p.state === 'completed' && p;
      },
      20_000,
      'follow-up to end',
    );
    expect(done.status).toBe('offStudy');
    // Off study, only data about the time on study entered late (README, "Late data").
    expect(done.acceptedEvents).toEqual([
      'ADVERSE_EVENT_REPORTED',
      'DLT_ADJUDICATED',
      'LAB_RESULT_RECORDED',
      'LAB_TOXICITY_DISMISSED',
      'PROTOCOL_DEVIATION_RECORDED',
      'RESPONSE_ASSESSED',
      'UNSCHEDULED_VISIT_COMPLETED',
      'VISIT_COMPLETED',
    ]);

    const entries = await log(id);
    const scheduled = entries.filter((e) => e.actor === 'system:scheduler');
    expect(scheduled.map((e) => e.type)).toContain('DLT_WINDOW_CLOSED');
    expect(scheduled.at(-1)!.type).toBe('FOLLOW_UP_ENDED');
    // Timers fire in the order they fell due.
    const fired = scheduled.map((e) => e.occurredAt);
    expect([...fired].sort()).toEqual(fired);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    const schedule = (await site.get(`/patients/${id}/schedule`)).body.visits as Array<{ name: string; status: string }>;
    expect(Object.fromEntries(schedule.map((v) => [v.name, v.status]))).toEqual({
      D7: 'done',
      D14: 'done',
      D28: 'missed',
      M2: 'missed',
      M3: 'missed',
      M6: 'missed',
      M9: 'missed',
      M12: 'missed',
      M18: 'missed',
      M24: 'missed',
    });
    expect((await timers(id)).filter((tm) => tm.status === 'pending')).toEqual([]);
  });

  it('closes the DLT window by its timer when its day has come, recording a DLT seen inside it', async () => {
    const id = await site.infused();
    await site.record(id, 'ADVERSE_EVENT_REPORTED', {
      term: 'Encephalopathy',
      grade: 3,
      onset: t.clock.now().toISOString(),
      related: true,
      serious: true,
    });
    const dltTimer = (await timers(id)).find((tm) => tm.sendId === 'dlt-window')!;
    expect(dltTimer.status).toBe('pending');
    t.clock.advanceDays(28);
    t.clock.advanceMs(1000);
    await t.reconcile();
    await eventually(async () => (await patient(id)).state === 'responseAssessment', 10_000, 'DLT window close');
    const p = await patient(id);
    expect(p.record.dltWindow.closedAt).toBe(dltTimer.dueAt);
    expect(p.record.dlts).toHaveLength(1);
    expect((await timers(id)).find((tm) => tm.sendId === 'dlt-window')!.status).toBe('fired');
    t.clock.advanceDays(-28);
  });

  it('fires at once, in the order they fell due, the timers of an infusion entered late', async () => {
    const id = await site.register();
    t.clock.advanceDays(-40);
    await site.readyForInfusion(id);
    t.clock.advanceDays(40);
    const occurredAt = new Date(t.clock.now().getTime() - 29 * 86_400_000).toISOString();
    expect((await site.post(id, { type: 'INFUSION_COMPLETED', occurredAt, data: { cellsPerKg: 7e6 } })).status).toBe(200);
    // No reconciler run and no clock move: the past-due jobs were enqueued with no delay at commit.
    await eventually(async () => (await patient(id)).state === 'responseAssessment', 10_000, 'the past-due DLT timer');
    // The bag was thawed in the same late entry: its post-thaw watch may fire before the infusion is in (and the infusion withdraws what it marked).
    const scheduled = (await log(id)).filter((e) => e.actor === 'system:scheduler' && e.type !== 'POST_THAW_LIMIT_EXCEEDED');
    expect((await patient(id)).record.deviations ?? []).toEqual([]);
    expect(scheduled.map((e) => `${e.type}${e.data.visit ? ` ${e.data.visit}` : ''}`)).toEqual([
      'VISIT_REMINDER D7',
      'VISIT_WINDOW_CLOSING D7',
      'VISIT_MISSED D7',
      'VISIT_REMINDER D14',
      'VISIT_WINDOW_CLOSING D14',
      'VISIT_MISSED D14',
      'VISIT_REMINDER D28',
      'DLT_WINDOW_ENDING',
      'DLT_WINDOW_CLOSED',
    ]);
    expect((await timers(id)).filter((tm) => tm.status === 'fired' && tm.eventType !== 'POST_THAW_LIMIT_EXCEEDED')).toHaveLength(9);
  });

  it('cancels every pending timer, in the database and in Redis, on withdrawal', async () => {
    const id = await site.infused();
    const pending = (await timers(id)).filter((tm) => tm.status === 'pending');
    expect(pending.length).toBe(33);
    expect((await delayedJobIds()).some((job) => job.includes(id))).toBe(true);
    await site.record(id, 'WITHDRAWN', { reason: 'patient decision' });
    const after = await timers(id);
    expect(after.filter((tm) => tm.status === 'pending')).toEqual([]);
    // The 33 of follow-up, and the two custody watches the receipts and the infusion had cancelled.
    expect(after.filter((tm) => tm.status === 'cancelled')).toHaveLength(35);
    const { lastSeq } = await patient(id);
    expect(after.filter((tm) => tm.status === 'cancelled' && tm.settledSeq! < lastSeq).map((tm) => tm.sendId)).toEqual(
      expect.arrayContaining(['apheresis-stability', 'post-thaw-limit']),
    );
    expect((await delayedJobIds()).some((job) => job.includes(id))).toBe(false);
    const p = await patient(id);
    expect([p.state, p.status]).toEqual(['withdrawn', 'offStudy']);
  });

  it('refuses an event in the wrong state with 409, the state and the accepted events, and writes nothing', async () => {
    const id = await site.register();
    const before = await log(id);
    const res = await site.post(id, { type: 'INFUSION_COMPLETED', data: { cellsPerKg: 7e6 } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'event_not_accepted', state: 'screening' });
    expect(res.body.acceptedEvents).toEqual(expect.arrayContaining(['CONSENT_SIGNED', 'SCREENING_DATA_RECORDED', 'WITHDRAWN']));
    expect(await log(id)).toEqual(before);
    expect((await patient(id)).version).toBe(1);
  });

  it('refuses eligibility with 422 naming each unmet criterion, and an out-of-range cell dose', async () => {
    const id = await site.register();
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await site.record(id, 'SCREENING_DATA_RECORDED', { diagnosis: 'B-ALL', markers: { CD19: 'positive' }, labs: { creatinineMgDl: 1.8 } });
    const res = await site.post(id, { type: 'ELIGIBILITY_CONFIRMED', data: { attestations: [] } }, site.investigator);
    expect(res.status).toBe(422);
    expect(res.body.reasons).toEqual(expect.arrayContaining(['creatinine 1.8 mg/dL is not below 1.6 mg/dL']));
    expect(res.body.reasons.length).toBeGreaterThan(5);
    expect((await log(id)).length).toBe(3);

    const ready = await site.register();
    await site.readyForInfusion(ready);
    const low = await site.post(ready, { type: 'INFUSION_COMPLETED', data: { cellsPerKg: 4e6 } });
    expect(low.status).toBe(422);
    expect(low.body.reasons[0]).toMatch(/below the assigned dose level 1 range of 5–10 ×10⁶\/kg/);
  });

  it('answers lymphodepletion with the BSA and the daily Flu/Cy doses', async () => {
    const id = await site.register();
    const { screening, attestations } = (await import('#testing')).eligibleCd19Screening();
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await site.record(id, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
    await site.record(id, 'ELIGIBILITY_CONFIRMED', { attestations }, site.investigator);
    await site.record(id, 'ENROLLED');
    await site.custody(id, (coi) => toRelease(coi));
    const ld = await site.record(id, 'LYMPHODEPLETION_STARTED');
    expect(ld.result.lymphodepletion).toMatchObject({ bsaM2: 1.82 });
    expect(ld.result.lymphodepletion.agents.map((a: { agent: string; dailyMg: number }) => [a.agent, a.dailyMg])).toEqual([
      ['fludarabine', 54.6],
      ['cyclophosphamide', 546],
    ]);
  });

  it('serialises concurrent events on one patient: no lost update, no duplicate seq', async () => {
    const id = await site.infused();
    const before = await patient(id);
    const retried = async () => (await t.app.get(Metrics).eventsRetriedUnderLock.get()).values[0]?.value ?? 0;
    const retriedBefore = await retried();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        site.post(id, {
          type: 'LAB_RESULT_RECORDED',
          data: { code: 'IL6', value: 10 + i, unit: 'pg/mL', collectedAt: t.clock.now().toISOString() },
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    const seqs = results.map((r) => r.body.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 8 }, (_, i) => before.lastSeq + 1 + i));
    const after = await patient(id);
    expect(after.version).toBe(before.version + 8);
    expect(after.record.labResultCount).toBe(8);
    // On PostgreSQL each lab result is first tried without a transaction; the ones another overtook
    // (all but one of eight sent at once) were applied again under the row lock, none lost.
    if (kind === 'postgres') expect(await retried()).toBeGreaterThan(retriedBefore);
    else expect(await retried()).toBe(retriedBefore);

    // Two coordinators racing with the same If-Match: one wins, the other gets 409.
    const race = await Promise.all(
      [0, 1].map((i) =>
        site.post(id, { type: 'LAB_RESULT_RECORDED', data: { code: 'IL10', value: i, unit: 'pg/mL', collectedAt: t.clock.now().toISOString() } }, site.coordinator, {
          'If-Match': String(after.version),
        }),
      ),
    );
    expect(race.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(race.find((r) => r.status === 409)!.body).toMatchObject({ error: 'version_conflict', currentVersion: after.version + 1 });
  });

  it('replays an idempotent request: same key and body → the first answer, nothing new; another body → 422', async () => {
    const id = await site.register();
    const body = { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1.0' } };
    const first = await site.post(id, body, site.coordinator, { 'Idempotency-Key': 'consent-1' });
    const again = await site.post(id, body, site.coordinator, { 'Idempotency-Key': 'consent-1' });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((await log(id)).length).toBe(2);
    const other = await site.post(id, { ...body, data: { consentVersion: 'v2.0' } }, site.coordinator, { 'Idempotency-Key': 'consent-1' });
    expect(other.status).toBe(422);
    expect(other.body.error).toBe('idempotency_key_reused');
    expect((await log(id)).length).toBe(2);
  });

  it('loses no timer when Redis loses every key: the reconciler restores it and it fires', async () => {
    const id = await site.infused();
    // Move to two seconds before the DLT window closes; the reconciler enqueues it with a short delay.
    t.clock.advanceDays(28);
    t.clock.advanceMs(-2000);
    await t.reconcile();
    expect((await delayedJobIds()).some((job) => job.includes(`${id}.`) && job.includes('dlt-window'))).toBe(true);
    expect(await t.wipeRedis()).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await timers(id)).find((tm) => tm.sendId === 'dlt-window')!.status).toBe('pending');
    await t.reconcile();
    await eventually(async () => (await patient(id)).state === 'responseAssessment', 10_000, 'the restored timer to fire');
    expect((await timers(id)).find((tm) => tm.sendId === 'dlt-window')!.status).toBe('fired');
    t.clock.advanceDays(-28);
  });

  it('keeps each site to its own patients: another site sees 404 and cannot change them', async () => {
    const id = await site.register();
    const other = await TrialSite.open(t, `site-b-${kind}`);
    expect((await other.get(`/patients/${id}`)).status).toBe(404);
    expect((await other.get(`/patients/${id}/events`)).status).toBe(404);
    expect((await other.get(`/patients/${id}/schedule`)).status).toBe(404);
    const post = await other.post(id, { type: 'CONSENT_SIGNED', data: { consentVersion: 'v1' } });
    expect(post.status).toBe(404);
    expect((await log(id)).length).toBe(1);
    const list = (await other.get('/patients')).body;
    expect(list.items.map((p: { id: string }) => p.id)).not.toContain(id);
    const registerElsewhere = await t.http
      .post('/patients')
      .set('Authorization', `Bearer ${other.coordinator}`)
      .send({ protocolId: 'cd19-rr-all', subjectId: 'X-1', siteId: 'site-a', sex: 'male', birthDate: '1980-01-01', weightKg: 80, heightCm: 180 });
    expect(registerElsewhere.status).toBe(403);
  });
});
