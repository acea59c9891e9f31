import { findProtocol, type PatientContext } from '#protocols';
import { Random } from '../random';
import { assessmentOn, drawCourse, type DiseaseCourse } from './course';
import { allExtramedullaryFindings, allMarrowDiseaseFindings, allRemissionFindings, drawMrdPct, luganoFindings, type ResponseFindings } from './response';

const rng = () => Random.seeded(17);

/**
 * What the engine answers to a RESPONSE_ASSESSED with these findings, as the simulator posts it: its
 * data must pass the protocol's own (strict) schema, and the response (and any relapse after an
 * earlier remission) is the protocol's answer.
 */
function engineAnswer(
  findings: ResponseFindings,
  o: { protocol?: string; cohort?: string; after?: PatientContext['responses'] } = {},
): { response: string; mrdNegative?: boolean; relapse?: { kind: string } } {
  const protocol = findProtocol(o.protocol ?? 'cd19-rr-all')!.forCohort(o.cohort ?? null);
  const data = { visit: 'M3', ...findings };
  expect(protocol.eventDataSchemas.RESPONSE_ASSESSED.safeParse(data).error).toBeUndefined();
  const context = { responses: o.after ?? [], dlts: [], visits: {} } as unknown as PatientContext;
  return protocol.answer(context, { type: 'RESPONSE_ASSESSED', occurredAt: '2026-06-01T10:00:00.000Z', data }) as never;
}

describe('response findings', () => {
  it('give CR with recovered counts, CRi without, and NR with marrow disease (ALL)', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const r = Random.seeded(seed);
      expect(engineAnswer(allRemissionFindings(r, { countsRecovered: true, mrdPct: 0.001 }))).toEqual({ response: 'CR', mrdNegative: true });
      expect(engineAnswer(allRemissionFindings(r, { countsRecovered: false, mrdPct: 0.5 }))).toEqual({ response: 'CRi', mrdNegative: false });
      expect(engineAnswer(allMarrowDiseaseFindings(r)).response).toBe('NR');
      expect(engineAnswer(allRemissionFindings(r, { countsRecovered: true, mrdPct: drawMrdPct(r, true) })).mrdNegative).toBe(true);
      expect(engineAnswer(allRemissionFindings(r, { countsRecovered: true, mrdPct: drawMrdPct(r, false) })).mrdNegative).toBe(false);
    }
  });

  it('show the relapse kinds the engine names after a remission', () => {
    const after = [{ visit: 'D28', response: 'CR', assessedAt: '2026-04-01T10:00:00.000Z', mrdNegative: true }];
    const r = rng();
    expect(engineAnswer(allMarrowDiseaseFindings(r), { after }).relapse?.kind).toBe('morphologic');
    expect(engineAnswer(allExtramedullaryFindings(r, 0.001), { after }).relapse?.kind).toBe('extramedullary');
    expect(engineAnswer(allRemissionFindings(r, { countsRecovered: true, mrdPct: drawMrdPct(r, false) }), { after }).relapse?.kind).toBe('mrd');
  });

  it.each(['CR', 'PR', 'SD', 'PD'] as const)('give a Lugano 2014 %s', (category) => {
    for (let seed = 1; seed <= 100; seed++) {
      const f = luganoFindings(Random.seeded(seed), category);
      expect(engineAnswer(f, { protocol: 'cd20-cd22', cohort: 'B-NHL' }).response).toBe(category);
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
      return 'findings' in a ? engineAnswer(a.findings).response : a.response;
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
