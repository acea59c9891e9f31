import { daysOverdue, isStillToDo } from './visits';

describe('the overdue rule', () => {
  const now = '2026-03-10T08:00:00.000Z';

  it('counts the UTC days a visit still to do is past its target date', () => {
    expect(daysOverdue({ status: 'planned', targetDate: '2026-03-09T12:00:00.000Z' }, now)).toBe(1);
    expect(daysOverdue({ status: 'due', targetDate: '2026-03-01T00:00:00.000Z' }, now)).toBe(9);
    expect(daysOverdue({ status: 'due', targetDate: '2026-03-09T23:59:59.999Z' }, new Date(now))).toBe(1);
  });

  it('is not overdue on its target day or before it', () => {
    expect(daysOverdue({ status: 'due', targetDate: '2026-03-10T23:00:00.000Z' }, now)).toBeUndefined();
    expect(daysOverdue({ status: 'planned', targetDate: '2026-03-11T00:00:00.000Z' }, now)).toBeUndefined();
  });

  it('never counts a visit done, missed or cancelled', () => {
    for (const status of ['done', 'missed', 'cancelled']) {
      expect(isStillToDo(status)).toBe(false);
      expect(daysOverdue({ status, targetDate: '2026-01-01T00:00:00.000Z' }, now)).toBeUndefined();
    }
    expect(isStillToDo('planned') && isStillToDo('due')).toBe(true);
  });
});
