import { buildProtocol } from './protocol';
import { cd19RrAllV1 } from '../cd19-rr-all/protocol';

describe('buildProtocol', () => {
  it('refuses a spec whose follow-up ends before the last visit window closes', () => {
    expect(() => buildProtocol({ ...cd19RrAllV1, followUpDays: 760 })).toThrow(/must end after the last visit window closes \(day 760\)/);
  });

  it('refuses a primary response visit that is not in the schedule', () => {
    expect(() => buildProtocol({ ...cd19RrAllV1, primaryResponseVisit: 'D30' })).toThrow(/D30 is not in the schedule/);
  });

  it("refuses a dose level reaching outside the trial's cell dose range, at either end", () => {
    const level = cd19RrAllV1.doseLevels[0];
    expect(() => buildProtocol({ ...cd19RrAllV1, doseLevels: [{ ...level, minCellsPerKg: 4.99e6 }] })).toThrow(
      /dose level 1 \(4990000–10000000 cells\/kg\) must lie inside the trial's range 5000000–10000000 cells\/kg/,
    );
    expect(() => buildProtocol({ ...cd19RrAllV1, doseLevels: [{ ...level, maxCellsPerKg: 10.01e6 }] })).toThrow(/must lie inside/);
    expect(() => buildProtocol(cd19RrAllV1)).not.toThrow();
  });
});
