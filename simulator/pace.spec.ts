import { DAY_MS, findProtocol } from '#protocols';
import { Agenda } from './agenda';
import { InfusionCalendar } from './context';
import { arrivalIntervalDays, defaultDaysPerSecond, expectedStudyDays } from './pace';

describe('default speed', () => {
  it('fits a run of the default size into about a minute', () => {
    const cd19 = findProtocol('cd19-rr-all')!.spec;
    const cd38 = findProtocol('NCT03754764')!.spec;
    expect(expectedStudyDays(cd19, 12, null)).toBeGreaterThan(761);
    expect(defaultDaysPerSecond(expectedStudyDays(cd19, 12, null)) * 60).toBeCloseTo(expectedStudyDays(cd19, 12, null), -1);
    // A dose-finding trial's patients arrive at the pace of its cohorts: stagger, DLT window, manufacturing.
    expect(arrivalIntervalDays(cd38)).toBeCloseTo((7 * 2 + 28 + 30) / 3);
    expect(defaultDaysPerSecond(10_000)).toBe(100);
    expect(defaultDaysPerSecond(10)).toBe(1);
  });
});

describe('infusion calendar', () => {
  it('books infusions a stagger apart, after the last infusion the engine knows of', () => {
    const calendar = new InfusionCalendar(7);
    const t = Date.parse('2026-03-02T00:00:00Z');
    const first = calendar.book(t, t - 2 * DAY_MS);
    expect(first).toBe(t - 2 * DAY_MS + 7.25 * DAY_MS);
    expect(calendar.book(t)).toBe(first + 7.25 * DAY_MS);
    expect(calendar.book(t + 100 * DAY_MS)).toBe(t + 100 * DAY_MS);
    expect(new InfusionCalendar(0).book(t, t)).toBe(t);
  });
});

describe('agenda', () => {
  it('gives steps in time order, steps of one instant in the order added', () => {
    const agenda = new Agenda();
    const noop = async () => undefined;
    agenda.add(3, 'c', noop);
    agenda.add(1, 'a', noop);
    agenda.add(3, 'd', noop);
    agenda.add(2, 'b', noop);
    const order: string[] = [];
    for (let s = agenda.next(); s; s = agenda.next()) order.push(s.what);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
  });
});
