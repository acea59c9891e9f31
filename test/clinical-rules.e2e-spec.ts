import { eligibleCd20Cd22Screening, eligibleCd22Screening, eligibleCd38Screening, type DatabaseKind } from '#testing';
import { startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';

const DAY = 86_400_000;
const KINDS: DatabaseKind[] = ['postgres', 'sqlite'];

/**
 * Clinical rules against their published sources, through the HTTP API: CTCAE v5.0 grades per term,
 * the seeds' cell dose ranges, the CRS DLT exception ("resolves to grade ≤ 1 within 7 days"), the
 * ASTCT note that antipyretics mask fever, and Lugano 2014 with PET-CT and per-lesion progression.
 * Each refusal is checked to write nothing.
 */
describe.each(KINDS)('clinical rules against their sources, on %s', (kind) => {
  let t: TestApp;
  let site: TrialSite;

  beforeAll(async () => {
    t = await startTestApp(kind);
    site = await TrialSite.open(t, 'site-a');
  });
  afterAll(() => t?.close());

  const patient = async (id: string) => (await site.get(`/patients/${id}`)).body;
  const log = async (id: string) => (await site.get(`/patients/${id}/events?limit=1000`)).body as Array<{ seq: number; type: string }>;
  const daysAfter = (from: string, days: number) => new Date(Date.parse(from) + days * DAY).toISOString();

  /** Posts an event that must be refused with `status`; the patient and its log stay exactly as they were. */
  async function refused(id: string, body: Record<string, unknown>, status: number, token = site.coordinator) {
    if (body.type === 'INFUSION_COMPLETED') await site.thawed(id); // the bag at the bedside, so only the rule under test refuses
    const before = { patient: await patient(id), log: await log(id) };
    const res = await site.post(id, body, token);
    expect(res.status).toBe(status);
    expect(await log(id)).toEqual(before.log);
    const after = await patient(id);
    expect([after.version, after.state, after.record]).toEqual([before.patient.version, before.patient.state, before.patient.record]);
    return res.body;
  }

  describe('CTCAE v5.0: a grade the term does not have (CTCAE prints "–")', () => {
    let id: string;
    beforeAll(async () => {
      id = await site.infused();
    });
    const ae = (term: string, grade: number) => ({ term, grade, onset: t.clock.now().toISOString(), related: false, serious: false });

    it.each([
      ['Nausea', 4, 3],
      ['Fatigue', 4, 3],
      ['Alopecia', 3, 2],
      ['Fatigue', 5, 3],
    ])('refuses %s grade %i, naming the term, the grade and its highest grade %i', async (term, grade, highest) => {
      const body = await refused(id, { type: 'ADVERSE_EVENT_REPORTED', data: ae(term, grade) }, 422);
      expect(body).toEqual({
        error: 'refused',
        message: expect.stringContaining(`CTCAE v5.0 has no grade ${grade} for ${term}`),
        reasons: [`${term}: CTCAE v5.0 has no grade ${grade} for ${term} (it has grades 1–${highest}; the highest is ${highest})`],
      });
    });

    it('refuses a grade below the lowest the term has, on the adverse-event route too', async () => {
      const before = await log(id);
      const res = await t.http.post(`/patients/${id}/adverse-events`).set('Authorization', `Bearer ${site.coordinator}`).send(ae('Hepatic failure', 2));
      expect(res.status).toBe(422);
      expect(res.body.reasons).toEqual(['Hepatic failure: CTCAE v5.0 has no grade 2 for Hepatic failure (it has grades 3–5; the lowest is 3)']);
      expect(await log(id)).toEqual(before);
    });

    it('records the highest grade each term has, and a term the table does not list on the general scale', async () => {
      for (const [term, grade] of [
        ['Nausea', 3],
        ['Fatigue', 3],
        ['Alopecia', 2],
        ['Pneumonia', 5],
      ] as const) {
        const recorded = await site.record(id, 'ADVERSE_EVENT_REPORTED', ae(term, grade));
        expect(recorded.result).toMatchObject({ grade, scale: 'CTCAE v5.0' });
      }
    });
  });

  describe('cell doses exactly as the seeds give them', () => {
    it('publishes each trial’s range and keeps every level inside it', async () => {
      const seeds: Record<string, [number, number]> = {
        NCT03754764: [1e6, 5e6],
        'cd19-rr-all': [5e6, 10e6],
        NCT04546906: [0.5e6, 3e6],
        'cd20-cd22': [1e6, 5e6],
      };
      for (const [protocolId, [min, max]] of Object.entries(seeds)) {
        const definition = (await site.get(`/protocols/${protocolId}`)).body;
        expect(definition.cellDoseRange).toMatchObject({ minCellsPerKg: min, maxCellsPerKg: max });
        for (const level of definition.doseLevels) {
          expect(level.minCellsPerKg).toBeGreaterThanOrEqual(min);
          expect(level.maxCellsPerKg).toBeLessThanOrEqual(max);
        }
      }
    });

    it('refuses 0.9 and 0.99 ×10⁶/kg on the CD38 trial (seeds 000/001: 1–5 ×10⁶/kg) and takes 1.0', async () => {
      const id = await site.register({ protocolId: 'NCT03754764' });
      await site.readyForInfusion(id, eligibleCd38Screening);
      t.clock.advanceDays(8); // after any earlier CD38 infusion's 7-day stagger
      for (const [cellsPerKg, words] of [
        [0.9e6, 'cell dose 0.9 ×10⁶/kg is below the assigned dose level 1 range of 1–1.2 ×10⁶/kg'],
        [0.99e6, 'cell dose 0.99 ×10⁶/kg is below the assigned dose level 1 range of 1–1.2 ×10⁶/kg'],
        [1.21e6, 'cell dose 1.21 ×10⁶/kg is above the assigned dose level 1 range of 1–1.2 ×10⁶/kg'],
      ] as const) {
        const body = await refused(id, { type: 'INFUSION_COMPLETED', data: { cellsPerKg } }, 422);
        expect(body.reasons).toEqual([words]);
      }
      const infused = await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: 1e6 });
      expect(infused.result).toMatchObject({ doseLevel: 1, cellsPerKg: 1e6 });
      expect(infused.patient.state).toBe('dltWindow');
    });

    it('takes the CD19 trial’s 5 and 10 ×10⁶/kg (seed 002: 5~10×10E6/kg) and refuses just outside', async () => {
      const id = await site.register();
      await site.readyForInfusion(id);
      for (const cellsPerKg of [4.99e6, 10.01e6]) await refused(id, { type: 'INFUSION_COMPLETED', data: { cellsPerKg } }, 422);
      expect((await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: 10e6 })).patient.state).toBe('dltWindow');
      const other = await site.register();
      await site.readyForInfusion(other);
      expect((await site.record(other, 'INFUSION_COMPLETED', { cellsPerKg: 5e6 })).patient.state).toBe('dltWindow');
    });
  });

  describe('the CRS exception "resolves to grade ≤ 1 within 7 days" (NCT04546906)', () => {
    const crs = { temperatureC: 39.4, hypotension: true, vasopressors: 1, oxygen: 'none' };

    async function withGrade3Crs() {
      const id = await site.register({ protocolId: 'NCT04546906' });
      await site.readyForInfusion(id, eligibleCd22Screening);
      await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: 1e6 });
      const onset = t.clock.now().toISOString();
      const report = { term: 'Cytokine release syndrome', crs, onset, related: true, serious: true };
      const first = await site.record(id, 'ADVERSE_EVENT_REPORTED', report);
      expect(first.result).toMatchObject({
        grade: 3,
        dlt: true,
        provisional: true,
        dltReason: expect.stringMatching(/not yet at grade ≤ 1: it counts unless it resolves to grade ≤ 1 by/),
      });
      return { id, onset, report };
    }

    it('is not a DLT when the CRS was at grade ≤ 1 on day 7, though it resolved fully only on day 12', async () => {
      const { id, onset, report } = await withGrade3Crs();
      // The follow-up report is made once the CRS has resolved: nothing may be dated in the future.
      t.clock.advanceDays(12);
      const followUp = await site.record(id, 'ADVERSE_EVENT_REPORTED', {
        ...report,
        improvedToGrade1At: daysAfter(onset, 7).slice(0, 10),
        resolvedAt: daysAfter(onset, 12).slice(0, 10),
      });
      expect(followUp.result).toMatchObject({
        grade: 3,
        dlt: false,
        provisional: false,
        dltReason: expect.stringMatching(/improved to grade ≤ 1 7 days after onset, within the 7 days/),
      });
      expect(followUp.patient.record.dlts).toEqual([]);
    });

    it('is a DLT when the CRS was still above grade 1 on day 8', async () => {
      const { id, onset, report } = await withGrade3Crs();
      const future = await refused(id, { type: 'ADVERSE_EVENT_REPORTED', data: { ...report, improvedToGrade1At: daysAfter(onset, 8).slice(0, 10) } }, 422);
      expect(future.reasons).toEqual([expect.stringMatching(/^data\.improvedToGrade1At \S+ is more than 5 minutes in the future$/)]);
      t.clock.advanceDays(8);
      const followUp = await site.record(id, 'ADVERSE_EVENT_REPORTED', { ...report, improvedToGrade1At: daysAfter(onset, 8).slice(0, 10) });
      expect(followUp.result).toMatchObject({ dlt: true, provisional: false, dltReason: expect.stringMatching(/improved to grade ≤ 1 8 days after onset, beyond the 7 days/) });
      expect(followUp.patient.record.dlts).toEqual([{ term: 'Cytokine release syndrome', grade: 3, onset: expect.any(String) }]);
    });

    it('reads a report with resolvedAt only as before: resolved by day 7 is not a DLT', async () => {
      const { id, onset, report } = await withGrade3Crs();
      t.clock.advanceDays(7);
      const followUp = await site.record(id, 'ADVERSE_EVENT_REPORTED', { ...report, resolvedAt: daysAfter(onset, 7).slice(0, 10) });
      expect(followUp.result).toMatchObject({ dlt: false });
    });

    it('refuses an improvement dated before the onset or after full resolution, writing nothing', async () => {
      const { id, onset, report } = await withGrade3Crs();
      const early = await refused(id, { type: 'ADVERSE_EVENT_REPORTED', data: { ...report, improvedToGrade1At: daysAfter(onset, -2).slice(0, 10) } }, 400);
      expect(early.issues).toEqual(['data.improvedToGrade1At: the event cannot improve to grade ≤ 1 before its onset']);
      const late = await refused(
        id,
        { type: 'ADVERSE_EVENT_REPORTED', data: { ...report, improvedToGrade1At: daysAfter(onset, 5).slice(0, 10), resolvedAt: daysAfter(onset, 3).slice(0, 10) } },
        400,
      );
      expect(late.issues).toEqual(['data.resolvedAt: the event cannot resolve before it improved to grade ≤ 1']);
      expect((await patient(id)).record.dlts).toEqual([expect.objectContaining({ provisional: true })]);
    });
  });

  describe('ASTCT CRS: fever masked by antipyretics (Lee et al. 2019)', () => {
    let id: string;
    beforeAll(async () => {
      id = await site.infused();
    });
    const afebrile = { temperatureC: 37.2, hypotension: true, vasopressors: 0, oxygen: 'none' };
    const report = (crs: Record<string, unknown>) => ({ term: 'Cytokine release syndrome', crs, onset: t.clock.now().toISOString(), related: true, serious: false });

    it('grades CRS without fever after antipyretics, by the hypotension', async () => {
      const graded = await site.record(id, 'ADVERSE_EVENT_REPORTED', report({ ...afebrile, afterAntipyretics: true }));
      expect(graded.result).toMatchObject({ grade: 2, scale: 'ASTCT CRS', gradeReason: 'after antipyretics with hypotension not needing vasopressors' });
    });

    it('still refuses CRS without fever when neither antipyretics nor tocilizumab or steroids were given', async () => {
      const body = await refused(id, { type: 'ADVERSE_EVENT_REPORTED', data: report(afebrile) }, 422);
      expect(body.reasons).toEqual([
        expect.stringMatching(/^Cytokine release syndrome: no fever \(37.2 °C is below 38.0 °C\) and no antipyretics, tocilizumab or steroids: not CRS/),
      ]);
    });
  });

  describe('Lugano 2014 with PET-CT (CD20/CD22, B-NHL)', () => {
    async function nhlPatient() {
      const id = await site.register({ protocolId: 'cd20-cd22', cohort: 'B-NHL' });
      await site.readyForInfusion(id, () => eligibleCd20Cd22Screening('B-NHL'));
      const infusion = await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: 2e6 });
      return { id, day0: infusion.patient.day0 as string };
    }
    const assess = (id: string, occurredAt: string, data: Record<string, unknown>) => site.post(id, { type: 'RESPONSE_ASSESSED', occurredAt, data });

    it('is SD (no metabolic response) on Deauville 4 without reduced uptake, although the SPD fell 70 %', async () => {
      const { id } = await nhlPatient();
      const res = await site.record(id, 'RESPONSE_ASSESSED', { visit: 'W4', deauville: 4, spdChangePct: -70, newLesion: false });
      expect(res.result).toEqual({
        response: 'SD',
        responseReason: 'no metabolic response: Deauville 4 without reduced uptake from baseline, whatever the SPD −70 % from baseline',
      });
      expect(res.patient.record.responses).toEqual([expect.objectContaining({ visit: 'W4', response: 'SD' })]);
    });

    it('is PD when one lesion grew from its own nadir, though the SPD is still 58 % below baseline', async () => {
      const { id, day0 } = await nhlPatient();
      t.clock.advanceDays(90);
      const w4 = await assess(id, daysAfter(day0, 28), {
        visit: 'W4',
        newLesion: false,
        lesions: [
          { id: 'L1', ldiCm: 2, sdiCm: 2, baselineLdiCm: 4, baselineSdiCm: 3 },
          { id: 'L2', ldiCm: 2, sdiCm: 1.5, baselineLdiCm: 3, baselineSdiCm: 2 },
        ],
      });
      expect(w4.status).toBe(200);
      expect(w4.body.result).toEqual({ response: 'PR', responseReason: 'SPD −61.1 % from baseline (partial response from −50 %)' });

      const changedBaseline = await refused(
        id,
        {
          type: 'RESPONSE_ASSESSED',
          occurredAt: daysAfter(day0, 84),
          data: { visit: 'W12', newLesion: false, lesions: [{ id: 'L1', ldiCm: 2.5, sdiCm: 2.4, baselineLdiCm: 5, baselineSdiCm: 3 }] },
        },
        422,
      );
      expect(changedBaseline.reasons).toEqual(['lesion L1 has its baseline on record as 4 × 3 cm; a later assessment cannot change it to 5 × 3 cm']);
      const withSpd = await refused(
        id,
        {
          type: 'RESPONSE_ASSESSED',
          occurredAt: daysAfter(day0, 84),
          data: { visit: 'W12', newLesion: false, spdChangePct: -40, lesions: [{ id: 'L1', ldiCm: 2.5, sdiCm: 2.4 }] },
        },
        422,
      );
      expect(withSpd.reasons).toEqual(['give the target lesions or the SPD changes, not both: the SPD is computed from the lesions']);

      const w12 = await assess(id, daysAfter(day0, 84), {
        visit: 'W12',
        newLesion: false,
        lesions: [
          { id: 'L1', ldiCm: 2.5, sdiCm: 2.4 },
          { id: 'L2', ldiCm: 1.5, sdiCm: 1 },
        ],
      });
      expect(w12.status).toBe(200);
      expect(w12.body.result).toEqual({
        response: 'PD',
        responseReason: 'progression: lesion L1 2.5 × 2.4 cm from its nadir 2 × 2 cm: PPD +50 %, LDi or SDi up by 0.5 cm or more (a lesion ≤ 2 cm), LDi above 1.5 cm',
      });
      expect(w12.body.patient.record.responses.map((r: { response: string }) => r.response)).toEqual(['PR', 'PD']);

      // The outcomes read the log and count the responses the engine answered: this patient's best
      // is the PR, the earlier patient's the SD of no metabolic response.
      const outcomes = (await site.get(`/trials/cd20-cd22/outcomes?asOf=${encodeURIComponent(daysAfter(day0, 85))}`)).body;
      const nhl = outcomes.cohorts.find((c: { cohort: string }) => c.cohort === 'B-NHL');
      expect(nhl.response).toMatchObject({ orr: { successes: 1, n: 2 }, dcr: { successes: 2, n: 2 } });
    });

    it('takes a payload of the old form unchanged', async () => {
      const { id } = await nhlPatient();
      const res = await site.record(id, 'RESPONSE_ASSESSED', { visit: 'W4', spdChangePct: -55, spdChangeFromNadirPct: 0, newLesion: false });
      expect(res.result).toEqual({ response: 'PR', responseReason: 'SPD −55 % from baseline (partial response from −50 %)' });
    });
  });
});
