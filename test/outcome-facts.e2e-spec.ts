import { DataSource } from 'typeorm';
import { Clock, Metrics, OutcomeFacts, OutcomeFactsRows, OutcomesService, type Actor } from '#domain';
import { trialRulesOf } from '#protocols';
import { PatientRepository } from '../libs/domain/src/persistence/repositories/patient-repository';
import { eligibleCd20Cd22Screening, release, toManufacturing, toSiteStorage } from '#testing';
import { TrialSite } from './support/trial-site';
import { startTestApp, type TestApp } from './support/test-app';

const DAY = 86_400_000;
const TRIAL = 'cd20-cd22';
const SITE_A: Actor = { id: 'user:a', name: 'A', role: 'coordinator', siteIds: ['site-a'] };
const SITE_B: Actor = { id: 'user:b', name: 'B', role: 'coordinator', siteIds: ['site-b'] };
const MONITOR: Actor = { id: 'user:m', name: 'M', role: 'monitor', siteIds: 'all' };

/**
 * The outcomes' read model (ADR 0021) against the outcomes computed from every patient's whole log,
 * on both databases: equal for every caller and date, after new entries, after the table is emptied or
 * its rows are spoiled, and brought up to the logs by the worker's beat without re-reading them whole;
 * with the memo of parsed readings at its default, off (0) and at one patient (1).
 */
