import { DataSource } from 'typeorm';
import { type Clock, DeviationFacts, DeviationService, type Actor } from '#domain';
import { PatientRepository } from '../libs/domain/src/persistence/repositories/patient-repository';
import { TrialSite } from './support/trial-site';
import { settleDueTimers } from './support/timers';
import { startTestApp, type TestApp } from './support/test-app';

const DAY = 86_400_000;
const TRIAL = 'cd19-rr-all';
const SITE_A: Actor = { id: 'user:a', name: 'A', role: 'coordinator', siteIds: ['site-a'] };
const SITE_B: Actor = { id: 'user:b', name: 'B', role: 'investigator', siteIds: ['site-b'] };
const MONITOR: Actor = { id: 'user:m', name: 'M', role: 'monitor', siteIds: 'all' };

/**
 * The deviations' read model (ADR 0024) against the deviations computed from every patient's whole
 * log, on both databases: equal for every caller and site, as of now and as windows close with
 * nothing written, after new and late entries, after the table is emptied or its rows are spoiled,
 * and brought up to the logs by the worker's beat from the entries added.
 */
describe.each(['postgres', 'sqlite'] as const)('the deviations read model on %s', (kind) => {
  let t: TestApp;
  let siteA: TrialSite;
  let siteB: TrialSite;
  let dataSource: DataSource;
  let service: DeviationService;
  /** The deviations as computed before the read model: every patient from its whole log. */
  let wholeLogs: DeviationService;
  let facts: DeviationFacts;
  let day0: number;
  /** The time both services read as now: the test clock's, pinned for the length of one comparison. */
  let pinnedAt = new Date();
  const pinned = { now: () => pinnedAt } as Clock;
  const pin = () => (pinnedAt = t.clock.now());
  /** Site A: D7 done on Day 0 (before its window), D14 missed; a DLT reported late. */
  let early: string;
  /** Site A: D7 on time, D14 missed; a deviation recorded by hand. */
  let onTime: string;
  /** Site A: died on Day 0; a deviation entered late, dated on Day 0. */
  let died: string;
  /** Site B: no visit done. */
  let elsewhere: string;
  const iso = (day: number, hours = 1) => new Date(day0 + day * DAY + hours * 3_600_000).toISOString();

  const rows = async () =>
    (await dataSource.query('SELECT patient_id, seq FROM deviation_facts')).map((r: { patient_id: string; seq: number | string }) => [r.patient_id, Number(r.seq)]);
  const lastSeqs = async () => (await dataSource.query('SELECT id, last_seq FROM patients')).map((r: { id: string; last_seq: number | string }) => [r.id, Number(r.last_seq)]);
  const param = () => (kind === 'postgres' ? '$1' : '?');

  /** The read model's answer equals the whole logs' for each caller, whole and narrowed to a site; no caller sees another site's patients. */
  async function expectEqual() {
    pin();
    for (const actor of [SITE_A, SITE_B, MONITOR]) {
      for (const filter of [{}, { siteId: 'site-a' }, { siteId: 'site-b' }]) {
        const read = await service.ofTrial(TRIAL, filter, actor);
        expect(read).toEqual(await wholeLogs.ofTrial(TRIAL, filter, actor));
        if (actor.siteIds !== 'all') {
          expect(read.deviations.every((d) => actor.siteIds.includes(d.siteId))).toBe(true);
          expect(read.sites.every((s) => actor.siteIds.includes(s.siteId))).toBe(true);
        }
      }
    }
  }

  beforeAll(async () => {
    t = await startTestApp(kind);
    dataSource = t.app.get(DataSource);
    facts = t.app.get(DeviationFacts);
    service = new DeviationService(t.app.get(PatientRepository), pinned, facts);
    wholeLogs = new DeviationService(t.app.get(PatientRepository), pinned, { readings: async () => new Map() } as unknown as DeviationFacts);
    siteA = await TrialSite.open(t, 'site-a');
    siteB = await TrialSite.open(t, 'site-b');
    early = await siteA.infused();
    onTime = await siteA.infused();
    died = await siteA.infused();
    elsewhere = await siteB.infused();
    day0 = Date.parse((await siteA.get(`/patients/${early}`)).body.day0);
    await siteA.record(early, 'VISIT_COMPLETED', { visit: 'D7' });
    await siteA.record(died, 'DEATH', { cause: 'sepsis' });
    t.clock.advanceDays(7);
    await siteA.record(onTime, 'VISIT_COMPLETED', { visit: 'D7' });
  }, 240_000);
  afterAll(() => t?.close());

  it('answers as the whole logs do for each caller and site, and keeps a row per patient at its log', async () => {
    await expectEqual();
    const answer = await service.ofTrial(TRIAL, {}, MONITOR);
    expect(answer.deviations.map((d) => [d.patientId, d.id])).toEqual([[early, 'visit-out-of-window:D7']]);
    // The answer through HTTP is the service's, at the caller's sites only.
    const res = await siteB.get(`/trials/${TRIAL}/deviations`);
    expect(res.status).toBe(200);
    pin();
    expect({ ...res.body, asOf: null }).toEqual(JSON.parse(JSON.stringify({ ...(await service.ofTrial(TRIAL, {}, SITE_B)), asOf: null })));
    expect(res.body.sites.map((s: { siteId: string }) => s.siteId)).toEqual(['site-b']);
    expect((await rows()).sort()).toEqual((await lastSeqs()).sort());
  });

  it('misses a visit once its window closes with nothing written, as the whole logs do', async () => {
    const rowsBefore = await rows();
    // Day 20: D14's window (day 12 to day 16) has closed; the scheduler's timers have not run.
    t.clock.advanceDays(13);
    await expectEqual();
    pin();
    const missed = (await service.ofTrial(TRIAL, {}, MONITOR)).deviations.filter((d) => d.id === 'visit-missed:D14').map((d) => d.patientId);
    expect(missed.sort()).toEqual([early, onTime, elsewhere].sort());
    // Nothing was folded: the rows kept the open visits.
    expect(await rows()).toEqual(rowsBefore);
    // The timers mark them missed in the logs: the same answer, from rows folded forward.
    await settleDueTimers(t);
    t.clock.advanceDays(10);
    await settleDueTimers(t);
    await expectEqual();
    expect((await rows()).sort()).toEqual((await lastSeqs()).sort());
  });

  it('sees new entries and a late entry as soon as they are written', async () => {
    pin();
    const before = await service.ofTrial(TRIAL, {}, MONITOR);
    await siteA.record(early, 'ADVERSE_EVENT_REPORTED', { term: 'Hepatic failure', grade: 4, onset: iso(20), related: true, serious: true });
    await siteA.record(onTime, 'PROTOCOL_DEVIATION_RECORDED', { category: 'consent', severity: 'major', description: 'Consent not re-signed', rule: 'Protocol 12.1' });
    const late = await siteA.post(died, {
      type: 'PROTOCOL_DEVIATION_RECORDED',
      occurredAt: iso(0, 0),
      data: { category: 'procedure', severity: 'minor', description: 'Vital signs not taken', rule: 'Protocol 8.3' },
    });
    expect(late.status).toBe(200);
    pin();
    const after = await service.ofTrial(TRIAL, {}, MONITOR);
    expect(after.deviations.length).toBe(before.deviations.length + 3);
    expect(after.deviations.filter((d) => d.patientId === early && d.kind === 'late-dlt')).toHaveLength(1);
    // The late entry, dated Day 0, is listed first.
    expect(after.deviations[0]).toMatchObject({ patientId: died, kind: 'recorded', at: iso(0, 0) });
    await expectEqual();
    // Site B sees none of it.
    expect((await service.ofTrial(TRIAL, {}, SITE_B)).deviations.every((d) => d.patientId === elsewhere)).toBe(true);
  });

  it('folds on the worker beat only the patients whose logs grew, from the entries added', async () => {
    await siteA.record(onTime, 'UNSCHEDULED_VISIT_COMPLETED', { reason: 'Fever of 38.6 °C, seen in clinic' });
    await siteB.record(elsewhere, 'PROTOCOL_DEVIATION_RECORDED', { category: 'procedure', severity: 'minor', description: 'Late ECG', rule: 'Protocol 8.4' });
    expect(await facts.catchUp()).toBe(2);
    expect(await facts.catchUp()).toBe(0);
    expect((await rows()).sort()).toEqual((await lastSeqs()).sort());
    await expectEqual();
  });

  it('gives every reader the same answer when several fold the same emptied rows at once, beside the worker', async () => {
    pin();
    const expected = await wholeLogs.ofTrial(TRIAL, {}, MONITOR);
    await dataSource.query('DELETE FROM deviation_facts');
    const [answers] = await Promise.all([Promise.all([1, 2, 3].map(() => service.ofTrial(TRIAL, {}, MONITOR))), facts.catchUp()]);
    for (const answer of answers) expect(answer).toEqual(expected);
    expect((await rows()).sort()).toEqual((await lastSeqs()).sort());
  });

  it('rebuilds what is missing or spoiled from the logs: an emptied table, a row behind, of other rules, not JSON, a fold at another seq', async () => {
    await dataSource.query('DELETE FROM deviation_facts');
    await expectEqual();
    expect(await rows()).toHaveLength(4);
    await dataSource.query(`UPDATE deviation_facts SET seq = 3 WHERE patient_id = ${param()}`, [early]);
    await dataSource.query(`UPDATE deviation_facts SET rules_key = 'other' WHERE patient_id = ${param()}`, [elsewhere]);
    await dataSource.query(`UPDATE deviation_facts SET reading = 'not json', fold = 'not json' WHERE patient_id = ${param()}`, [onTime]);
    // The fold says it holds fewer entries than the row: neither is folded onto.
    const [{ fold }] = await dataSource.query(`SELECT fold FROM deviation_facts WHERE patient_id = ${param()}`, [died]);
    await dataSource.query(`UPDATE deviation_facts SET fold = ${param()}, reading = 'null' WHERE patient_id = ${kind === 'postgres' ? '$2' : '?'}`, [
      JSON.stringify({ ...JSON.parse(fold), seq: 5, entries: [] }),
      died,
    ]);
    await expectEqual();
    expect((await rows()).sort()).toEqual((await lastSeqs()).sort());
    // And a row folded forward after the spoiling reads the same as one folded from the start.
    const late = await siteA.post(died, {
      type: 'PROTOCOL_DEVIATION_RECORDED',
      occurredAt: iso(0, 0),
      data: { category: 'other', severity: 'minor', description: 'Source document missing', rule: 'Protocol 14.2' },
    });
    expect(late.status).toBe(200);
    await expectEqual();
  });
});
