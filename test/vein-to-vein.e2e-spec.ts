import { outcomesSchema, type VeinToVein } from '#contract';
import { eligibleCd20Cd22Screening, release, toManufacturing, toSiteStorage } from '#testing';
import { createUser, TrialSite } from './support/trial-site';
import { startTestApp, type TestApp } from './support/test-app';

const DAY = 86_400_000;
const TRIAL = 'cd20-cd22';
const eligible = () => eligibleCd20Cd22Screening('B-NHL');

/**
 * The vein-to-vein figures through the API on PostgreSQL: eight patients at two sites walked from
 * apheresis to an infusion, a failure, a death or a withdrawal on known calendar days, the figures
 * worked out by hand, and what a coordinator of one site sees of the other's.
 */
describe('vein-to-vein figures in the outcomes', () => {
  let t: TestApp;
  let siteA: TrialSite;
  let siteB: TrialSite;
  /** Day 0 of the figures: a UTC midnight after every registration; each step is dated `day(n)` at 10:00. */
  let day0: number;
  const day = (n: number) => new Date(day0 + n * DAY + 10 * 3_600_000).toISOString();
  const ids: Record<string, { id: string; subjectId: string }> = {};

  async function step(site: TrialSite, patientId: string, type: string, on: number, data: Record<string, unknown> = {}) {
    const res = await site.post(patientId, { type, data, occurredAt: day(on) });
    if (res.status !== 200) throw new Error(`${type} on day ${on} failed: ${res.status} ${JSON.stringify(res.body)}`);
  }

  /** Apheresis, then release, lymphodepletion (days −5 to −3) and infusion where a day is given. */
  async function walk(site: TrialSite, name: string, apheresis: number, released?: number, infused?: number) {
    const { id } = ids[name]!;
    await site.custody(id, (coi) => toManufacturing(coi), day(apheresis));
    if (released === undefined) return id;
    await site.custody(id, (coi) => [release(coi, `LOT-${name}`), ...toSiteStorage(coi)], day(released));
    if (infused === undefined) return id;
    await step(site, id, 'LYMPHODEPLETION_STARTED', infused - 5);
    await step(site, id, 'LYMPHODEPLETION_COMPLETED', infused - 3);
    await step(site, id, 'INFUSION_COMPLETED', infused, { cellsPerKg: 2e6 });
    return id;
  }

  beforeAll(async () => {
    t = await startTestApp('postgres');
    siteA = await TrialSite.open(t, 'site-a');
    siteB = await TrialSite.open(t, 'site-b');
    for (const [site, names] of [
      [siteA, ['a1', 'a2', 'a3', 'a4', 'a5']],
      [siteB, ['b1', 'b2', 'b3']],
    ] as const) {
      for (const name of names) {
        const id = await site.register({ protocolId: TRIAL, cohort: 'B-NHL' });
        await site.enrolled(id, eligible);
        ids[name] = { id, subjectId: (await site.get(`/patients/${id}`)).body.subjectId };
      }
    }
    // The steps are dated on whole days after the enrollments, and all in the past once the clock has moved on.
    day0 = (Math.floor(t.clock.now().getTime() / DAY) + 1) * DAY;
    t.clock.advanceDays(60);
    // patient  apheresis  release  infusion   A→R  R→I  A→I
    // a1       0          17       25         17   8    25
    // a2       2          16       30         14   14   28
    // a3       5          26       31         21   5    26
    // a4       6          –        –          withdrew on day 10
    // a5       7          21       –          14         awaiting the infusion
    // b1       1          14       24         13   10   23
    // b2       3          –        –          manufacturing failed on day 20, in words naming b1
    // b3       4          24       –          20         died on day 25
    await walk(siteA, 'a1', 0, 17, 25);
    await walk(siteA, 'a2', 2, 16, 30);
    await walk(siteA, 'a3', 5, 26, 31);
    await step(siteA, await walk(siteA, 'a4', 6), 'WITHDRAWN', 10, { reason: 'Patient decision' });
    await walk(siteA, 'a5', 7, 21);
    await walk(siteB, 'b1', 1, 14, 24);
    await step(siteB, await walk(siteB, 'b2', 3), 'MANUFACTURING_FAILED', 20, { reason: `insufficient T-cell expansion (as for ${ids.b1!.subjectId})` });
    await step(siteB, await walk(siteB, 'b3', 4, 24), 'DEATH', 25, { cause: 'rapidly progressive disease' });
  });
  afterAll(() => t.close());

  async function veinToVein(token: string): Promise<VeinToVein & { cohort?: string }> {
    const res = await t.http.get(`/trials/${TRIAL}/outcomes`).set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    // the answer is the contract's
    return outcomesSchema.parse(res.body).veinToVein;
  }

  it('gives the times from apheresis to release to infusion, the manufacturing success rate and who was never infused and why', async () => {
    const v2v = await veinToVein(siteA.coordinator);
    expect(v2v).toMatchObject({ unit: 'days', apheresed: 8, released: 6, infused: 4, manufacturingFailures: 1, inManufacturing: 0, awaitingInfusion: 1 });
    // 6 of 8; R: binom.test(6, 8)$conf.int → 0.3491442 0.9681460
    expect(v2v.manufacturingSuccess).toMatchObject({ successes: 6, n: 8, rate: 0.75 });
    expect(v2v.manufacturingSuccess.ci!.lower).toBeCloseTo(0.3491, 4);
    expect(v2v.manufacturingSuccess.ci!.upper).toBeCloseTo(0.9681, 4);
    // A→R 13 14 14 17 20 21; R→I 5 8 10 14; A→I 23 25 26 28
    expect(v2v.apheresisToRelease).toEqual({ n: 6, median: 15.5, min: 13, max: 21 });
    expect(v2v.releaseToInfusion).toEqual({ n: 4, median: 9, min: 5, max: 14 });
    expect(v2v.apheresisToInfusion).toEqual({ n: 4, median: 25.5, min: 23, max: 28 });
    expect(v2v.notInfused.patients).toBe(3);
    expect(v2v.notInfused.byReason).toEqual([
      // Site B's words are site B's: counted, not shown to site A.
      { reason: 'manufacturing failed', patients: 1, afterRelease: 0, texts: [{ text: '(given at another site)', patients: 1 }] },
      { reason: 'died', patients: 1, afterRelease: 1, texts: [{ text: '(given at another site)', patients: 1 }] },
      { reason: 'withdrew', patients: 1, afterRelease: 0, texts: [{ text: 'Patient decision', patients: 1 }] },
    ]);
  });

  it("gives a coordinator of site A its site's figures by name and site B's patients only pooled, never identified", async () => {
    const res = await t.http.get(`/trials/${TRIAL}/outcomes`).set('Authorization', `Bearer ${siteA.coordinator}`);
    const v2v = outcomesSchema.parse(res.body).veinToVein;
    expect(v2v.bySite).toEqual([
      {
        siteId: 'site-a',
        apheresed: 5,
        released: 4,
        infused: 3,
        manufacturingFailures: 0,
        manufacturingAttempts: 5,
        remanufactured: 0,
        releasedOutOfSpecification: 0,
        rejectedOutOfSpecification: 0,
        bridged: 0,
        inManufacturing: 0,
        awaitingInfusion: 1,
        notInfused: 1,
        // 14 14 17 21; R→I 5 8 14 (odd n: the middle value); A→I 25 26 28
        apheresisToRelease: { n: 4, median: 15.5, min: 14, max: 21 },
        releaseToInfusion: { n: 3, median: 8, min: 5, max: 14 },
        apheresisToInfusion: { n: 3, median: 26, min: 25, max: 28 },
      },
      {
        siteId: null,
        apheresed: 3,
        released: 2,
        infused: 1,
        manufacturingFailures: 1,
        manufacturingAttempts: 3,
        remanufactured: 0,
        releasedOutOfSpecification: 0,
        rejectedOutOfSpecification: 0,
        bridged: 0,
        inManufacturing: 0,
        awaitingInfusion: 0,
        notInfused: 2,
        apheresisToRelease: { n: 2, median: 16.5, min: 13, max: 20 },
        releaseToInfusion: { n: 1, median: 10, min: 10, max: 10 },
        apheresisToInfusion: { n: 1, median: 23, min: 23, max: 23 },
      },
    ]);
    // Nothing of site B's patients by name in the block, in its cohort's, or anywhere in the answer.
    const cohort = res.body.cohorts.find((c: { cohort: string }) => c.cohort === 'B-NHL');
    expect(cohort.veinToVein.bySite.map((s: { siteId: string | null }) => s.siteId)).toEqual(['site-a', null]);
    const text = JSON.stringify(res.body);
    for (const name of ['b1', 'b2', 'b3']) {
      expect(text).not.toContain(ids[name]!.id);
      expect(text).not.toContain(ids[name]!.subjectId);
    }
    expect(JSON.stringify(v2v)).not.toContain('site-b');
  });

  it('gives site B its own figures and words as written, and a monitor of both sites both sites by name', async () => {
    const ownB = await veinToVein(siteB.coordinator);
    expect(ownB.bySite.map((s) => [s.siteId, s.apheresed, s.apheresisToRelease.median])).toEqual([
      ['site-b', 3, 16.5],
      [null, 5, 15.5],
    ]);
    expect(ownB.notInfused.byReason[0]!.texts).toEqual([{ text: `insufficient T-cell expansion (as for ${ids.b1!.subjectId})`, patients: 1 }]);
    const monitor = await veinToVein(await createUser(t, 'monitor', ['site-a', 'site-b']));
    expect(monitor.bySite.map((s) => [s.siteId, s.apheresed])).toEqual([
      ['site-a', 5],
      ['site-b', 3],
    ]);
  });

  it('reads the figures as of a date: on day 15 one product is released and nobody is infused', async () => {
    const res = await siteA.get(`/trials/${TRIAL}/outcomes?asOf=${encodeURIComponent(day(15))}`);
    expect(res.status).toBe(200);
    expect(res.body.veinToVein).toMatchObject({ apheresed: 8, released: 1, infused: 0, inManufacturing: 6, awaitingInfusion: 1, notInfused: { patients: 1 } });
    expect(res.body.veinToVein.apheresisToRelease).toEqual({ n: 1, median: 13, min: 13, max: 13 });
  });
});
