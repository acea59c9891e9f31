import { eligibleCd20Cd22Screening } from '#testing';
import { startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';

/** Outcomes through the API, per cohort, on patients whose answers are known. */
describe('trial outcomes on CD20/CD22', () => {
  let t: TestApp;
  let site: TrialSite;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
  });
  afterAll(() => t.close());

  async function infused(cohort: 'B-ALL' | 'B-NHL') {
    const id = await site.register({ protocolId: 'cd20-cd22', cohort });
    await site.readyForInfusion(id, () => eligibleCd20Cd22Screening(cohort));
    await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: 2e6 });
    return id;
  }

  it('computes ORR, DCR, MRD-negative ORR, OS and AE counts for the trial and each cohort', async () => {
    const [cr, sd, pd] = [await infused('B-NHL'), await infused('B-NHL'), await infused('B-NHL')];
    const all = await infused('B-ALL');
    const start = t.clock.now().toISOString();
    t.clock.advanceDays(28);
    await site.record(cr, 'RESPONSE_ASSESSED', { visit: 'W4', deauville: 2, newLesion: false });
    await site.record(sd, 'RESPONSE_ASSESSED', { visit: 'W4', deauville: 4, spdChangePct: -20, newLesion: false });
    await site.record(pd, 'RESPONSE_ASSESSED', { visit: 'W4', deauville: 5, newLesion: true });
    await site.record(pd, 'ADVERSE_EVENT_REPORTED', { term: 'Pneumonia', grade: 3, onset: t.clock.now().toISOString(), related: false, serious: true });
    await site.record(all, 'RESPONSE_ASSESSED', {
      visit: 'D28',
      marrowBlastsPct: 1,
      circulatingBlasts: false,
      extramedullary: false,
      anc: 1.5,
      platelets: 120,
      countsUnit: '10^9/L',
      mrdPct: 0.001,
    });
    t.clock.advanceDays(30);
    await site.record(pd, 'DEATH', { cause: 'lymphoma progression' });

    const res = await site.get('/trials/cd20-cd22/outcomes');
    expect(res.status).toBe(200);
    const nhl = res.body.cohorts.find((c: { cohort: string }) => c.cohort === 'B-NHL');
    const bAll = res.body.cohorts.find((c: { cohort: string }) => c.cohort === 'B-ALL');
    expect(nhl.response.criteria).toBe('LUGANO_2014');
    expect(nhl.response.orr).toMatchObject({ successes: 1, n: 3 });
    expect(nhl.response.dcr).toMatchObject({ successes: 2, n: 3 });
    expect(nhl.survival.os.points.filter((p: { events: number }) => p.events > 0)).toHaveLength(1);
    // 58 study days after the infusion, plus the few real seconds the test clock ran meanwhile.
    expect(nhl.survival.os.points.find((p: { events: number }) => p.events > 0).time).toBeCloseTo(58, 2);
    expect(nhl.safety.participantsWithGrade3OrWorse).toBe(1);
    expect(bAll.response).toMatchObject({ criteria: 'ALL', orr: { successes: 1, n: 1 }, mrdNegativeOrr: { successes: 1, n: 1 } });
    // The landmarks the record names: W4 ORR (CR + PR) 1 of 3 assessed there (the PD patient a non-responder, dead only after);
    // at W12 (day 84 ± 7, 58 days on) nobody is due yet. The B-ALL patient's M3 MRD-negative ORR is not due either.
    expect(
      nhl.response.landmarks.map((l: { visit: string; rate: { successes: number; n: number }; notYetDue: number }) => [l.visit, l.rate.successes, l.rate.n, l.notYetDue]),
    ).toEqual([
      ['W4', 1, 3, 0],
      ['W12', 0, 1, 2],
      ['M6', 0, 1, 2],
      ['M12', 0, 1, 2],
      ['M18', 0, 1, 2],
      ['M24', 0, 1, 2],
    ]);
    expect(bAll.response.landmarks[0]).toMatchObject({ visit: 'M3', mrdNegative: true, rate: { successes: 0, n: 0 }, notYetDue: 1 });
    expect(res.body).toMatchObject({ participants: 4, infused: 4 });
    // The trial level counts each patient by its own cohort's criteria.
    expect(res.body.response).toMatchObject({
      criteria: 'BY_COHORT',
      criteriaByCohort: { 'B-NHL': 'LUGANO_2014', 'B-ALL': 'ALL' },
      orr: { successes: 2, n: 4 },
      mrdNegativeOrr: { successes: 1, n: 1 },
      dcr: { successes: 2, n: 3 },
    });

    // As of the day before the assessments, nobody has responded yet.
    const before = (await site.get(`/trials/cd20-cd22/outcomes?asOf=${encodeURIComponent(start)}`)).body;
    expect(before.response.orr).toMatchObject({ successes: 0, n: 4 });
    expect((await site.get('/trials/cd20-cd22/outcomes?asOf=yesterday')).status).toBe(400);
  });

  it("names another site's patient nowhere, in the trial's kinetics or in its cohorts'", async () => {
    const other = await TrialSite.open(t, 'site-b');
    const theirs = await other.register({ protocolId: 'cd20-cd22', cohort: 'B-NHL' });
    await other.readyForInfusion(theirs, () => eligibleCd20Cd22Screening('B-NHL'));
    await other.record(theirs, 'INFUSION_COMPLETED', { cellsPerKg: 2e6 });
    const ours = await infused('B-NHL');
    for (const day of [1, 7, 14]) {
      t.clock.advanceDays(day === 1 ? 1 : 6 + (day === 14 ? 1 : 0));
      const collectedAt = t.clock.now().toISOString();
      for (const [by, id] of [
        [other, theirs],
        [site, ours],
      ] as const) {
        await by.record(id, 'LAB_RESULT_RECORDED', { code: 'CAR_COPIES', compartment: 'PB', value: 1000 * day, unit: 'copies/µg gDNA', collectedAt });
        await by.record(id, 'LAB_RESULT_RECORDED', { code: 'IL6', compartment: 'PB', value: 10 * day, unit: 'pg/mL', collectedAt });
      }
    }
    const theirSubject = (await other.get(`/patients/${theirs}`)).body.subjectId as string;

    const res = await site.get('/trials/cd20-cd22/outcomes');
    expect(res.status).toBe(200);
    const nhl = res.body.cohorts.find((c: { cohort: string }) => c.cohort === 'B-NHL');
    type Row = { patientId: string | null; subjectId: string | null };
    for (const group of [res.body, nhl]) {
      const rows: Row[] = group.kinetics.perPatient;
      // Both patients are counted: ours by name, theirs anonymous.
      expect(rows.filter((r) => r.patientId === ours).length).toBeGreaterThan(0);
      expect(rows.filter((r) => r.patientId === ours).every((r) => r.subjectId !== null)).toBe(true);
      expect(rows.filter((r) => r.patientId === null && r.subjectId === null).length).toBeGreaterThan(0);
      const peaks: Row[] = group.kinetics.cytokinePeaks.flatMap((c: { peaks: Row[] }) => c.peaks);
      expect(peaks.some((p) => p.patientId === null && p.subjectId === null)).toBe(true);
    }
    // Not its id, not its subject id, anywhere in the answer.
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(theirs);
    expect(text).not.toContain(theirSubject);
    // Its own site sees it by name.
    expect(JSON.stringify((await other.get('/trials/cd20-cd22/outcomes')).body)).toContain(theirs);
  });

  it('shows the trial state with enrollment against the target', async () => {
    const trial = (await site.get('/trials/cd20-cd22')).body;
    expect(trial).toMatchObject({ protocol: 'cd20-cd22', enrolled: 6, target: 30, enrollmentOpen: true, doseEscalation: null, mtd: null });
    expect((await site.get('/trials/nope')).status).toBe(404);
  });
});
