import { DataSource } from 'typeorm';
import { entryHash, PatientEventEntity } from '#domain';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';
import { actorProblems, patientRow, readLog, verifyAudit } from './support/invariants';

/**
 * The audit trail on PostgreSQL: /audit/verify walks a patient's hash chain and checks that the
 * stored snapshot is what replaying the log from registration gives. Each tampering below is done
 * straight in the database, the way someone with database access (and not the API) would.
 */
describe('the audit trail', () => {
  let t: TestApp;
  let site: TrialSite;
  let monitor: string;
  let otherMonitor: string;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
    monitor = await createUser(t, 'monitor', ['site-a']);
    otherMonitor = await createUser(t, 'monitor', ['site-b']);
  });
  afterAll(() => t.close());

  const db = () => t.app.get(DataSource);

  /** Registration, consent (seq 2), screening, eligibility sign-off, enrollment, the chain of custody from the collection to the release (seq 6 to 10): 10 entries. */
  async function walked(): Promise<string> {
    const id = await site.register();
    await site.released(id);
    return id;
  }

  const verify = async (patientId?: string, token = monitor) => {
    const res = await verifyAudit(t, token, patientId);
    expect(res.status).toBe(200);
    return res.body;
  };

  /** Recomputes the hash of every entry from `fromSeq` on, as a forger with database access would. */
  async function rehashFrom(patientId: string, fromSeq: number) {
    const rows = await db()
      .getRepository(PatientEventEntity)
      .find({ where: { patientId }, order: { seq: 'ASC' } });
    let prevHash = rows[fromSeq - 2].hash;
    for (const row of rows.slice(fromSeq - 1)) {
      const hash = entryHash(prevHash, row);
      await db().query('UPDATE patient_events SET prev_hash = $1, hash = $2 WHERE patient_id = $3 AND seq = $4', [prevHash, hash, patientId, row.seq]);
      prevHash = hash;
    }
    await db().query('UPDATE patients SET last_hash = $1 WHERE id = $2', [prevHash, patientId]);
  }

  it('verifies an untouched patient: every entry checked, nothing broken', async () => {
    const id = await walked();
    expect(await verify(id)).toEqual({ ok: true, patientsChecked: 1, entriesChecked: 10, firstBroken: null, broken: [], checkpoint: null, checkpointProblem: null });
  });

  it('names a log entry changed in the database as the first broken one; other patients still verify', async () => {
    const untouched = await walked();
    const id = await walked();
    const changed = await db().query(`UPDATE patient_events SET data = '{"consentVersion":"forged"}' WHERE patient_id = $1 AND seq = 2`, [id]);
    expect(changed[1]).toBe(1);

    expect(await verify(id)).toEqual({
      ok: false,
      patientsChecked: 1,
      entriesChecked: 10,
      firstBroken: { patientId: id, seq: 2, problem: 'hash does not match the entry' },
      broken: [{ patientId: id, seq: 2, problem: 'hash does not match the entry' }],
      checkpoint: null,
      checkpointProblem: null,
    });
    // Through the API the log still shows the forged value: only the chain tells.
    expect((await readLog(t, id, site.coordinator))[1].data).toEqual({ consentVersion: 'forged' });
    expect(await verify(untouched)).toMatchObject({ ok: true, firstBroken: null });
    // Verifying every patient of the site names each broken one, and only those.
    const all = await verify();
    expect(all.ok).toBe(false);
    expect(all.broken).toContainEqual({ patientId: id, seq: 2, problem: 'hash does not match the entry' });
    expect(all.broken.map((b) => b.patientId)).not.toContain(untouched);
    expect(all.firstBroken).toEqual(all.broken[0]);
  });

  it("names the next entry when a forger also recomputes the changed entry's own hash", async () => {
    const id = await walked();
    const row = (await db().getRepository(PatientEventEntity).findOneByOrFail({ patientId: id, seq: 2 }))!;
    const forged = { ...row, data: { consentVersion: 'forged' } };
    await db().query('UPDATE patient_events SET data = $1, hash = $2 WHERE patient_id = $3 AND seq = 2', [JSON.stringify(forged.data), entryHash(row.prevHash, forged), id]);
    expect((await verify(id)).firstBroken).toEqual({ patientId: id, seq: 3, problem: 'prevHash does not match the previous entry' });
  });

  it('catches a forger who rewrites the whole chain consistently, by replaying the log', async () => {
    const id = await walked();
    await db().query(`UPDATE patient_events SET data = '{"consentVersion":"forged"}' WHERE patient_id = $1 AND seq = 2`, [id]);
    await rehashFrom(id, 2);
    // The chain itself now holds; the stored snapshot (consent v1.0) is not what the forged log replays to.
    expect(await verify(id)).toEqual({
      ok: false,
      patientsChecked: 1,
      entriesChecked: 10,
      firstBroken: { patientId: id, seq: 10, problem: 'the stored snapshot differs from replaying the log' },
      broken: [{ patientId: id, seq: 10, problem: 'the stored snapshot differs from replaying the log' }],
      checkpoint: null,
      checkpointProblem: null,
    });
  });

  it('names a deleted log entry as a gap in seq', async () => {
    const id = await walked();
    const deleted = await db().query('DELETE FROM patient_events WHERE patient_id = $1 AND seq = 3', [id]);
    expect(deleted[1]).toBe(1);
    expect(await verify(id)).toEqual({
      ok: false,
      patientsChecked: 1,
      entriesChecked: 9,
      firstBroken: { patientId: id, seq: 4, problem: 'expected seq 3, found 4' },
      broken: [{ patientId: id, seq: 4, problem: 'expected seq 3, found 4' }],
      checkpoint: null,
      checkpointProblem: null,
    });
    // The log read pages by seq, not by position: past the gap, "after 3" is 4 on, not the entries after the third row left.
    const seqs = async (afterSeq: number) => ((await site.get(`/patients/${id}/events?afterSeq=${afterSeq}`)).body as Array<{ seq: number }>).map((e) => e.seq);
    expect(await seqs(2)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(await seqs(3)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(await seqs(5)).toEqual([6, 7, 8, 9, 10]);
  });

  it('catches the last entry deleted (no gap left behind), by the head the patient row keeps', async () => {
    const id = await walked();
    await db().query('DELETE FROM patient_events WHERE patient_id = $1 AND seq = 10', [id]);
    const answer = await verify(id);
    expect(answer.ok).toBe(false);
    expect(answer.firstBroken).toEqual({ patientId: id, seq: 10, problem: 'the patient record ends at seq 10, but the log ends at seq 9' });
  });

  // Deleting the newest entries and putting back the snapshot they started from (replaying the
  // shortened log gives it) is caught by the head the patient row keeps (last_seq, last_hash).
  it('catches the newest entry deleted together with its snapshot change, by the head the patient row keeps', async () => {
    const id = await site.register();
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    const [{ snapshot }] = await db().query('SELECT snapshot FROM patients WHERE id = $1', [id]);
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v2.0' });
    await db().query('DELETE FROM patient_events WHERE patient_id = $1 AND seq = 3', [id]);
    await db().query('UPDATE patients SET snapshot = $1 WHERE id = $2', [snapshot, id]);
    expect(await patientRow(t, id)).toMatchObject({ lastSeq: 3, version: 3 });
    expect((await verify(id)).firstBroken).toEqual({ patientId: id, seq: 3, problem: 'the patient record ends at seq 3, but the log ends at seq 2' });
  });

  it('reports a patient snapshot edited in the database as differing from the replay of its log', async () => {
    const id = await walked();
    const [{ snapshot }] = await db().query('SELECT snapshot FROM patients WHERE id = $1', [id]);
    const edited = JSON.parse(snapshot);
    expect(edited.context.patient.weightKg).toBe(70);
    edited.context.patient.weightKg = 95;
    await db().query('UPDATE patients SET snapshot = $1 WHERE id = $2', [JSON.stringify(edited), id]);
    expect(await verify(id)).toEqual({
      ok: false,
      patientsChecked: 1,
      entriesChecked: 10,
      firstBroken: { patientId: id, seq: 10, problem: 'the stored snapshot differs from replaying the log' },
      broken: [{ patientId: id, seq: 10, problem: 'the stored snapshot differs from replaying the log' }],
      checkpoint: null,
      checkpointProblem: null,
    });
  });

  it('names a patient whose entry data or snapshot was changed into text that is not JSON, and still checks the others', async () => {
    const untouched = await walked();
    const dataChanged = await walked();
    const snapshotChanged = await walked();
    await db().query(`UPDATE patient_events SET data = '{"consentVersion": ' WHERE patient_id = $1 AND seq = 2`, [dataChanged]);
    await db().query(`UPDATE patients SET snapshot = 'not json' WHERE id = $1`, [snapshotChanged]);
    const all = await verify();
    expect(all.ok).toBe(false);
    expect(all.broken).toEqual(
      expect.arrayContaining([
        { patientId: dataChanged, seq: 2, problem: 'hash does not match the entry' },
        { patientId: snapshotChanged, seq: 10, problem: 'the stored snapshot differs from replaying the log' },
      ]),
    );
    expect(all.broken.map((b: { patientId: string }) => b.patientId)).not.toContain(untouched);
    expect(await verify(untouched)).toMatchObject({ ok: true, broken: [] });
  });

  it('lets monitors and admins verify, within their own sites: a coordinator gets 403, another site 404', async () => {
    const id = await walked();
    const coordinator = await verifyAudit(t, site.coordinator, id);
    expect(coordinator.status).toBe(403);
    expect(coordinator.body).toMatchObject({ error: 'forbidden' });
    expect((await verifyAudit(t, site.coordinator)).status).toBe(403);
    expect((await verifyAudit(t, site.investigator, id)).status).toBe(403);
    const elsewhere = await verifyAudit(t, otherMonitor, id);
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body).toMatchObject({ error: 'not_found' });
    expect(await verify(undefined, otherMonitor)).toMatchObject({ ok: true, patientsChecked: 0, entriesChecked: 0 });
    expect(await verify(id, t.adminToken)).toMatchObject({ ok: true, entriesChecked: 10 });
    expect((await verifyAudit(t, monitor, 'not-a-uuid')).status).toBe(400);
  });

  it("writes the actor on every entry: user:<id> with the user's name, or system:scheduler", async () => {
    const users = (await t.http.get('/users').set('Authorization', `Bearer ${t.adminToken}`)).body as Array<{ id: string; name: string }>;
    const idOf = (name: string) => users.find((u) => u.name === name)!.id;
    const coordinatorActor = `user:${idOf('coordinator of site-a')}`;
    const investigatorActor = `user:${idOf('investigator of site-a')}`;

    // Infused 29 days ago: the visit and DLT-window timers already due fire at once, as the scheduler.
    const id = await site.register();
    t.clock.advanceDays(-40);
    await site.readyForInfusion(id);
    t.clock.advanceDays(40);
    const occurredAt = new Date(t.clock.now().getTime() - 29 * 86_400_000).toISOString();
    expect((await site.post(id, { type: 'INFUSION_COMPLETED', occurredAt, data: { cellsPerKg: 7e6 } })).status).toBe(200);
    await eventually(async () => (await patientRow(t, id)).state === 'responseAssessment', 10_000, 'the past-due DLT timer');

    const log = await readLog(t, id, monitor);
    expect(actorProblems(log)).toEqual([]);
    const byActor = (actor: string) => log.filter((e) => e.actor === actor);
    expect(byActor(investigatorActor).map((e) => e.type)).toEqual(['ELIGIBILITY_CONFIRMED']);
    expect(byActor(investigatorActor)[0].actorName).toBe('investigator of site-a');
    expect(byActor(coordinatorActor).map((e) => e.type)).toEqual([
      'PATIENT_REGISTERED',
      'CONSENT_SIGNED',
      'SCREENING_DATA_RECORDED',
      'ENROLLED',
      'LEUKAPHERESIS_COMPLETED',
      'APHERESIS_SHIPPED',
      'APHERESIS_RECEIVED',
      'MANUFACTURING_STARTED',
      'PRODUCT_RELEASED',
      'PRODUCT_SHIPPED',
      'PRODUCT_RECEIVED',
      'PRODUCT_STORED',
      'LYMPHODEPLETION_STARTED',
      'LYMPHODEPLETION_COMPLETED',
      'PRODUCT_THAWED',
      'INFUSION_COMPLETED',
    ]);
    expect(new Set(byActor(coordinatorActor).map((e) => e.actorName))).toEqual(new Set(['coordinator of site-a']));
    const scheduled = byActor('system:scheduler');
    expect(scheduled.map((e) => e.type)).toEqual(expect.arrayContaining(['VISIT_REMINDER', 'VISIT_MISSED', 'DLT_WINDOW_CLOSED']));
    expect(new Set(scheduled.map((e) => e.actorName))).toEqual(new Set(['Scheduler']));
    expect(byActor(coordinatorActor).length + byActor(investigatorActor).length + scheduled.length).toBe(log.length);
    // The scheduler's entries are chained and replayed like anyone's.
    expect(await verify(id)).toEqual({ ok: true, patientsChecked: 1, entriesChecked: log.length, firstBroken: null, broken: [], checkpoint: null, checkpointProblem: null });
  });
});
