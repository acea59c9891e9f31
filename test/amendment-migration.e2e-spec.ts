import { ackOf } from '#domain';
import { DataSource } from 'typeorm';
import { collection, eligibleCd19Screening, SIGNING_PASSWORD } from '#testing';
import { startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';
import { settleDueTimers } from './support/timers';
import { assertPatientConsistent, fingerprint, readLog, verifyAudit } from './support/invariants';

const DAY_MS = 86_400_000;
const plus = (at: string, days: number) => new Date(Date.parse(at) + days * DAY_MS).toISOString();
const sign = (meaning = 'I move this patient to amendment 2 (version 3) after IRB approval') => ({ password: SIGNING_PASSWORD, meaning });

/**
 * Issue 16 end to end on PostgreSQL: cd19-rr-all v3 (the secondary-malignancy amendment) reaches
 * the patients already on study at site A, in every state, once its IRB approval is recorded,
 * while site B waits; re-consent gates the next step; the audit and the exports cross the version
 * boundary; a completed patient rolls over into 15 years of follow-up.
 */
describe('amendments that reach patients on study', () => {
  let t: TestApp;
  let a: TrialSite;
  let b: TrialSite;
  let monitor: string;
  const p: Record<string, string> = {};
  const day0: Record<string, string> = {};

  const http = () => t.http;
  const as = (token: string) => ({ Authorization: `Bearer ${token}` });
  const timers = async (patientId: string, status = 'pending') =>
    (await t.app
      .get(DataSource)
      .query('SELECT id, send_id AS "sendId", due_at AS "dueAt" FROM timers WHERE patient_id = $1 AND status = $2 ORDER BY send_id', [patientId, status])) as Array<{
      id: string;
      sendId: string;
      dueAt: Date | string;
    }>;
  const iso = (at: Date | string) => new Date(at).toISOString();
  const migrate = (id: string, token: string, body: Record<string, unknown> = { toVersion: 3, signature: sign() }) =>
    http().post(`/patients/${id}/migrations`).set(as(token)).send(body);
  const approve = (siteId: string) =>
    http()
      .put(`/trials/cd19-rr-all/amendments/3/sites/${siteId}`)
      .set(as(t.adminToken))
      .send({ approvedOn: t.clock.now().toISOString().slice(0, 10), reference: `IRB-${siteId}-2026-114` });

  beforeAll(async () => {
    t = await startTestApp('postgres', { RATE_LIMIT_PER_MINUTE: '0' });
    a = await TrialSite.open(t, 'site-a');
    b = await TrialSite.open(t, 'site-b');
    monitor = await createUser(t, 'monitor', ['site-a', 'site-b']);

    // Day 0 of the patient who will complete the trial, then of the one who will be at day 200.
    p.completed = await a.infused({ protocolVersion: 1 });
    t.clock.advanceDays(562);
    p.followUp = await a.infused({ protocolVersion: 1 });
    p.died = await a.infused();
    await a.record(p.died, 'DEATH', { cause: 'progressive disease' });
    t.clock.advanceDays(200);
    await settleDueTimers(t, 60_000);
    await a.record(p.followUp, 'RESPONSE_ASSESSED', { visit: 'D28', response: 'CR' }, a.investigator);

    p.screening = await a.register();
    await a.record(p.screening, 'CONSENT_SIGNED', { consentVersion: 'v2.0' });
    p.enrolled = await a.register();
    p.manufacturing = await a.register();
    const { screening, attestations } = eligibleCd19Screening();
    for (const id of [p.enrolled, p.manufacturing]) {
      await a.record(id, 'CONSENT_SIGNED', { consentVersion: 'v2.0' });
      await a.record(id, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
      await a.record(id, 'ELIGIBILITY_CONFIRMED', { attestations }, a.investigator);
      await a.record(id, 'ENROLLED');
    }
    await a.record(p.manufacturing, 'LEUKAPHERESIS_COMPLETED', collection());
    p.dlt = await a.infused();
    await a.record(p.dlt, 'ADVERSE_EVENT_REPORTED', { term: 'Fatigue', grade: 1, onset: t.clock.now().toISOString(), related: false, serious: false });
    p.waiting = await b.infused();
    for (const [name, id] of Object.entries(p)) day0[name] = (await a.get(`/patients/${id}`, t.adminToken)).body.day0;
  }, 240_000);
  afterAll(() => t?.close());

  it('has patients on v1 and v2 in every state at site A, and one at site B', async () => {
    const states = Object.fromEntries(await Promise.all(Object.entries(p).map(async ([name, id]) => [name, (await a.get(`/patients/${id}`, t.adminToken)).body])));
    expect(
      Object.fromEntries(Object.entries(states as Record<string, { protocol: string; state: string }>).map(([name, patient]) => [name, `${patient.protocol} ${patient.state}`])),
    ).toEqual({
      completed: 'cd19-rr-all@1 completed',
      followUp: 'cd19-rr-all@1 followUp',
      died: 'cd19-rr-all@2 died',
      screening: 'cd19-rr-all@2 screening',
      enrolled: 'cd19-rr-all@2 enrolled',
      manufacturing: 'cd19-rr-all@2 manufacturing',
      dlt: 'cd19-rr-all@2 dltWindow',
      waiting: 'cd19-rr-all@2 dltWindow',
    });
  });

  it('moves nobody before the site approval: the dry run says why, the migration is refused and writes nothing', async () => {
    const before = await fingerprint(t);
    const preview = await http().get('/trials/cd19-rr-all/amendments/3/preview?siteId=site-a').set(as(a.investigator));
    expect(preview.status).toBe(200);
    const row = preview.body.patients.find((r: { patientId: string }) => r.patientId === p.followUp);
    expect(row).toMatchObject({ status: 'awaitingApproval', toState: 'followUp', reasons: [expect.stringMatching(/not approved at site site-a/)] });
    const refused = await migrate(p.followUp, a.investigator);
    expect(refused.status).toBe(422);
    expect(refused.body.reasons).toEqual([expect.stringMatching(/amendment 2 \(version 3\) of cd19-rr-all is not approved at site site-a/)]);
    expect(await fingerprint(t)).toEqual(before);
  });

  it('previews site A after its approval: every state, the mapped state, the timers on hand-computed dates; nothing written', async () => {
    expect((await approve('site-a')).status).toBeLessThan(300);
    const before = await fingerprint(t);
    const res = await http().get('/trials/cd19-rr-all/amendments/3/preview?siteId=site-a').set(as(a.coordinator));
    expect(res.status).toBe(200);
    expect(await fingerprint(t)).toEqual(before);
    const byId = new Map(res.body.patients.map((r: { patientId: string }) => [r.patientId, r]));
    const status = (name: string) =>
      byId.get(p[name]) as { status: string; toState: string | null; reasons: string[]; timers: { added: Array<{ sendId: string; dueAt: string }> } };
    for (const name of ['followUp', 'screening', 'enrolled', 'manufacturing', 'dlt']) expect(status(name).status).toBe('migratable');
    expect(status('completed')).toMatchObject({
      status: 'unmigratable',
      toState: null,
      reasons: [expect.stringMatching(/state completed is not mapped by amendment 2 \(version 3\) of cd19-rr-all: .*car-t-ltfu/)],
    });
    expect(status('died').reasons).toEqual([expect.stringMatching(/state died is not mapped by amendment 2 \(version 3\) of cd19-rr-all/)]);
    expect(byId.has(p.waiting)).toBe(false);
    // Day 0 + 365 ± 30: the reminder 2 days before the window opens (day 333), the closing notice a day before it closes (394), missed at its close (395).
    const added = Object.fromEntries(status('followUp').timers.added.map((x) => [x.sendId, x.dueAt]));
    expect(added).toMatchObject({
      'visit-reminder.MAL-Y1': plus(day0.followUp, 333),
      'visit-closing.MAL-Y1': plus(day0.followUp, 394),
      'visit-missed.MAL-Y1': plus(day0.followUp, 395),
      'visit-missed.MAL-Y2': plus(day0.followUp, 760),
    });
    expect(res.body.counts).toMatchObject({ migratable: 5, unmigratable: 2 });
  });

  it('refuses what it must, writing nothing: no signature, a coordinator, another site, an unmapped state', async () => {
    const before = await fingerprint(t);
    const unsigned = await migrate(p.followUp, a.investigator, { toVersion: 3 });
    expect(unsigned.status).toBe(422);
    expect(unsigned.body.reasons).toEqual([expect.stringMatching(/electronic signature/)]);
    expect((await migrate(p.followUp, a.coordinator)).status).toBe(403);
    expect((await migrate(p.followUp, b.investigator)).status).toBe(404);
    const died = await migrate(p.died, a.investigator);
    expect(died.status).toBe(422);
    expect(died.body.reasons).toEqual([expect.stringMatching(/state died is not mapped by amendment 2 \(version 3\) of cd19-rr-all: the patient died on study/)]);
    expect((await migrate(p.followUp, a.investigator, { toVersion: 2, signature: sign() })).status).toBe(422);
    expect((await migrate(p.followUp, a.investigator, { toVersion: 9, signature: sign() })).status).toBe(404);
    expect((await migrate(p.followUp, a.investigator, { toVersion: 3, signature: { password: 'wrong-password-1', meaning: 'I move it' } })).status).toBe(403);
    expect(await fingerprint(t)).toEqual(before);
  });

  it('migrates a patient in follow-up: signed entry, state kept, fired timers never refired, new ones on the hand-computed dates; a repeat is a no-op', async () => {
    const pendingBefore = await timers(p.followUp);
    const firedBefore = await timers(p.followUp, 'fired');
    expect(firedBefore.map((x) => x.sendId)).toContain('visit-missed.D7');
    const res = await migrate(p.followUp, a.investigator);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ replayed: false, patient: { protocol: 'cd19-rr-all@3', state: 'followUp', record: { reconsent: { status: 'due', consentVersion: '3.0' } } } });
    expect(res.body.migration).toMatchObject({
      from: 'cd19-rr-all@1',
      to: 'cd19-rr-all@3',
      fromState: 'followUp',
      toState: 'followUp',
      siteApproval: { reference: 'IRB-site-a-2026-114' },
    });

    const log = await readLog(t, p.followUp, a.coordinator);
    const entry = log.at(-1)! as (typeof log)[number] & { signature: { signerName: string; meaning: string } };
    expect(entry).toMatchObject({ seq: res.body.seq, type: 'PROTOCOL_MIGRATED', signature: { meaning: expect.stringMatching(/amendment 2 \(version 3\)/) } });

    const pendingAfter = await timers(p.followUp);
    // Every pending timer of v1 stays as it was (same row), six are added, none of the fired ones comes back.
    expect(pendingAfter.filter((x) => pendingBefore.some((y) => y.id === x.id))).toHaveLength(pendingBefore.length);
    const added = pendingAfter.filter((x) => !pendingBefore.some((y) => y.id === x.id));
    expect(Object.fromEntries(added.map((x) => [x.sendId, iso(x.dueAt)]))).toEqual({
      'visit-reminder.MAL-Y1': plus(day0.followUp, 333),
      'visit-closing.MAL-Y1': plus(day0.followUp, 394),
      'visit-missed.MAL-Y1': plus(day0.followUp, 395),
      'visit-reminder.MAL-Y2': plus(day0.followUp, 698),
      'visit-closing.MAL-Y2': plus(day0.followUp, 759),
      'visit-missed.MAL-Y2': plus(day0.followUp, 760),
    });
    for (const fired of firedBefore) expect(pendingAfter.map((x) => x.sendId)).not.toContain(fired.sendId);

    const before = await fingerprint(t);
    const again = await migrate(p.followUp, a.investigator);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ replayed: true, seq: res.body.seq, migration: res.body.migration });
    expect(await fingerprint(t)).toEqual(before);
    await assertPatientConsistent(t, p.followUp, a.coordinator, monitor);
  });

  it("moves the rest of site A in one signed batch, says why two stay, and leaves site B's patient on v2", async () => {
    const res = await http().post('/trials/cd19-rr-all/amendments/3/migrations').set(as(a.investigator)).send({ siteId: 'site-a', signature: sign() });
    expect(res.status).toBe(200);
    const outcome = Object.fromEntries(res.body.patients.map((r: { patientId: string; outcome: string }) => [r.patientId, r.outcome]));
    expect(outcome).toEqual({
      [p.completed]: 'refused',
      [p.died]: 'refused',
      [p.screening]: 'migrated',
      [p.enrolled]: 'migrated',
      [p.manufacturing]: 'migrated',
      [p.dlt]: 'migrated',
    });
    for (const name of ['screening', 'enrolled', 'manufacturing', 'dlt']) {
      const patient = (await a.get(`/patients/${p[name]}`)).body;
      expect(patient.protocol).toBe('cd19-rr-all@3');
      await assertPatientConsistent(t, p[name], a.coordinator, monitor);
    }
    expect((await a.get(`/patients/${p.dlt}`)).body.state).toBe('dltWindow');
    expect((await timers(p.dlt)).map((x) => x.sendId)).toEqual(expect.arrayContaining(['dlt-window', 'visit-missed.MAL-Y2']));
    expect((await b.get(`/patients/${p.waiting}`)).body.protocol).toBe('cd19-rr-all@2');
    const waiting = await migrate(p.waiting, b.investigator);
    expect(waiting.status).toBe(422);
    const siteB = await http().get('/trials/cd19-rr-all/amendments/3/preview').set(as(b.investigator));
    expect(siteB.body.patients.map((r: { patientId: string; status: string }) => [r.patientId, r.status])).toEqual([[p.waiting, 'awaitingApproval']]);
  });

  it('holds the next step until re-consent to version 3.0, lists the patient on the worklist, and lets a decline go on without the screening visits', async () => {
    const worklist = (await a.get('/worklist')).body;
    expect(worklist.reconsentDue.map((r: { patientId: string }) => r.patientId)).toEqual(expect.arrayContaining([p.enrolled, p.followUp, p.dlt]));
    const before = await fingerprint(t);
    const held = await a.post(p.enrolled, { type: 'LEUKAPHERESIS_COMPLETED', data: collection() });
    expect(held.status).toBe(422);
    expect(held.body.reasons).toEqual([
      expect.stringMatching(/re-consent is due: amendment 2 \(version 3\) of cd19-rr-all requires consent version 3.0 before LEUKAPHERESIS_COMPLETED/),
    ]);
    expect(await fingerprint(t)).toEqual(before);
    await a.record(p.enrolled, 'CONSENT_SIGNED', { consentVersion: '3.0' });
    await a.record(p.enrolled, 'LEUKAPHERESIS_COMPLETED', collection());
    expect((await a.get('/worklist')).body.reconsentDue.map((r: { patientId: string }) => r.patientId)).not.toContain(p.enrolled);

    await a.record(p.followUp, 'RECONSENT_DECLINED', { consentVersion: '3.0', reason: 'does not want more blood tests' });
    const schedule = (await a.get(`/patients/${p.followUp}/schedule`)).body.visits;
    expect(schedule.find((v: { name: string }) => v.name === 'MAL-Y1')).toMatchObject({ status: 'notRequired', reason: expect.stringMatching(/declined/) });
    expect((await timers(p.followUp)).map((x) => x.sendId)).not.toContain('visit-reminder.MAL-Y1');
    await assertPatientConsistent(t, p.followUp, a.coordinator, monitor);
  });

  it('verifies the record across the version boundary, and names a protocol version changed behind its back', async () => {
    const all = await verifyAudit(t, monitor);
    expect(all.body).toMatchObject({ ok: true, broken: [] });
    const db = t.app.get(DataSource);
    await db.query('UPDATE patients SET protocol_version = 2 WHERE id = $1', [p.dlt]);
    try {
      const res = await verifyAudit(t, monitor, p.dlt);
      expect(res.body.ok).toBe(false);
      expect(res.body.firstBroken).toMatchObject({ patientId: p.dlt, problem: expect.stringMatching(/snapshot differs|protocol/) });
    } finally {
      await db.query('UPDATE patients SET protocol_version = 3 WHERE id = $1', [p.dlt]);
    }
    expect((await verifyAudit(t, monitor, p.dlt)).body.ok).toBe(true);
  });

  it('exports a migrated patient: the FHIR bundle and the SDTM tables carry the events recorded under both versions', async () => {
    await a.record(p.dlt, 'ADVERSE_EVENT_REPORTED', { term: 'Nausea', grade: 1, onset: t.clock.now().toISOString(), related: false, serious: false });
    const fhir = await http().get(`/patients/${p.dlt}/fhir`).set(as(monitor));
    expect(fhir.status).toBe(200);
    const resources = fhir.body.entry.map((e: { resource: Record<string, unknown> }) => e.resource) as Array<Record<string, unknown> & { resourceType: string }>;
    expect(resources.map((r) => r.resourceType)).toEqual(expect.arrayContaining(['ResearchStudy', 'ResearchSubject']));
    expect(resources.map((r) => r.resourceType)).not.toContain('OperationOutcome');
    const terms = JSON.stringify(resources.filter((r) => r.resourceType === 'AdverseEvent'));
    expect(terms).toMatch(/Fatigue/);
    expect(terms).toMatch(/Nausea/);

    // The trial's SDTM: one DM row for the patient, its AEs of both versions in AE, each replayed on the version it was recorded under.
    const subjectId = (await a.get(`/patients/${p.dlt}`)).body.subjectId as string;
    const csv = async (domain: string) => {
      const res = await http().get(`/trials/cd19-rr-all/export?format=sdtm&domain=${domain}`).set(as(monitor)).buffer(true);
      expect(res.status).toBe(200);
      return res.text.split('\n').filter((line) => line.includes(`cd19-rr-all-${subjectId}`));
    };
    expect(await csv('DM')).toHaveLength(1);
    const ae = await csv('AE');
    expect(ae.map((row) => (/Fatigue|Nausea/.exec(row) ?? ['?'])[0]).sort()).toEqual(['Fatigue', 'Nausea']);
  });

  it('rolls a completed patient over into 15 years of follow-up, keeping Day 0; years out wait in the database', async () => {
    const body = { protocolId: 'car-t-ltfu', consentVersion: 'LTFU-1.0', consentSignedAt: t.clock.now().toISOString() };
    const res = await http().post(`/patients/${p.completed}/rollover`).set(as(a.coordinator)).send(body);
    expect(res.status).toBe(200);
    const ltfu = res.body.patient;
    expect(ltfu).toMatchObject({ protocol: 'car-t-ltfu@1', state: 'followUp', day0: day0.completed, record: { rollover: { parentPatientId: p.completed } } });
    const schedule = (await a.get(`/patients/${ltfu.id}/schedule`)).body.visits;
    expect(schedule.slice(0, 3).map((v: { name: string; status: string }) => [v.name, v.status])).toEqual([
      ['Y1', 'notRequired'],
      ['Y2', 'notRequired'],
      ['Y3', 'planned'],
    ]);
    expect(schedule.find((v: { name: string }) => v.name === 'Y3').targetDate).toBe(plus(day0.completed, 1095));
    const pending = Object.fromEntries((await timers(ltfu.id)).map((x) => [x.sendId, iso(x.dueAt)]));
    expect(pending['visit-reminder.Y15']).toBe(plus(day0.completed, 5475 - 60 - 14));
    expect(pending['follow-up-end']).toBe(plus(day0.completed, 5536));
    expect(Object.keys(pending)).toHaveLength(13 * 3 + 1);

    const before = await fingerprint(t);
    const again = await http().post(`/patients/${p.completed}/rollover`).set(as(a.coordinator)).send(body);
    expect(again.body).toMatchObject({ replayed: true, patient: { id: ltfu.id } });
    expect(await fingerprint(t)).toEqual(before);
    const parentLog = await readLog(t, p.completed, a.coordinator);
    expect(parentLog.filter((e) => e.type === 'ROLLED_OVER')).toEqual([
      expect.objectContaining({ data: { to: 'car-t-ltfu@1', patientId: ltfu.id, subjectId: expect.any(String) } }),
    ]);
    // The site's lab still names the patient by the parent's subject id: its results now go to the follow-up, not to the trial that ended.
    const subjectId = (await a.get(`/patients/${p.completed}`)).body.subjectId;
    const lab = await createUser(t, 'lab', ['site-a']);
    const now = t.clock.now().toISOString();
    const ts = `${now.slice(0, 19).replace(/[-:T]/g, '')}+0000`;
    const oru = [
      `MSH|^~\\&|LIS|site-a|CART|ENGINE|${ts}||ORU^R01^ORU_R01|LTFU-CBC-1|P|2.5.1`,
      `PID|1||${subjectId}^^^site-a^PI`,
      `OBR|1||LTFU-CBC-1|58410-2^CBC panel^LN|||${ts}`,
      `OBX|1|NM|751-8^Neutrophils^LN||3.1|10*3/uL^^UCUM|||||F|||${ts}`,
    ].join('\r');
    const ack = await http().post('/integrations/hl7').set(as(lab)).set('Content-Type', 'x-application/hl7-v2+er7').send(oru);
    expect(ackOf(ack.text).code).toBe('AA');
    const labs = async (id: string) => (await readLog(t, id, a.coordinator)).filter((e) => e.type === 'LAB_RESULT_RECORDED');
    expect((await labs(ltfu.id)).map((e) => e.data)).toEqual([expect.objectContaining({ code: 'ANC', value: 3.1 })]);
    expect(await labs(p.completed)).toEqual([]);

    await assertPatientConsistent(t, p.completed, a.coordinator, monitor);
    await assertPatientConsistent(t, ltfu.id, a.coordinator, monitor);

    const notYet = await http().post(`/patients/${p.enrolled}/rollover`).set(as(a.coordinator)).send(body);
    expect(notYet.status).toBe(422);
    expect(notYet.body.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/rolls over to car-t-ltfu once completed or withdrawn/)]));
    const direct = await http()
      .post('/patients')
      .set(as(a.coordinator))
      .send({ protocolId: 'car-t-ltfu', subjectId: 'LTFU-X', siteId: 'site-a', sex: 'female', birthDate: '1980-01-01', weightKg: 60, heightCm: 165 });
    expect(direct.status).toBe(422);
  });
});
