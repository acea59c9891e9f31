import { cd19RrAllV1 } from '../cd19-rr-all/protocol';
import type { LoggedEvent, PatientLog } from './patient-facts';
import { trialOutcomes } from './outcomes';
import { productPath, veinToVein, type ProductPath, type VeinToVeinFacts } from './vein-to-vein';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const HOUR = 3_600_000;
/** Day `d` of the calendar from 1 January 2026, at `hour` o'clock UTC. */
const at = (d: number, hour = 10) => new Date(T0 + (d * 24 + hour) * HOUR).toISOString();
const ev = (type: string, d: number, data: Record<string, unknown> = {}, hour?: number): LoggedEvent => ({ type, occurredAt: at(d, hour), data });
const log = (patientId: string, site: string | null, events: LoggedEvent[]): PatientLog => ({ patientId, cohort: null, site, birthDate: '1980-01-01', events });

/** Apheresis, release, lymphodepletion and infusion on the given days; `undefined` stops the way there. */
const path = (apheresis: number, released?: number, infused?: number): LoggedEvent[] => [
  ev('LEUKAPHERESIS_COMPLETED', apheresis),
  ...(released === undefined ? [] : [ev('PRODUCT_RELEASED', released, { lot: 'LOT-1' }, 9)]),
  ...(infused === undefined ? [] : [ev('LYMPHODEPLETION_STARTED', infused - 5), ev('LYMPHODEPLETION_COMPLETED', infused - 3), ev('INFUSION_COMPLETED', infused, {}, 14)]),
];

/*
 * Ten apheresed patients at two sites, worked out by hand (days from 1 January):
 *
 *   patient  site  apheresis  release  infusion  A→R  R→I  A→I  end of the way
 *   a1       a     0          17       25        17   8    25   (died on day 100, after the infusion)
 *   a2       a     2          16       30        14   14   28
 *   a3       a     5          26       31        21   5    26
 *   a4       a     6          –        –                        withdrew day 10, "patient decision"
 *   a5       a     7          21       –         14             released, awaiting infusion
 *   a6       a     8          –        –                        in manufacturing
 *   a7       a     –          –        –                        withdrew before apheresis: not counted
 *   b1       b     1          14       24        13   10   23
 *   b2       b     3          –        –                        manufacturing failed day 20
 *   b3       b     4          24       –         20             died day 25, after release
 *   b4       b     9          –        –                        manufacturing failed day 25 (same reason, other spelling)
 *
 * A→R 13 14 14 17 20 21: n 6, median (14 + 17) / 2 = 15.5, range 13–21.
 * R→I 5 8 10 14: n 4, median (8 + 10) / 2 = 9, range 5–14.   A→I 23 25 26 28: median 25.5.
 * Site a: A→R 14 14 17 21 → 15.5; R→I 5 8 14 → 8 (odd n); A→I 25 26 28 → 26.  Site b: A→R 13 20 → 16.5.
 */
const logs = [
  log('a1', 'site-a', [...path(0, 17, 25), ev('DEATH', 100, { cause: 'lymphoma progression' })]),
  log('a2', 'site-a', path(2, 16, 30)),
  log('a3', 'site-a', path(5, 26, 31)),
  log('a4', 'site-a', [...path(6), ev('WITHDRAWN', 10, { reason: 'patient decision' })]),
  log('a5', 'site-a', path(7, 21)),
  log('a6', 'site-a', path(8)),
  log('a7', 'site-a', [ev('WITHDRAWN', 3, { reason: 'moved abroad' })]),
  log('b1', 'site-b', path(1, 14, 24)),
  log('b2', 'site-b', [...path(3), ev('MANUFACTURING_FAILED', 20, { reason: 'Insufficient T-cell expansion' })]),
  log('b3', 'site-b', [...path(4, 24), ev('DEATH', 25, { cause: 'rapidly progressive disease' })]),
  log('b4', 'site-b', [...path(9), ev('MANUFACTURING_FAILED', 25, { reason: 'insufficient  T-cell expansion ' })]),
];

