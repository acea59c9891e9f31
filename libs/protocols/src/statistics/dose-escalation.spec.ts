import { checkEscalationInput, describeDlts, tallyAt } from './dose-escalation';

describe('dose-escalation tallies', () => {
  it('reads a level without patients as 0 of 0', () => {
    expect(tallyAt([{ level: 1, treated: 3, dlts: 1 }], 2)).toEqual({ level: 2, treated: 0, dlts: 0 });
    expect(tallyAt([{ level: 1, treated: 3, dlts: 1 }], 1)).toEqual({ level: 1, treated: 3, dlts: 1 });
  });

  it('says the counts in words', () => {
    expect(describeDlts({ level: 2, treated: 3, dlts: 0 })).toBe('0 of 3 patients at level 2 had a DLT');
    expect(describeDlts({ level: 1, treated: 1, dlts: 1 })).toBe('1 of 1 patient at level 1 had a DLT');
  });

  it('refuses tallies a trial cannot have', () => {
    const levels = [1, 2, 3];
    expect(() => checkEscalationInput([], 1, [])).toThrow(/at least one dose level/);
    expect(() => checkEscalationInput([], 1, [1, 3, 2])).toThrow(/lowest first/);
    expect(() => checkEscalationInput([], 1, [1, 1])).toThrow(/lowest first/);
    expect(() => checkEscalationInput([], 4, levels)).toThrow(/current level 4/);
    expect(() => checkEscalationInput([{ level: 5, treated: 3, dlts: 0 }], 1, levels)).toThrow(/level 5 is not one/);
    const twice = [
      { level: 1, treated: 3, dlts: 0 },
      { level: 1, treated: 3, dlts: 1 },
    ];
    expect(() => checkEscalationInput(twice, 1, levels)).toThrow(/counted twice/);
    expect(() => checkEscalationInput([{ level: 1, treated: 2.5, dlts: 0 }], 1, levels)).toThrow(/whole number/);
    expect(() => checkEscalationInput([{ level: 1, treated: 3, dlts: 4 }], 1, levels)).toThrow(/between 0 and 3 DLTs, got 4/);
    expect(() => checkEscalationInput([{ level: 1, treated: 3, dlts: -1 }], 1, levels)).toThrow(RangeError);
    expect(() => checkEscalationInput([{ level: 2, treated: 6, dlts: 1 }], 2, levels)).not.toThrow();
  });

  it('names what is wrong in each refusal', () => {
    const levels = [1, 2, 3];
    expect(() => checkEscalationInput([], 1, [1, Number.NaN])).toThrow(new RangeError('dose level NaN is not a number'));
    expect(() => checkEscalationInput([], 1, [1, Number.POSITIVE_INFINITY])).toThrow(/dose level Infinity is not a number/);
    expect(() => checkEscalationInput([], 1, [2, 1])).toThrow(new RangeError('dose levels must be listed lowest first without repeats, got 2, 1'));
    expect(() => checkEscalationInput([], 4, levels)).toThrow(new RangeError("current level 4 is not one of the protocol's levels 1, 2, 3"));
    expect(() => checkEscalationInput([{ level: 5, treated: 3, dlts: 0 }], 1, levels)).toThrow(new RangeError("level 5 is not one of the protocol's levels 1, 2, 3"));
    // a negative count is refused as a count, not only through its DLTs
    expect(() => checkEscalationInput([{ level: 1, treated: -3, dlts: 0 }], 1, levels)).toThrow(new RangeError('level 1 must have a whole number of evaluable patients, got -3'));
  });
});
