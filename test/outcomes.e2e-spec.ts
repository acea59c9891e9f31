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
      visit: 'D28', marrowBlastsPct: 1, circulatingBlasts: false, extramedullary: false, anc: 1.5, platelets: 120, mrdPct: 0.001,
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

  it('shows the trial state with enrollment against the target', async () => {
    const trial = (await site.get('/trials/cd20-cd22')).body;
    expect(trial).toMatchObject({ protocol: 'cd20-cd22@1', enrolled: 4, target: 30, enrollmentOpen: true, doseEscalation: null, mtd: null });
    expect((await site.get('/trials/nope')).status).toBe(404);
  });
});
