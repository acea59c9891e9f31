import { addWeeks, isoWeekOf, isoWeekProblems, weekStart, weeksFrom } from './iso-week';
import { bookableWeeks, chosenWeekRefusals, earliestFreeWeek, expectedRelease, firstWeekFor, freeSlots, promotions, queueOrder, queuePosition } from './booking-rules';

const site = { slotsPerWeek: 2, releaseDays: 17, horizonWeeks: 4 };
const taken = (entries: Array<[string, number]>) => new Map(entries);

describe('ISO weeks (ISO 8601-1 §5.2.4.2)', () => {
  it.each([
    ['2026-12-28T00:00:00.000Z', '2026-W53'], // a Monday: 2026 starts on a Thursday, so it has 53 weeks
    ['2026-12-31T23:59:59.999Z', '2026-W53'],
    ['2027-01-03T12:00:00.000Z', '2026-W53'], // a Sunday of January still in the year before's last week
    ['2027-01-04T00:00:00.000Z', '2027-W01'], // 4 January is always in week 1
    ['2024-12-30T08:00:00.000Z', '2025-W01'], // a Monday of December already in the next year's week 1
    ['2021-01-03T08:00:00.000Z', '2020-W53'],
    ['2026-03-02T08:30:00.000Z', '2026-W10'],
  ])('%s is in %s', (at, week) => {
    expect(isoWeekOf(at)).toBe(week);
  });

  it('starts a week on its Monday, across the year end', () => {
    expect(weekStart('2026-W53').toISOString()).toBe('2026-12-28T00:00:00.000Z');
    expect(weekStart('2027-W01').toISOString()).toBe('2027-01-04T00:00:00.000Z');
    expect(weekStart('2025-W01').toISOString()).toBe('2024-12-30T00:00:00.000Z');
  });

  it('counts weeks across the year end, 53-week years included', () => {
    expect(addWeeks('2026-W52', 1)).toBe('2026-W53');
    expect(addWeeks('2026-W53', 1)).toBe('2027-W01');
    expect(addWeeks('2025-W52', 1)).toBe('2026-W01');
    expect(addWeeks('2027-W01', -1)).toBe('2026-W53');
    expect(weeksFrom('2026-W52', 4)).toEqual(['2026-W52', '2026-W53', '2027-W01', '2027-W02']);
  });

  it('refuses what is not a week, naming it', () => {
    expect(isoWeekProblems('2026-W53')).toEqual([]);
    expect(isoWeekProblems('2025-W53')).toEqual(['week 2025-W53 does not exist: 2025 has 52 ISO weeks']);
    expect(isoWeekProblems('2026-W00')[0]).toContain('has no week 00');
    expect(isoWeekProblems('2026-W54')[0]).toContain('has no week 54');
    expect(isoWeekProblems('1900-W10')[0]).toContain('not a year the service books');
    expect(isoWeekProblems('2026-10')[0]).toContain('YYYY-Www');
    expect(isoWeekProblems('2026-W1\u0000')[0]).toContain('YYYY-Www');
  });
});

describe('booking a slot', () => {
  it('books the earliest week with a free slot, from the enrollment week', () => {
    expect(earliestFreeWeek('2026-W10', '2026-W10', site, taken([]))).toBe('2026-W10');
    expect(earliestFreeWeek('2026-W10', '2026-W10', site, taken([['2026-W10', 2]]))).toBe('2026-W11');
    expect(
      earliestFreeWeek(
        '2026-W10',
        '2026-W10',
        site,
        taken([
          ['2026-W10', 2],
          ['2026-W11', 2],
          ['2026-W12', 1],
        ]),
      ),
    ).toBe('2026-W12');
  });

  it('books within the horizon only: every week full means the queue', () => {
    const full = taken(bookableWeeks('2026-W10', 4).map((w) => [w, 2]));
    expect(earliestFreeWeek('2026-W10', '2026-W10', site, full)).toBeUndefined();
    // The fifth week is free but beyond a 4-week horizon.
    expect(freeSlots('2026-W14', site, full)).toBe(2);
  });

  it('books across the year end', () => {
    expect(
      earliestFreeWeek(
        '2026-W52',
        '2026-W52',
        site,
        taken([
          ['2026-W52', 2],
          ['2026-W53', 2],
        ]),
      ),
    ).toBe('2027-W01');
  });

  it('never books a past week for an enrollment recorded late', () => {
    expect(firstWeekFor('2026-02-20T10:00:00.000Z', new Date('2026-03-04T10:00:00.000Z'))).toBe('2026-W10');
    expect(firstWeekFor('2026-03-04T09:00:00.000Z', new Date('2026-03-04T10:00:00.000Z'))).toBe('2026-W10');
  });

  it('counts a site whose slots were cut below its bookings as full, not negative', () => {
    expect(freeSlots('2026-W10', { slotsPerWeek: 1 }, taken([['2026-W10', 3]]))).toBe(0);
  });

  it('refuses a chosen week in the past or beyond the horizon, naming it', () => {
    expect(chosenWeekRefusals('2026-W10', '2026-W10', 4)).toEqual([]);
    expect(chosenWeekRefusals('2026-W13', '2026-W10', 4)).toEqual([]);
    expect(chosenWeekRefusals('2026-W09', '2026-W10', 4)).toEqual(['week 2026-W09 is in the past: the current week is 2026-W10']);
    expect(chosenWeekRefusals('2026-W14', '2026-W10', 4)).toEqual(['week 2026-W14 is beyond the booking horizon of 4 weeks: the last bookable week is 2026-W13']);
    expect(chosenWeekRefusals('2027-W01', '2026-W52', 2)).toEqual(['week 2027-W01 is beyond the booking horizon of 2 weeks: the last bookable week is 2026-W53']);
  });

  it('expects the release the given days after the slot week starts', () => {
    expect(expectedRelease('2026-W10', 17)).toBe('2026-03-19');
    expect(expectedRelease('2026-W53', 10)).toBe('2027-01-07');
  });
});

describe('the queue', () => {
  const queue = [
    { id: 'c', patientId: 'p3', queuedAt: '2026-03-02T10:00:00.000Z' },
    { id: 'a', patientId: 'p1', queuedAt: '2026-03-02T09:00:00.000Z' },
    { id: 'b', patientId: 'p2', queuedAt: '2026-03-02T10:00:00.000Z' },
  ];

  it('is served in the order patients joined it, ties by booking id', () => {
    expect(queueOrder(queue).map((e) => e.patientId)).toEqual(['p1', 'p2', 'p3']);
    expect(queuePosition(queue, 'p1')).toBe(1);
    expect(queuePosition(queue, 'p3')).toBe(3);
    expect(queuePosition(queue, 'p9')).toBeUndefined();
  });

  it('gives a freed slot to the head of the queue', () => {
    const full = new Map(bookableWeeks('2026-W10', 4).map((w) => [w, 2]));
    full.set('2026-W12', 1); // one slot freed in W12
    expect(promotions(queue, '2026-W10', site, full)).toEqual([{ entry: queue[1], week: '2026-W12' }]);
  });

  it('fills every free slot, head first, earliest week first', () => {
    const moved = promotions(queue, '2026-W10', site, taken([['2026-W10', 1]]));
    expect(moved.map(({ entry, week }) => [entry.patientId, week])).toEqual([
      ['p1', '2026-W10'],
      ['p2', '2026-W11'],
      ['p3', '2026-W11'],
    ]);
  });

  it('moves nobody when no slot is free', () => {
    expect(promotions(queue, '2026-W10', site, new Map(bookableWeeks('2026-W10', 4).map((w) => [w, 2])))).toEqual([]);
  });
});
