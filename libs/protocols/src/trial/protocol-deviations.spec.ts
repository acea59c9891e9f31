import { cd19RrAllV1 } from '../cd19-rr-all/protocol';
import type { PatientContext } from '../lifecycle/context';
import { deviationsAsOf, protocolDeviations, standingDeviations, windowCompliance, type DeviationLogEntry } from './protocol-deviations';

const spec = cd19RrAllV1;
const day0 = '2026-03-01T00:00:00.000Z';
/** Day `n` after the infusion, at `hour` UTC. */
const day = (n: number, hour = 10) => new Date(Date.parse(day0) + n * 86_400_000 + hour * 3_600_000).toISOString();
const closesAt = new Date(Date.parse(day0) + 28 * 86_400_000).toISOString();

const record = (over: Partial<PatientContext> = {}) =>
  ({
    infusion: { infusedAt: day0, cellsPerKg: 7e6, weightKg: 70, totalCells: 4.9e8 },
    dltWindow: { closesAt },
    dlts: [],
    visits: {},
    responses: [],
    ...over,
  }) as unknown as PatientContext;

const kinds = (list: ReturnType<typeof protocolDeviations>) => list.map((d) => [d.kind, d.visit ?? d.seq ?? null, d.severity]);

describe('protocolDeviations', () => {
  // D7's window runs from day 6, 00:00 to day 8, 00:00 UTC (target day 7 ± 1, lifecycle/schedule.ts).
  describe('a visit done outside its window (D7: day 6 to day 8)', () => {
    it.each([
      ['as its window opens', 6, 0],
      ['as its window closes', 8, 0],
    ])('is no deviation %s', (_what, n, hour) => {
      const done = record({ visits: { D7: { status: 'done', completedAt: day(n, hour) } } });
      expect(protocolDeviations(spec, done, [], day(9))).toEqual([]);
    });

    it.each([
      ['an hour before it opens', 5, 23, 'before its window opened'],
      ['an hour after it closes', 8, 1, 'after its window closed'],
    ])('is a minor deviation %s', (_what, n, hour, when) => {
      const done = record({ visits: { D7: { status: 'done', completedAt: day(n, hour), outOfWindow: true } } });
      const [deviation] = protocolDeviations(spec, done, [], day(10));
      expect(deviation).toMatchObject({
        id: 'visit-out-of-window:D7',
        kind: 'visit-out-of-window',
        category: 'visitSchedule',
        severity: 'minor',
        source: 'engine',
        visit: 'D7',
        at: day(n, hour),
        rule: 'visit D7 is done within its window, 2026-03-07 to 2026-03-09 (day 7)',
      });
      expect(deviation!.description).toContain(when);
    });
  });

  describe('a missed visit', () => {
    it('is minor for a visit other than the primary endpoint visit', () => {
      const missed = record({ visits: { D7: { status: 'missed', missedAt: day(9) } } });
      expect(kinds(protocolDeviations(spec, missed, [], day(10)))).toEqual([['visit-missed', 'D7', 'minor']]);
    });

    it('is major for the primary endpoint visit (D28)', () => {
      const missed = record({ visits: { D28: { status: 'missed', missedAt: day(32) } } });
      const deviation = protocolDeviations(spec, missed, [], day(33)).find((d) => d.visit === 'D28');
      expect(deviation).toMatchObject({ kind: 'visit-missed', visit: 'D28', severity: 'major', at: day(32) });
      expect(deviation!.description).toContain('primary endpoint');
    });

    it('counts a window that closed before the scheduler marked it, not one still open', () => {
      // D7's window closes on day 8 at 00:00: after it, the visit is missed whether or not VISIT_MISSED ran.
      expect(protocolDeviations(spec, record(), [], day(8, 0))).toEqual([]);
      expect(kinds(protocolDeviations(spec, record(), [], day(8, 1)))).toEqual([['visit-missed', 'D7', 'minor']]);
    });

    it.each(['withdrawn', 'death'])('is none for the visits of a patient off study (%s)', (reason) => {
      const off = record({ offStudy: { at: day(3), reason } });
      expect(protocolDeviations(spec, off, [], day(400))).toEqual([]);
    });

    it('is none for a visit not required of the patient', () => {
      const notRequired = record({ visits: { D7: { status: 'notRequired', reason: 'added by an amendment after its window' } } });
      expect(protocolDeviations(spec, notRequired, [], day(10))).toEqual([]);
    });
  });

  describe('a response assessment outside the window of its visit (D28: day 25 to day 31)', () => {
    const visits = { D7: { status: 'done', completedAt: day(7) }, D14: { status: 'done', completedAt: day(14) } } as PatientContext['visits'];
    const assessed = (n: number, hour = 10) => record({ visits, responses: [{ visit: 'D28', response: 'CR', assessedAt: day(n, hour) }] });

    it.each([
      ['as the window opens', 25, 0],
      ['as it closes', 31, 0],
    ])('is no deviation %s', (_what, n, hour) => {
      expect(protocolDeviations(spec, assessed(n, hour), [], day(26))).toEqual([]);
    });

    it('is a minor deviation an hour after the window closed', () => {
      const [deviation] = protocolDeviations(spec, assessed(31, 1), [], day(26));
      expect(deviation).toMatchObject({ kind: 'assessment-out-of-window', severity: 'minor', category: 'visitSchedule', visit: 'D28', at: day(31, 1) });
      expect(deviation!.description).toBe('The D28 response assessment was done on 2026-04-01, after the window closed');
    });
  });

  describe('a late DLT', () => {
    const visits = { D7: { status: 'done', completedAt: day(7) }, D14: { status: 'done', completedAt: day(14) } } as PatientContext['visits'];
    const dlt = { term: 'Encephalopathy', grade: 3, onset: day(20, 0) };
    const report = (seq: number, at: string): DeviationLogEntry => ({
      seq,
      type: 'ADVERSE_EVENT_REPORTED',
      occurredAt: at,
      data: { term: 'encephalopathy', grade: 3, onset: day(20, 0), related: true, serious: true },
    });
    const closed: DeviationLogEntry = { seq: 10, type: 'DLT_WINDOW_CLOSED', occurredAt: closesAt, data: {} };

    it('is none when the DLT was reported inside the window', () => {
      const inTime = record({ visits, dlts: [dlt], dltWindow: { closesAt, closedAt: closesAt } });
      expect(protocolDeviations(spec, inTime, [report(9, day(21)), closed], day(24))).toEqual([]);
    });

    it('is a major deviation when it was first reported after the window closed', () => {
      const late = record({ visits, dlts: [dlt], dltWindow: { closesAt, closedAt: closesAt } });
      const [deviation] = protocolDeviations(spec, late, [closed, report(11, day(30))], day(24));
      expect(deviation).toMatchObject({ id: 'late-dlt:11', kind: 'late-dlt', severity: 'major', category: 'safetyReporting', seq: 11, at: day(30) });
      expect(deviation!.rule).toContain('28-day DLT window');
    });

    it('is late for a patient who left during the window when the report is dated after the window', () => {
      const left = record({ visits, dlts: [dlt], offStudy: { at: day(22), reason: 'withdrawn' } });
      expect(kinds(protocolDeviations(spec, left, [report(9, day(29))], day(24)))).toEqual([['late-dlt', 9, 'major']]);
      expect(protocolDeviations(spec, left, [report(9, day(27))], day(24))).toEqual([]);
    });

    it('is none once the DLT no longer counts (adjudicated not dose-limiting)', () => {
      const overturned = record({ visits, dlts: [], dltWindow: { closesAt, closedAt: closesAt } });
      expect(protocolDeviations(spec, overturned, [closed, report(11, day(30))], day(24))).toEqual([]);
    });
  });

  it('lists each deviation of the chain of custody as major', () => {
    const custody = record({
      deviations: [{ kind: 'post-thaw-limit', at: day(0, 1), message: 'The product thawed at … was not infused within the protocol’s 30 minutes after thaw' }],
    });
    const [deviation] = protocolDeviations(spec, custody, [], day(1));
    expect(deviation).toMatchObject({ kind: 'post-thaw-limit', severity: 'major', category: 'investigationalProduct', source: 'engine' });
    expect(deviation!.rule).toBe('the thawed product is infused within 30 minutes of thaw');
  });

  it('lists the deviations the site recorded, as recorded, oldest first with the others', () => {
    const recorded: DeviationLogEntry = {
      seq: 5,
      type: 'PROTOCOL_DEVIATION_RECORDED',
      occurredAt: day(2),
      data: { category: 'procedure', severity: 'major', description: 'ICE score not done before the infusion', rule: 'protocol 7.2: ICE at baseline' },
    };
    const list = protocolDeviations(spec, record({ visits: { D7: { status: 'missed', missedAt: day(9) } } }), [recorded], day(12));
    expect(list.map((d) => d.id)).toEqual(['recorded:5', 'visit-missed:D7']);
    expect(list[0]).toMatchObject({ source: 'site', category: 'procedure', severity: 'major', rule: 'protocol 7.2: ICE at baseline' });
  });

  it('is empty before the infusion', () => {
    expect(protocolDeviations(spec, { visits: {}, dlts: [] } as unknown as PatientContext, [], day(400))).toEqual([]);
  });
});

