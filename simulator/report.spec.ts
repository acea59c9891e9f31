import { veinToVein, type VeinToVeinFacts } from '#protocols';
import { veinToVeinLines } from './report';

const at = (day: number) => new Date(Date.UTC(2026, 0, 1 + day, 10)).toISOString();
const patient = (site: string, apheresis: number, released?: number, infused?: number, end?: VeinToVeinFacts['product']['manufacturingFailed']): VeinToVeinFacts => ({
  site,
  infusedAt: infused === undefined ? null : at(infused),
  product: {
    attempts: 0,
    remanufactures: [],
    releasedOutOfSpecification: false,
    bridged: false,
    apheresisAt: at(apheresis),
    releasedAt: released === undefined ? null : at(released),
    manufacturingFailed: end ?? null,
    leftBeforeInfusion: null,
  },
});

describe("the report's vein-to-vein lines", () => {
  it('prints the times, the manufacturing success rate, the failures with their reasons and the figures per site', () => {
    const lines = veinToVeinLines(
      veinToVein([
        patient('site-a', 0, 14, 21),
        patient('site-a', 1, 17, 26),
        patient('site-b', 2, 13, 22),
        patient('site-b', 3, undefined, undefined, { at: at(18), reason: 'insufficient T-cell expansion' }),
      ]),
    );
    expect(lines).toEqual([
      'Vein to vein (whole calendar days), of 4 apheresed:',
      // A→R 14 16 11 → 14; R→I 7 9 9 → 9; A→I 21 25 20 → 21
      '  apheresis → release    median 14 (range 11–16), n 3',
      '  release → infusion     median 9 (range 7–9), n 3',
      '  apheresis → infusion   median 21 (range 20–25), n 3',
      // 3 of 4: R binom.test(3, 4)$conf.int → 0.1941 0.9937
      '  manufacturing          3 released of 4 = 75 % (95 % CI 19 %–99 %); 1 failure',
      '  made again             0 patients (0 attempts in all); out of specification: 0 released on justification, 0 rejected',
      '  bridging therapy       0 of 4',
      '  never infused          1:',
      '      1  manufacturing failed: insufficient T-cell expansion',
      '  per site (apheresed, released, infused; apheresis → infusion):',
      '    site-a       2, 2, 2      median 23 (range 21–25), n 2',
      '    site-b       2, 1, 1      median 20 (range 20–20), n 1',
    ]);
  });

  it('says so when nobody was apheresed', () => {
    expect(veinToVeinLines(veinToVein([]))).toEqual(['Vein to vein: no apheresis recorded']);
  });
});