describe('vein-to-vein figures', () => {
  const v2v = trialOutcomes(cd19RrAllV1, logs, at(365)).veinToVein;

  it('counts the apheresed patients, those released and those infused, with the manufacturing success rate', () => {
    expect(v2v).toMatchObject({ unit: 'days', apheresed: 10, released: 6, infused: 4, manufacturingFailures: 2, inManufacturing: 1, awaitingInfusion: 1 });
    // 6 released of 10 apheresed; R: binom.test(6, 10)$conf.int → 0.2623781 0.8784477
    expect(v2v.manufacturingSuccess).toMatchObject({ successes: 6, n: 10, rate: 0.6 });
    expect(v2v.manufacturingSuccess.ci!.lower).toBeCloseTo(0.2624, 4);
    expect(v2v.manufacturingSuccess.ci!.upper).toBeCloseTo(0.8784, 4);
  });

  it('gives apheresis to release, release to infusion and apheresis to infusion as median, range and n (even n: the mean of the middle two)', () => {
    expect(v2v.apheresisToRelease).toEqual({ n: 6, median: 15.5, min: 13, max: 21 });
    expect(v2v.releaseToInfusion).toEqual({ n: 4, median: 9, min: 5, max: 14 });
    expect(v2v.apheresisToInfusion).toEqual({ n: 4, median: 25.5, min: 23, max: 28 });
  });

  it('gives the same per site (odd n: the middle value)', () => {
    expect(v2v.bySite).toEqual([
      {
        siteId: 'site-a',
        apheresed: 6,
        released: 4,
        infused: 3,
        manufacturingFailures: 0,
        manufacturingAttempts: 0,
        remanufactured: 0,
        releasedOutOfSpecification: 0,
        rejectedOutOfSpecification: 0,
        bridged: 0,
        inManufacturing: 1,
        awaitingInfusion: 1,
        notInfused: 1,
        apheresisToRelease: { n: 4, median: 15.5, min: 14, max: 21 },
        releaseToInfusion: { n: 3, median: 8, min: 5, max: 14 },
        apheresisToInfusion: { n: 3, median: 26, min: 25, max: 28 },
      },
      {
        siteId: 'site-b',
        apheresed: 4,
        released: 2,
        infused: 1,
        manufacturingFailures: 2,
        manufacturingAttempts: 0,
        remanufactured: 0,
        releasedOutOfSpecification: 0,
        rejectedOutOfSpecification: 0,
        bridged: 0,
        inManufacturing: 0,
        awaitingInfusion: 0,
        notInfused: 3,
        apheresisToRelease: { n: 2, median: 16.5, min: 13, max: 20 },
        releaseToInfusion: { n: 1, median: 10, min: 10, max: 10 },
        apheresisToInfusion: { n: 1, median: 23, min: 23, max: 23 },
      },
    ]);
  });

  it('lists the apheresed patients never infused by why, the words given grouped whatever their case or spacing', () => {
    expect(v2v.notInfused).toEqual({
      patients: 4,
      byReason: [
        { reason: 'manufacturing failed', patients: 2, afterRelease: 0, texts: [{ text: 'Insufficient T-cell expansion', patients: 2 }] },
        { reason: 'died', patients: 1, afterRelease: 1, texts: [{ text: 'rapidly progressive disease', patients: 1 }] },
        { reason: 'withdrew', patients: 1, afterRelease: 0, texts: [{ text: 'patient decision', patients: 1 }] },
      ],
    });
    // a death after the infusion, and a withdrawal before the apheresis, are not a product not received
    expect(JSON.stringify(v2v)).not.toMatch(/lymphoma progression|moved abroad/);
  });

  it('reads the log as of a date: on day 12 nothing is released and only the withdrawal has ended a way', () => {
    const early = trialOutcomes(cd19RrAllV1, logs, at(12)).veinToVein;
    expect(early).toMatchObject({ apheresed: 10, released: 0, infused: 0, inManufacturing: 9, manufacturingFailures: 0 });
    expect(early.manufacturingSuccess).toMatchObject({ successes: 0, n: 10 });
    expect(early.apheresisToRelease).toEqual({ n: 0, median: null, min: null, max: null });
    expect(early.notInfused.patients).toBe(1);
  });

  it('counts the cohorts of a trial each on its own patients', () => {
    const cohortLogs = logs.map((l) => ({ ...l, cohort: l.patientId.startsWith('a') ? 'B-ALL' : 'B-NHL' }));
    const spec = {
      ...cd19RrAllV1,
      cohorts: [
        { id: 'B-ALL', title: 'B-ALL' },
        { id: 'B-NHL', title: 'B-NHL' },
      ],
    } as unknown as typeof cd19RrAllV1;
    const outcomes = trialOutcomes(spec, cohortLogs, at(365));
    expect(outcomes.cohorts.map((c) => [c.cohort, c.veinToVein.apheresed, c.veinToVein.apheresisToRelease.median])).toEqual([
      ['B-ALL', 6, 15.5],
      ['B-NHL', 4, 16.5],
    ]);
  });

  it('counts whole calendar days, as study days are: late one evening to early the next morning is one day', () => {
    const overnight = veinToVein([
      {
        site: 'site-a',
        infusedAt: null,
        product: {
          attempts: 0,
          remanufactures: [],
          releasedOutOfSpecification: false,
          bridged: false,
          apheresisAt: at(0, 23.5),
          releasedAt: at(1, 0.5),
          manufacturingFailed: null,
          leftBeforeInfusion: null,
        },
      },
    ]);
    expect(overnight.apheresisToRelease).toEqual({ n: 1, median: 1, min: 1, max: 1 });
  });

  it('pools the patients of the sites the reader may not see in one row without a site, after the named ones', () => {
    const patient = (site: string | null, released: number): VeinToVeinFacts => ({
      site,
      infusedAt: null,
      product: {
        attempts: 0,
        remanufactures: [],
        releasedOutOfSpecification: false,
        bridged: false,
        apheresisAt: at(0),
        releasedAt: at(released),
        manufacturingFailed: null,
        leftBeforeInfusion: null,
      },
    });
    const pooled = veinToVein([patient(null, 20), patient('site-z', 10), patient(null, 30), patient('site-c', 15)]);
    expect(pooled.bySite.map((s) => [s.siteId, s.apheresed, s.apheresisToRelease.median])).toEqual([
      ['site-c', 1, 15],
      ['site-z', 1, 10],
      [null, 2, 25],
    ]);
  });

  it('has empty figures, and no rate, for a trial without an apheresis yet', () => {
    const none = veinToVein([]);
    expect(none).toMatchObject({ apheresed: 0, manufacturingSuccess: { successes: 0, n: 0, rate: null, ci: null }, bySite: [], notInfused: { patients: 0 } });
    expect(none.notInfused.byReason.map((r) => r.patients)).toEqual([0, 0, 0]);
  });
});

