import { fieldOf, queryAgeDays, siteQueryFigures } from './query-rules';

const entry = { data: { grade: 3, crs: { temperatureC: 39.2 }, attestations: ['a', 'b'], empty: null }, occurredAt: '2026-01-01T00:00:00.000Z', reason: null };

describe('fieldOf', () => {
  it('reads a dotted path into the data, an index of a list, and the entry fields', () => {
    expect(fieldOf(entry, 'grade')).toBe(3);
    expect(fieldOf(entry, 'crs.temperatureC')).toBe(39.2);
    expect(fieldOf(entry, 'attestations.1')).toBe('b');
    expect(fieldOf(entry, 'empty')).toBeNull();
    expect(fieldOf(entry, 'occurredAt')).toBe('2026-01-01T00:00:00.000Z');
  });

  it('finds no field the entry does not hold, nor any of the prototype', () => {
    expect(fieldOf(entry, 'crs.heartRate')).toBeUndefined();
    expect(fieldOf(entry, 'grade.value')).toBeUndefined();
    expect(fieldOf(entry, 'attestations.2')).toBeUndefined();
    expect(fieldOf(entry, 'constructor')).toBeUndefined();
    expect(fieldOf(entry, '__proto__')).toBeUndefined();
    expect(fieldOf(entry, 'crs.toString')).toBeUndefined();
    expect(fieldOf(entry, 'attestations.length')).toBeUndefined();
    // An entry without a reason has no reason to ask about.
    expect(fieldOf(entry, 'reason')).toBeUndefined();
  });
});

describe('query ages', () => {
  const now = new Date('2026-03-10T12:00:00Z');
  it('counts whole days to now, or to the closing', () => {
    expect(queryAgeDays({ raisedAt: '2026-03-10T00:00:00Z', closedAt: null }, now)).toBe(0);
    expect(queryAgeDays({ raisedAt: '2026-03-09T12:00:00Z', closedAt: null }, now)).toBe(1);
    expect(queryAgeDays({ raisedAt: '2026-03-01T12:00:01Z', closedAt: null }, now)).toBe(8);
    expect(queryAgeDays({ raisedAt: '2026-03-01T00:00:00Z', closedAt: '2026-03-04T00:00:00Z' }, now)).toBe(3);
    // A clock set back never gives a negative age.
    expect(queryAgeDays({ raisedAt: '2026-03-11T00:00:00Z', closedAt: null }, now)).toBe(0);
  });

  it('gives each site its counts, its oldest and median waits and its median time to close', () => {
    const q = (siteId: string, status: 'open' | 'answered' | 'closed', raisedAt: string, closedAt: string | null = null) => ({ siteId, status, raisedAt, closedAt });
    expect(
      siteQueryFigures(
        [
          q('site-b', 'open', '2026-03-09T12:00:00Z'),
          q('site-a', 'open', '2026-03-01T12:00:00Z'),
          q('site-a', 'answered', '2026-03-05T12:00:00Z'),
          q('site-a', 'closed', '2026-02-01T12:00:00Z', '2026-02-03T12:00:00Z'),
          q('site-a', 'closed', '2026-02-01T12:00:00Z', '2026-02-07T12:00:00Z'),
        ],
        now,
      ),
    ).toEqual([
      { siteId: 'site-a', open: 1, answered: 1, closed: 2, oldestOpenDays: 9, medianOpenDays: 7, medianDaysToClose: 4 },
      { siteId: 'site-b', open: 1, answered: 0, closed: 0, oldestOpenDays: 1, medianOpenDays: 1, medianDaysToClose: null },
    ]);
    expect(siteQueryFigures([], now)).toEqual([]);
  });
});