describe('windowCompliance', () => {
  it('counts settled visits only: done in window, done outside it, missed', () => {
    const visits = {
      D7: { status: 'done', completedAt: day(7) },
      D14: { status: 'done', completedAt: day(20), outOfWindow: true },
      D28: { status: 'missed', missedAt: day(32) },
    } as PatientContext['visits'];
    expect(windowCompliance(spec, record({ visits }), day(40))).toEqual({ inWindow: 1, outOfWindow: 1, missed: 1 });
  });

  it('counts nothing of an off-study patient’s cancelled visits', () => {
    expect(windowCompliance(spec, record({ offStudy: { at: day(3), reason: 'death' } }), day(400))).toEqual({ inWindow: 0, outOfWindow: 0, missed: 0 });
  });
});

describe('standingDeviations, read later with deviationsAsOf', () => {
  const visits = { D7: { status: 'done', completedAt: day(9), outOfWindow: true } } as PatientContext['visits'];
  const recorded: DeviationLogEntry = {
    seq: 7,
    type: 'PROTOCOL_DEVIATION_RECORDED',
    occurredAt: day(16, 0),
    data: { category: 'procedure', severity: 'minor', description: 'Vital signs not taken', rule: 'protocol 8.3' },
  };
  const kept = record({ visits });
  // What a read model stores: made once, kept as JSON.
  const stored = JSON.parse(JSON.stringify(standingDeviations(spec, kept, [recorded]))) as ReturnType<typeof standingDeviations>;

  it.each([
    ['before D14 opens', day(10)],
    ['as D14 closes', day(16, 0)],
    ['an hour after D14 closed', day(16, 1)],
    ['after D28 closed', day(32)],
    ['two years on', day(730)],
  ])('gives what the record gives %s, deviations and settled visits', (_when, now) => {
    expect(deviationsAsOf(stored, now)).toEqual({ deviations: protocolDeviations(spec, kept, [recorded], now), compliance: windowCompliance(spec, kept, now) });
  });

  it('turns an open visit missed only once its window has closed, the kept part unchanged', () => {
    expect(deviationsAsOf(stored, day(16, 0)).deviations.map((d) => d.id)).toEqual(['visit-out-of-window:D7', 'recorded:7']);
    // D14's window closes on day 16 at 00:00, the instant the site's deviation is dated: missed after it, listed after it.
    expect(deviationsAsOf(stored, day(16, 1)).deviations.map((d) => d.id)).toEqual(['visit-out-of-window:D7', 'visit-missed:D14', 'recorded:7']);
    expect(deviationsAsOf(stored, day(16, 1)).compliance).toEqual({ inWindow: 0, outOfWindow: 1, missed: 1 });
  });
});