describe('product path', () => {
  it('counts from the first collection to the last release, and a death or withdrawal only before the infusion', () => {
    const read = productPath([
      ev('LEUKAPHERESIS_COMPLETED', 0),
      ev('MANUFACTURING_STARTED', 1),
      ev('PRODUCT_RELEASED', 14, { outOfSpecification: { justification: 'viability 65%' } }),
      ev('BRIDGING_THERAPY_GIVEN', 10),
      // the released product was compromised in transit: made again from a new apheresis, released again
      ev('REMANUFACTURE_ORDERED', 16, { cause: 'productCompromised', source: 'newApheresis' }),
      ev('LEUKAPHERESIS_COMPLETED', 18),
      ev('MANUFACTURING_STARTED', 19),
      ev('PRODUCT_RELEASED', 30),
      ev('INFUSION_COMPLETED', 36),
      ev('WITHDRAWN', 40, { reason: 'relocation' }),
    ]);
    expect(read).toEqual({
      apheresisAt: at(0),
      releasedAt: at(30),
      attempts: 2,
      remanufactures: [{ at: at(16), cause: 'productCompromised', source: 'newApheresis' }],
      releasedOutOfSpecification: true,
      bridged: true,
      manufacturingFailed: null,
      leftBeforeInfusion: null,
    });
  });

  it('counts the attempts, the products made again, the out-of-specification releases and rejections, and bridging', () => {
    const made = (remanufactures: ProductPath['remanufactures'], releasedOutOfSpecification = false): VeinToVeinFacts => ({
      site: 'site-a',
      infusedAt: null,
      product: {
        apheresisAt: at(0),
        releasedAt: null,
        attempts: 1 + remanufactures.length,
        remanufactures,
        releasedOutOfSpecification,
        bridged: remanufactures.length > 0,
        manufacturingFailed: null,
        leftBeforeInfusion: null,
      },
    });
    const figures = veinToVein([
      made([]),
      made([], true),
      made([{ at: at(5), cause: 'outOfSpecification', source: 'retainedCells' }]),
      made([
        { at: at(5), cause: 'manufacturingFailure', source: 'retainedCells' },
        { at: at(9), cause: 'outOfSpecification', source: 'newApheresis' },
      ]),
    ]);
    expect(figures).toMatchObject({ apheresed: 4, manufacturingAttempts: 7, remanufactured: 2, releasedOutOfSpecification: 1, rejectedOutOfSpecification: 2, bridged: 2 });
  });

  it('keeps the words given, or says none were', () => {
    expect(productPath([ev('LEUKAPHERESIS_COMPLETED', 0), ev('MANUFACTURING_FAILED', 12, { reason: '  sterility failure ' })]).manufacturingFailed).toEqual({
      at: at(12),
      reason: 'sterility failure',
    });
    expect(productPath([ev('DEATH', 3, {})]).leftBeforeInfusion).toEqual({ at: at(3), kind: 'died', text: 'no reason given' });
  });
});
