import { allResponse, classifyAllRelapse, luganoResponse } from '#protocols';
import { Random } from '../random';
import { assessmentOn, drawCourse, type DiseaseCourse } from './course';
import { allExtramedullaryFindings, allMarrowDiseaseFindings, allRemissionFindings, drawMrdPct, luganoFindings } from './response';

const rng = () => Random.seeded(17);
type AllInputs = Parameters<typeof allResponse>[0];

describe('response findings', () => {
  it('give CR with recovered counts, CRi without, and NR with marrow disease (ALL)', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const r = Random.seeded(seed);
      expect(allResponse(allRemissionFindings(r, { countsRecovered: true, mrdPct: 0.001 }) as AllInputs)).toEqual({ response: 'CR', mrdNegative: true });
      expect(allResponse(allRemissionFindings(r, { countsRecovered: false, mrdPct: 0.5 }) as AllInputs)).toEqual({ response: 'CRi', mrdNegative: false });
      expect(allResponse(allMarrowDiseaseFindings(r) as AllInputs).response).toBe('NR');
    }
  });

  it('show the relapse kinds the engine names after a remission', () => {
    const after = { previousBestResponse: 'CR' as const, previousMrdNegative: true };
    const r = rng();
    expect(classifyAllRelapse({ ...(allMarrowDiseaseFindings(r) as AllInputs), ...after }).kind).toBe('morphologic');
    expect(classifyAllRelapse({ ...(allExtramedullaryFindings(r, 0.001) as AllInputs), ...after }).kind).toBe('extramedullary');
    expect(classifyAllRelapse({ ...(allRemissionFindings(r, { countsRecovered: true, mrdPct: drawMrdPct(r, false) }) as AllInputs), ...after }).kind).toBe('mrd');
  });

  it.each(['CR', 'PR', 'SD', 'PD'] as const)('give a Lugano 2014 %s', (category) => {
    for (let seed = 1; seed <= 100; seed++) {
      const f = luganoFindings(Random.seeded(seed), category);
      const input = { newLesion: f.newLesion as boolean, deauville: f.deauville as number, spdChangeFromBaselinePct: f.spdChangePct as number | undefined, spdChangeFromNadirPct: f.spdChangeFromNadirPct as number | undefined, uptakeReducedFromBaseline: f.uptakeReducedFromBaseline as boolean | undefined, uptakeIncreasedFromBaseline: f.uptakeIncreasedFromBaseline as boolean | undefined };
      expect(luganoResponse(JSON.parse(JSON.stringify(input))).response).toBe(category);
    }
  });
});

describe('disease course', () => {
  const inputs = { responseChance: 0.7, investigatorPrShare: 0, transplantShare: 0.15, followUpDays: 761, severeToxicity: false };

  it('assesses a remission as a remission until the relapse, and disease after it', () => {
    const course: DiseaseCourse = {
      criteria: 'ALL',
      remission: { countsRecoveredDay: 40, mrdPct: 0.002 },
      investigatorPr: false,
      progressions: [{ day: 200, kind: 'morphologic', clinical: true }],
    };
    const response = (day: number) => {
      const a = assessmentOn(rng(), course, day);
      return 'findings' in a ? allResponse(a.findings as AllInputs).response : a.response;
    };
    expect([response(28), response(90), response(270)]).toEqual(['CRi', 'CR', 'NR']);
  });

  it('lets the investigator record a PR for a partial marrow response where the protocol counts it', () => {
    const course: DiseaseCourse = { criteria: 'ALL', investigatorPr: true, progressions: [] };
    expect(assessmentOn(rng(), course, 28)).toEqual({ response: 'PR' });
  });

  it('ends each course within follow-up, its progressions before it leaves the study', () => {
    for (let seed = 1; seed <= 300; seed++) {
      for (const criteria of ['ALL', 'LUGANO_2014'] as const) {
        const course = drawCourse(Random.seeded(seed), { ...inputs, criteria });
        const off = course.offStudy?.day ?? Infinity;
        expect(off === Infinity || off < inputs.followUpDays).toBe(true);
        for (const p of course.progressions) expect(p.day).toBeLessThan(Math.min(off, inputs.followUpDays));
      }
    }
  });

  it('gives remissions at about the chance asked for (ALL)', () => {
    const remissions = Array.from({ length: 1000 }, (_, i) => drawCourse(Random.seeded(i + 1), { ...inputs, criteria: 'ALL' })).filter((c) => c.remission).length;
    expect(remissions / 1000).toBeGreaterThan(0.64);
    expect(remissions / 1000).toBeLessThan(0.76);
  });
});
