import { bedsidePeopleProblems } from './bedside-check';

describe('the two people of the bedside check', () => {
  const coordinator = { id: 'user:c', role: 'coordinator' };
  const investigator = { id: 'user:i', role: 'investigator' };

  it('accepts a coordinator with an investigator, either way round, and two investigators', () => {
    expect(bedsidePeopleProblems(coordinator, investigator)).toEqual([]);
    expect(bedsidePeopleProblems(investigator, coordinator)).toEqual([]);
    expect(bedsidePeopleProblems(investigator, { id: 'user:j', role: 'investigator' })).toEqual([]);
  });

  it('refuses one person alone, or the same person twice', () => {
    expect(bedsidePeopleProblems(investigator, undefined)[0]).toContain('needs a second person');
    expect(bedsidePeopleProblems(investigator, investigator)).toEqual(['the bedside check needs two different people: the witness cannot be the person recording the infusion']);
  });

  it('refuses two coordinators, and a witness who has no part at the bedside', () => {
    expect(bedsidePeopleProblems(coordinator, { id: 'user:d', role: 'coordinator' })).toEqual(['one of the two people of the bedside check must be an investigator']);
    expect(bedsidePeopleProblems(investigator, { id: 'user:m', role: 'monitor' })).toEqual([
      'the witness of the bedside check must be a coordinator or an investigator, not a monitor',
    ]);
  });
});
