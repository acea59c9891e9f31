import { buildProtocol } from './protocol';
import { cd19RrAllV1 } from '../cd19-rr-all/protocol';

describe('buildProtocol', () => {
  it('refuses a spec whose follow-up ends before the last visit window closes', () => {
    expect(() => buildProtocol({ ...cd19RrAllV1, followUpDays: 760 })).toThrow(/must end after the last visit window closes \(day 760\)/);
  });

  it('refuses a primary response visit that is not in the schedule', () => {
    expect(() => buildProtocol({ ...cd19RrAllV1, primaryResponseVisit: 'D30' })).toThrow(/D30 is not in the schedule/);
  });
});