describe.each([
  ['postgres', 'default'],
  ['sqlite', 'default'],
  ['postgres', '0'],
  ['sqlite', '0'],
  ['postgres', '1'],
  ['sqlite', '1'],
] as const)('the outcomes read model on %s, OUTCOMES_MEMO_PATIENTS %s', (kind, memo) => {
  let t: TestApp;
  let siteA: TrialSite;
  let siteB: TrialSite;
  let dataSource: DataSource;
  let service: OutcomesService;
  /** The outcomes as computed before the read model: every patient from its whole log. */
  let wholeLogs: OutcomesService;
  let facts: OutcomeFacts;
  let day0: number;
  const day = (n: number) => new Date(day0 + n * DAY + 10 * 3_600_000).toISOString();
  const ids: Record<string, string> = {};

  async function step(site: TrialSite, name: string, type: string, on: number, data: Record<string, unknown> = {}) {
    const res = await site.post(ids[name]!, { type, data, occurredAt: day(on) });
    if (res.status !== 200) throw new Error(`${type} on day ${on} failed: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async function infuse(site: TrialSite, name: string, apheresis: number, infused: number) {
    const id = ids[name]!;
    await site.custody(id, (coi) => toManufacturing(coi), day(apheresis));
    await site.custody(id, (coi) => [release(coi, `LOT-${name}`), ...toSiteStorage(coi)], day(infused - 8));
    await step(site, name, 'LYMPHODEPLETION_STARTED', infused - 5);
    await step(site, name, 'LYMPHODEPLETION_COMPLETED', infused - 3);
    await step(site, name, 'INFUSION_COMPLETED', infused, { cellsPerKg: 2e6 });
  }

  const lab = (site: TrialSite, name: string, code: string, on: number, value: number, unit: string) =>
    step(site, name, 'LAB_RESULT_RECORDED', on, { code, compartment: 'PB', value, unit, collectedAt: day(on) });

  const rows = async () =>
    (await dataSource.query('SELECT patient_id, seq FROM outcome_facts')).map((r: { patient_id: string; seq: number | string }) => [r.patient_id, Number(r.seq)]);
  const lastSeqs = async () => (await dataSource.query('SELECT id, last_seq FROM patients')).map((r: { id: string; last_seq: number | string }) => [r.id, Number(r.last_seq)]);

  /** How many readings the app's reads took from memory, parsed from a row, and folded, so far. */
  async function taken(metrics = t.app.get(Metrics)) {
    const values = (await metrics.outcomeReadings.get()).values;
    return Object.fromEntries(['memo', 'row', 'fold'].map((from) => [from, values.find((v) => v.labels.from === from)?.value ?? 0]));
  }
  const since = (before: Record<string, number>, after: Record<string, number>) => Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]]));

  /** The read model's answer equals the whole logs' for each caller, as of `asOf`. */
  async function expectEqual(asOf: string) {
    for (const actor of [SITE_A, SITE_B, MONITOR]) {
      const read = await service.outcomes(TRIAL, { asOf }, actor);
      expect(read).toEqual(await wholeLogs.outcomes(TRIAL, { asOf }, actor));
    }
  }

  beforeAll(async () => {
    t = await startTestApp(kind, memo === 'default' ? {} : { OUTCOMES_MEMO_PATIENTS: memo });
    dataSource = t.app.get(DataSource);
    service = t.app.get(OutcomesService);
    facts = t.app.get(OutcomeFacts);
    wholeLogs = new OutcomesService(t.app.get(PatientRepository), t.app.get(Clock), { readings: async () => new Map() } as unknown as OutcomeFacts);
    siteA = await TrialSite.open(t, 'site-a');
    siteB = await TrialSite.open(t, 'site-b');
    for (const [site, names, cohort] of [
      [siteA, ['nhl1', 'nhl2', 'failed'], 'B-NHL'],
      [siteA, ['all1'], 'B-ALL'],
      [siteB, ['nhl3', 'died'], 'B-NHL'],
    ] as const) {
      for (const name of names) {
        ids[name] = await site.register({ protocolId: TRIAL, cohort });
        await site.enrolled(ids[name]!, () => eligibleCd20Cd22Screening(cohort));
      }
    }
    day0 = (Math.floor(t.clock.now().getTime() / DAY) + 1) * DAY;
    t.clock.advanceDays(120);
    await infuse(siteA, 'nhl1', 0, 25);
    await infuse(siteA, 'nhl2', 1, 26);
    await infuse(siteA, 'all1', 2, 27);
    await infuse(siteB, 'nhl3', 3, 28);
    await siteA.custody(ids.failed!, (coi) => toManufacturing(coi), day(4));
    await step(siteA, 'failed', 'MANUFACTURING_FAILED', 20, { reason: 'insufficient expansion' });
    await siteB.custody(ids.died!, (coi) => toManufacturing(coi), day(5));
    await step(siteB, 'died', 'DEATH', 22, { cause: 'rapidly progressive disease' });
    // Kinetics, a cytokine peak, an ANC series (ICAHT), a test the outcomes do not read, responses, AEs.
    for (const [name, site, first] of [
      ['nhl1', siteA, 25],
      ['nhl3', siteB, 28],
    ] as const) {
      for (const d of [1, 4, 7, 14, 21]) await lab(site, name, 'CAR_COPIES', first + d, 1000 * d, 'copies/µg gDNA');
      await lab(site, name, 'IL6', first + 3, 250, 'pg/mL');
      for (const d of [1, 5, 10]) await lab(site, name, 'ANC', first + d, 0.3, '10^9/L');
      await lab(site, name, 'CRP', first + 2, 40, 'mg/L');
    }
    await step(siteA, 'nhl1', 'RESPONSE_ASSESSED', 53, { visit: 'W4', deauville: 2, newLesion: false });
    await step(siteA, 'nhl2', 'RESPONSE_ASSESSED', 54, { visit: 'W4', deauville: 5, newLesion: true });
    await step(siteA, 'nhl2', 'ADVERSE_EVENT_REPORTED', 54, { term: 'Pneumonia', grade: 3, onset: day(40), related: false, serious: true });
  }, 240_000);
  afterAll(() => t.close());

  it('answers as the whole logs do, for each caller, now and as of a past date, and keeps a row per patient at its log', async () => {
    const now = t.clock.now().toISOString();
    await expectEqual(now);
    // The answer through HTTP is the service's.
    const res = await siteA.get(`/trials/${TRIAL}/outcomes?asOf=${encodeURIComponent(now)}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(await service.outcomes(TRIAL, { asOf: now }, { ...SITE_A, id: 'x' }))));
    expect(res.body.infused).toBe(4);
    expect((await rows()).sort()).toEqual((await lastSeqs()).sort());
    // Before the responses and the labs (a date before the patients' last entries): read from the whole logs, still equal.
    await expectEqual(day(30));
    await expectEqual(day(52));
  });

  it('sees an entry as soon as it is written, whether the outcomes read it or only as contact', async () => {
    const before = await service.outcomes(TRIAL, {}, MONITOR);
    await step(siteB, 'nhl3', 'RESPONSE_ASSESSED', 56, { visit: 'W4', deauville: 1, newLesion: false });
    await lab(siteB, 'nhl3', 'CRP', 57, 5, 'mg/L');
    const after = await service.outcomes(TRIAL, {}, MONITOR);
    expect(after.response.orr.successes).toBe(before.response.orr.successes + 1);
    await expectEqual(t.clock.now().toISOString());
    // The last contact moved with the lab result the outcomes do not otherwise read.
    expect(after.survival.os).not.toEqual(before.survival.os);
  });

  it('folds on the worker beat only the patients whose logs grew, from the entries added', async () => {
    await step(siteA, 'nhl1', 'VISIT_COMPLETED', 60, { visit: 'W4' });
    await lab(siteA, 'nhl2', 'CAR_COPIES', 61, 200, 'copies/µg gDNA');
    expect(await facts.catchUp()).toBe(2);
    expect(await facts.catchUp()).toBe(0);
    expect((await rows()).sort()).toEqual((await lastSeqs()).sort());
    await expectEqual(t.clock.now().toISOString());
  });

  it('gives every reader the same answer when several fold the same emptied rows at once, beside the worker', async () => {
    const now = t.clock.now().toISOString();
    const expected = await wholeLogs.outcomes(TRIAL, { asOf: now }, MONITOR);
    await dataSource.query('DELETE FROM outcome_facts');
    const [answers] = await Promise.all([Promise.all([1, 2, 3, 4].map(() => service.outcomes(TRIAL, { asOf: now }, MONITOR))), facts.catchUp()]);
    for (const answer of answers) expect(answer).toEqual(expected);
    // The rows the racing folds left are whole: one per patient, at its log, and read again as the same answer.
    expect((await rows()).sort()).toEqual((await lastSeqs()).sort());
    expect(await service.outcomes(TRIAL, { asOf: now }, MONITOR)).toEqual(expected);
  });

  it('rebuilds what is missing or spoiled from the logs: an emptied table, a row behind, of other rules, not JSON', async () => {
    const now = t.clock.now().toISOString();
    const expected = await wholeLogs.outcomes(TRIAL, { asOf: now }, MONITOR);
    await dataSource.query('DELETE FROM outcome_facts');
    expect(await service.outcomes(TRIAL, { asOf: now }, MONITOR)).toEqual(expected);
    expect(await rows()).toHaveLength(Object.keys(ids).length);
    const param = kind === 'postgres' ? '$1' : '?';
    await dataSource.query(`UPDATE outcome_facts SET seq = 3 WHERE patient_id = ${param}`, [ids.nhl1]);
    await dataSource.query(`UPDATE outcome_facts SET rules_key = 'other' WHERE patient_id = ${param}`, [ids.nhl3]);
    await dataSource.query(`UPDATE outcome_facts SET reading = 'not json', fold = 'not json' WHERE patient_id = ${param}`, [ids.all1]);
    expect(await service.outcomes(TRIAL, { asOf: now }, MONITOR)).toEqual(expected);
    expect((await rows()).sort()).toEqual((await lastSeqs()).sort());
    // A row spoiled in the same way but still in step with its log would be believed: the read model is
    // derived, and a rewrite of the database behind the engine is for the audit chain to find.
  });

  it('answers a read in full when the database refuses to store the rows it folded, and writes none of them', async () => {
    // The rows behind (two logs grew, one row is gone) are folded by the read below, whose store the database refuses.
    await step(siteA, 'nhl1', 'VISIT_COMPLETED', 62, { visit: 'W12' });
    await lab(siteB, 'nhl3', 'ANC', 63, 1.2, '10^9/L');
    const param = kind === 'postgres' ? '$1' : '?';
    await dataSource.query(`DELETE FROM outcome_facts WHERE patient_id = ${param}`, [ids.all1]);
    const snapshot = () => dataSource.query('SELECT patient_id, seq, rules_key, cohort, through, fold, reading FROM outcome_facts ORDER BY patient_id');
    const before = await snapshot();
    const refuse =
      kind === 'postgres'
        ? [
            "CREATE FUNCTION refuse_outcome_facts() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'outcome_facts is read-only here'; END $$ LANGUAGE plpgsql",
            'CREATE TRIGGER refuse_outcome_facts BEFORE INSERT OR UPDATE ON outcome_facts FOR EACH ROW EXECUTE FUNCTION refuse_outcome_facts()',
          ]
        : [
            "CREATE TRIGGER refuse_outcome_facts_insert BEFORE INSERT ON outcome_facts BEGIN SELECT RAISE(ABORT, 'outcome_facts is read-only here'); END",
            "CREATE TRIGGER refuse_outcome_facts_update BEFORE UPDATE ON outcome_facts BEGIN SELECT RAISE(ABORT, 'outcome_facts is read-only here'); END",
          ];
    const allow =
      kind === 'postgres'
        ? ['DROP TRIGGER refuse_outcome_facts ON outcome_facts', 'DROP FUNCTION refuse_outcome_facts()']
        : ['DROP TRIGGER refuse_outcome_facts_insert', 'DROP TRIGGER refuse_outcome_facts_update'];
    for (const statement of refuse) await dataSource.query(statement);
    try {
      const now = t.clock.now().toISOString();
      const res = await siteA.get(`/trials/${TRIAL}/outcomes?asOf=${encodeURIComponent(now)}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(JSON.parse(JSON.stringify(await wholeLogs.outcomes(TRIAL, { asOf: now }, SITE_A))));
      await expectEqual(now);
      expect(await snapshot()).toEqual(before);
    } finally {
      for (const statement of allow) await dataSource.query(statement);
    }
    // Once the table takes writes again, the next read stores the rows at their logs.
    await expectEqual(t.clock.now().toISOString());
    expect((await rows()).sort()).toEqual((await lastSeqs()).sort());
  });

  it('takes the readings of a read that follows another from memory, as many as OUTCOMES_MEMO_PATIENTS keeps, and parses only the rest', async () => {
    const now = t.clock.now().toISOString();
    await service.outcomes(TRIAL, { asOf: now }, MONITOR);
    const before = await taken();
    const answer = await service.outcomes(TRIAL, { asOf: now }, SITE_B);
    const read = since(before, await taken());
    expect(answer).toEqual(await wholeLogs.outcomes(TRIAL, { asOf: now }, SITE_B));
    const patients = Object.keys(ids).length;
    const kept = Math.min(t.config.outcomesMemoPatients, patients);
    expect(read).toEqual({ memo: kept, row: patients - kept, fold: 0 });
    expect((await t.app.get(Metrics).outcomeReadingsKept.get()).values[0]?.value ?? 0).toBe(kept);
  });

  it("keeps no reading of the rows the worker's beat folds: the first read after it parses them all", async () => {
    // The beat's service as a worker process has it: its own memo and metrics, nothing read before.
    const metrics = new Metrics();
    const beat = new OutcomeFacts(t.app.get(OutcomeFactsRows), t.config, metrics);
    await dataSource.query('DELETE FROM outcome_facts');
    expect(await beat.catchUp()).toBe(Object.keys(ids).length);
    expect((await metrics.outcomeReadingsKept.get()).values[0]?.value ?? 0).toBe(0);
    const rules = trialRulesOf(TRIAL)!;
    const patients = await t.app.get(PatientRepository).ofTrial({ id: rules.id }, 'all');
    expect((await beat.readings(rules, patients, t.clock.now().toISOString())).size).toBe(patients.length);
    expect(await taken(metrics)).toEqual({ memo: 0, row: patients.length, fold: 0 });
  });

  it('reads the rows of more patients than one query takes, a chunk of ids at a time, and sizes each reading in bytes', async () => {
    const table = t.app.get(OutcomeFactsRows);
    const unknown = Array.from({ length: 2500 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    // The patients' ids come last: past the first chunks, which hold no row.
    const asked = [...unknown, ...Object.values(ids)];
    const stored = await rows();
    for (const found of [await table.heads(asked), await table.texts(asked, 'fold'), await table.texts(asked, 'reading')]) {
      expect([...found.entries()].map(([id, row]) => [id, row.seq]).sort()).toEqual(stored.sort());
    }
    // A head's size is the reading's length in bytes (the units hold "µ"), as the memo measures what it parsed.
    const texts = await table.texts(asked, 'reading');
    expect([...texts.values()].some((row) => row.text.includes('µ'))).toBe(true);
    for (const [id, head] of await table.heads(asked)) expect(head.size).toBe(Buffer.byteLength(texts.get(id)!.text));
  });
});
