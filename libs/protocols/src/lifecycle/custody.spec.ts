import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { cd19RrAll } from '../cd19-rr-all/protocol';
import { cd19StepsToInfusion, SPEC_PATIENT_COI } from '#testing/eligibility';
import type { ClinicalEvent, ClinicalEventType } from '../events';
import { addDays } from './clinical-time';
import { chainOfIdentityId, formatChainOfIdentityId } from '../rules/chain-of-identity';
import { custodyOrderProblems, releaseFailures } from '../rules/custody';
import { DEFAULT_CUSTODY } from './custody';
import { buildProtocol } from './protocol';
import type { PatientContext } from './context';

const protocol = cd19RrAll[0];
const T0 = '2026-03-01T08:00:00.000Z';
const at = (days: number, minutes = 0) => new Date(Date.parse(addDays(T0, days)) + minutes * 60_000).toISOString();
const STEPS = cd19StepsToInfusion();
const coi = SPEC_PATIENT_COI;
const otherCoi = chainOfIdentityId('W1234', '2026-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000002');
const IN_SPEC = { viabilityPct: 90, carPositivePct: 40, viableCarTCells: 5e9, sterility: 'noGrowth', mycoplasma: 'notDetected', endotoxinEuPerKg: 0.5 };

function start() {
  const [snapshot] = initialTransition(protocol.machine, { patient: { subjectId: 'S-001', sex: 'female', birthDate: '1991-07-14', weightKg: 70, heightCm: 170 } });
  return snapshot as AnyMachineSnapshot;
}
const event = (type: ClinicalEventType, occurredAt: string, data: Record<string, unknown> = {}): ClinicalEvent => ({ type, occurredAt, data });
const refusals = (s: AnyMachineSnapshot, e: ClinicalEvent) => protocol.refusals(s.context as PatientContext, e);
const send = (s: AnyMachineSnapshot, e: ClinicalEvent) => {
  const [next, actions] = transition(protocol.machine, s as never, e as never);
  return { s: next as AnyMachineSnapshot, actions: actions as Array<{ type: string; params?: Record<string, unknown> }> };
};
/** Sends an event the rules take: refused ones fail the test. */
const take = (s: AnyMachineSnapshot, e: ClinicalEvent) => {
  expect(refusals(s, e)).toEqual([]);
  return send(s, e);
};
const context = (s: AnyMachineSnapshot) => s.context as PatientContext;

/** The patient after the standard steps up to (not including) `until`. */
function walkTo(until?: ClinicalEventType, s = start()) {
  for (const [type, day, data] of STEPS) {
    if (type === until) return s;
    s = take(s, event(type, at(day), data)).s;
  }
  return s;
}
const stepData = (type: ClinicalEventType) => STEPS.find(([t]) => t === type)![2];
const raised = (actions: Array<{ type: string; params?: Record<string, unknown> }>, id: string) =>
  actions.filter((a) => a.type === 'xstate.raise' && a.params?.id === id).map((a) => a.params!.delay);
const cancelled = (actions: Array<{ type: string; params?: Record<string, unknown> }>, id: string) => actions.some((a) => a.type === 'xstate.cancel' && a.params?.sendId === id);

describe('the chain of custody', () => {
  it('walks from the collection to the infusion, each hand-off after the one before', () => {
    const s = walkTo();
    expect(context(s).custody).toMatchObject({ step: 'thawed', thawedAt: at(0), bagId: 'APH-1', lot: 'L1' });
    const infused = take(s, event('INFUSION_COMPLETED', at(0, 10), { cellsPerKg: 7e6 })).s;
    expect(context(infused).custody).toMatchObject({ step: 'infused', at: at(0, 10) });
    expect(context(infused).manufacturing).toEqual({ history: [{ attempt: 1, source: 'apheresis', startedAt: at(-25), outcome: 'released', at: at(-8) }] });
    expect(context(infused).deviations).toBeUndefined();
  });

  it('refuses a gap, naming the step that is missing, and a second hand-off of the same step', () => {
    expect(custodyOrderProblems({ step: 'collected', at: at(-26) }, 'APHERESIS_RECEIVED')).toEqual([
      'a gap in the chain of custody: the receipt at the manufacturing site cannot follow the apheresis collection; record the shipment of the apheresis product (APHERESIS_SHIPPED) first',
    ]);
    expect(custodyOrderProblems({ step: 'receivedAtManufacturing', at: at(-25) }, 'APHERESIS_RECEIVED')).toEqual([
      `the chain of custody is past the receipt at the manufacturing site: the product was at the receipt at the manufacturing site on ${at(-25)} (a receipt at the manufacturing site cannot be recorded twice)`,
    ]);
    // Storage may be skipped; the thaw may not.
    expect(custodyOrderProblems({ step: 'receivedAtSite', at: at(-6) }, 'PRODUCT_THAWED')).toEqual([]);
    expect(custodyOrderProblems({ step: 'receivedAtSite', at: at(-6) }, 'INFUSION_COMPLETED')[0]).toContain('record the thaw of the product (PRODUCT_THAWED) first');
    expect(custodyOrderProblems({ step: 'shippedToSite', at: at(-7) }, 'PRODUCT_THAWED')[0]).toContain('record the receipt of the product at the site (PRODUCT_RECEIVED) first');
  });

  it('refuses a thaw before the product was received at the site, and an infusion with no thaw', () => {
    const shipped = walkTo('PRODUCT_RECEIVED');
    const ready = take(take(shipped, event('LYMPHODEPLETION_STARTED', at(-5))).s, event('LYMPHODEPLETION_COMPLETED', at(-3))).s;
    expect(refusals(ready, event('PRODUCT_THAWED', at(0), stepData('PRODUCT_THAWED')))[0]).toMatch(/thaw of the product cannot follow the shipment of the product to the site/);
    const received = walkTo('PRODUCT_THAWED');
    expect(refusals(received, event('INFUSION_COMPLETED', at(0), { cellsPerKg: 7e6 }))[0]).toMatch(
      /infusion cannot follow the receipt of the product at the site; record the thaw/,
    );
  });

  it("refuses another patient's bag and a misread identifier on every hand-off, naming the field", () => {
    const s = walkTo('APHERESIS_RECEIVED');
    const data = stepData('APHERESIS_RECEIVED');
    expect(refusals(s, event('APHERESIS_RECEIVED', at(-25), { ...data, coi: otherCoi }))).toEqual([
      `data.coi ${formatChainOfIdentityId(otherCoi)} is another patient's product, not this patient's (${formatChainOfIdentityId(coi)}): nothing is recorded; check the bag`,
    ]);
    const misread = coi.slice(0, -1) + (coi.endsWith('A') ? 'B' : 'A');
    expect(refusals(s, event('APHERESIS_RECEIVED', at(-25), { ...data, coi: misread }))[0]).toMatch(/^data\.coi .* has check character/);
    // Spaces and lower case are how a label prints and how someone types it: forgiven.
    expect(refusals(s, event('APHERESIS_RECEIVED', at(-25), { ...data, coi: formatChainOfIdentityId(coi).toLowerCase() }))).toEqual([]);
  });

  it('refuses a collection without its bag, volume, counts, people and place', () => {
    expect(refusals(walkTo('LEUKAPHERESIS_COMPLETED'), event('LEUKAPHERESIS_COMPLETED', at(-26)))).toEqual([
      'the apheresis collection starts the chain of custody and records bagId, volumeMl, totalNucleatedCells, collectedBy, location',
    ]);
  });

  it('refuses a hand-off dated before the step it follows', () => {
    const s = walkTo('APHERESIS_RECEIVED');
    expect(refusals(s, event('APHERESIS_RECEIVED', at(-27), stepData('APHERESIS_RECEIVED')))).toContain(
      `APHERESIS_RECEIVED at ${at(-27)} is before the shipment of the apheresis product at ${at(-26)}`,
    );
  });
});

describe('release testing', () => {
  const released = (results: Record<string, unknown> | undefined, extra: Record<string, unknown> = {}) =>
    event('PRODUCT_RELEASED', at(-8), { lot: 'L1', coi, ...(results ? { results } : {}), ...extra });

  it('refuses a release without results', () => {
    expect(refusals(walkTo('PRODUCT_RELEASED'), released(undefined))).toEqual([
      'data.results: a product is released on its release testing (viability, CAR-positive %, dose, sterility, mycoplasma, endotoxin)',
    ]);
  });

  it('checks each criterion at its boundary (viability 70% passes, 69.9% does not)', () => {
    const min = 7e6 * 70; // the lowest dose of level 1 times 70 kg
    const criteria = DEFAULT_CUSTODY.release;
    const base = { ...IN_SPEC, sterility: 'noGrowth', mycoplasma: 'notDetected' } as const;
    expect(releaseFailures(criteria, { ...base, viabilityPct: 70, carPositivePct: 10, endotoxinEuPerKg: 5, viableCarTCells: min }, min)).toEqual([]);
    const failed = releaseFailures(criteria, { ...base, viabilityPct: 69.9, carPositivePct: 9.9, endotoxinEuPerKg: 5.01, viableCarTCells: min - 1 }, min);
    expect(failed.map((f) => [f.criterion, f.waivable])).toEqual([
      ['viability', true],
      ['carPositive', true],
      ['dose', true],
      ['endotoxin', false],
    ]);
  });

  it('refuses an out-of-specification product unless the investigator justifies it, and then keeps the deviation', () => {
    const s = walkTo('PRODUCT_RELEASED');
    const low = { ...IN_SPEC, viabilityPct: 62 };
    expect(refusals(s, released(low))).toEqual([
      'viability 62% is below the release criterion of at least 70%',
      "the product is out of specification: an investigator may release it under the protocol's out-of-specification rule with a signed justification (data.outOfSpecification.justification), or reject it (REMANUFACTURE_ORDERED)",
    ]);
    const justified = take(s, released(low, { outOfSpecification: { justification: 'no other option; the patient is progressing' } }));
    expect(context(justified.s).product).toMatchObject({ outOfSpecification: ['viability'] });
    expect(context(justified.s).manufacturing!.history[0].outcome).toBe('releasedOutOfSpecification');
    expect(context(justified.s).deviations).toEqual([expect.objectContaining({ kind: 'out-of-specification-release' })]);
    expect(justified.actions.filter((a) => a.type === 'notify').map((a) => a.params!.kind)).toEqual(['product-out-of-specification']);
  });

  it('never releases a product that grew organisms, justified or not', () => {
    const s = walkTo('PRODUCT_RELEASED');
    const reasons = refusals(s, released({ ...IN_SPEC, sterility: 'growth' }, { outOfSpecification: { justification: 'please' } }));
    expect(reasons).toEqual([
      'sterility testing grew organisms (21 CFR 610.12 asks for no growth): the product cannot be released; reject it (REMANUFACTURE_ORDERED or MANUFACTURING_FAILED)',
    ]);
  });

  it('refuses a justification for a product that meets every criterion', () => {
    expect(refusals(walkTo('PRODUCT_RELEASED'), released(IN_SPEC, { outOfSpecification: { justification: 'just in case' } }))).toEqual([
      'the product meets every release criterion: there is nothing to justify (leave out data.outOfSpecification)',
    ]);
  });

  it('refuses an infusion of more cells than the product holds', () => {
    const s = walkTo();
    expect(refusals(s, event('INFUSION_COMPLETED', at(0, 5), { cellsPerKg: 1e8 }))).toContain(
      'the infusion gives 7.00e+9 cells, more than the 5.00e+9 viable CAR-positive T cells the released product holds',
    );
  });
});

describe('when manufacturing goes wrong', () => {
  it('makes the product again from retained cells: back to manufacturing at the manufacturing site, the attempt counted', () => {
    const s = walkTo('PRODUCT_RELEASED');
    const again = take(s, event('REMANUFACTURE_ORDERED', at(-10), { cause: 'manufacturingFailure', source: 'retainedCells', reason: 'expansion failed' }));
    expect(again.s.value).toBe('manufacturing');
    expect(context(again.s).custody).toEqual({ step: 'receivedAtManufacturing', at: at(-10) });
    expect(context(again.s).manufacturing!.history).toEqual([
      { attempt: 1, source: 'apheresis', startedAt: at(-25), outcome: 'failed', at: at(-10), reason: 'expansion failed' },
      { attempt: 2, source: 'retainedCells' },
    ]);
    expect(context(again.s).enrollment!.coi).toBe(coi);
    // The new attempt starts, then is released: the chain goes on with the same identifier.
    const started = take(again.s, event('MANUFACTURING_STARTED', at(-9), { coi, batchId: 'B-2', location: 'Manufacturing site' })).s;
    const releasedAgain = take(started, event('PRODUCT_RELEASED', at(-2), { lot: 'L2', coi, results: IN_SPEC })).s;
    expect(releasedAgain.value).toBe('productReleased');
    expect(context(releasedAgain).manufacturing!.history[1]).toMatchObject({ attempt: 2, startedAt: at(-9), outcome: 'released' });
  });

  it('makes it again from a new apheresis: back to enrolled, the chain starting again', () => {
    const s = walkTo('PRODUCT_SHIPPED');
    const again = take(s, event('REMANUFACTURE_ORDERED', at(-7), { cause: 'outOfSpecification', source: 'newApheresis', reason: 'sterility failed' }));
    expect(again.s.value).toBe('enrolled');
    expect(context(again.s).custody).toBeUndefined();
    expect(context(again.s).product).toBeUndefined();
    const collected = take(again.s, event('LEUKAPHERESIS_COMPLETED', at(-6), stepData('LEUKAPHERESIS_COMPLETED'))).s;
    expect(context(collected).manufacturing!.history.map((a) => [a.attempt, a.source, a.outcome])).toEqual([
      [1, 'apheresis', 'rejected'],
      [2, 'newApheresis', undefined],
    ]);
  });

  it('refuses to make it again before any attempt started, and beyond the protocol’s attempts', () => {
    const collected = walkTo('APHERESIS_SHIPPED');
    const order = (day: number) => event('REMANUFACTURE_ORDERED', at(day), { cause: 'manufacturingFailure', source: 'retainedCells', reason: 'failed' });
    expect(refusals(collected, order(-26))).toEqual(['no manufacturing attempt has started: there is nothing to make again']);
    let s = walkTo('PRODUCT_RELEASED');
    for (let attempt = 2; attempt <= DEFAULT_CUSTODY.maxManufacturingAttempts; attempt += 1) {
      s = take(s, order(-20 + attempt)).s;
      s = take(s, event('MANUFACTURING_STARTED', at(-20 + attempt, 1), { coi, batchId: `B-${attempt}`, location: 'Manufacturing site' })).s;
    }
    expect(refusals(s, order(-10))).toEqual(['the protocol allows 3 manufacturing attempts and 3 were made: record MANUFACTURING_FAILED']);
  });
});

describe('bridging therapy', () => {
  it('holds lymphodepletion until the investigator re-confirms eligibility after it', () => {
    let s = walkTo('PRODUCT_SHIPPED');
    s = take(s, event('BRIDGING_THERAPY_GIVEN', at(-7), { regimen: 'dexamethasone and vincristine', startedOn: at(-20).slice(0, 10), endedOn: at(-9).slice(0, 10) })).s;
    expect(refusals(s, event('LYMPHODEPLETION_STARTED', at(-5)))).toEqual([
      'bridging therapy (dexamethasone and vincristine) was given: the protocol asks the investigator to re-confirm eligibility (ELIGIBILITY_RECONFIRMED) before lymphodepletion',
    ]);
    s = take(s, event('ELIGIBILITY_RECONFIRMED', at(-6))).s;
    expect(refusals(s, event('LYMPHODEPLETION_STARTED', at(-5)))).toEqual([]);
    expect(context(s).bridging).toHaveLength(1);
  });

  it('refuses bridging dated before the apheresis, ending before it started, and a re-confirmation with no bridging', () => {
    const s = walkTo('PRODUCT_SHIPPED');
    expect(refusals(s, event('BRIDGING_THERAPY_GIVEN', at(-7), { regimen: 'R', startedOn: at(-27).slice(0, 10) }))[0]).toMatch(/before the apheresis/);
    expect(refusals(s, event('BRIDGING_THERAPY_GIVEN', at(-7), { regimen: 'R', startedOn: at(-20).slice(0, 10), endedOn: at(-21).slice(0, 10) }))).toEqual([
      `bridging therapy cannot end (${at(-21).slice(0, 10)}) before it started (${at(-20).slice(0, 10)})`,
    ]);
    expect(refusals(s, event('ELIGIBILITY_RECONFIRMED', at(-7)))).toEqual(['no bridging therapy is on record: eligibility is re-confirmed after bridging therapy']);
  });
});

describe('the custody timers', () => {
  it('watches the apheresis product from its collection to its receipt, and the thawed product to its infusion', () => {
    const before = walkTo('LEUKAPHERESIS_COMPLETED');
    const collected = take(before, event('LEUKAPHERESIS_COMPLETED', at(-26), stepData('LEUKAPHERESIS_COMPLETED')));
    expect(raised(collected.actions, 'apheresis-stability')).toEqual([48 * 3_600_000]);
    const shipped = take(collected.s, event('APHERESIS_SHIPPED', at(-26), stepData('APHERESIS_SHIPPED'))).s;
    const received = take(shipped, event('APHERESIS_RECEIVED', at(-25), stepData('APHERESIS_RECEIVED')));
    expect(cancelled(received.actions, 'apheresis-stability')).toBe(true);

    const ready = walkTo('PRODUCT_THAWED');
    const thawed = take(ready, event('PRODUCT_THAWED', at(0), stepData('PRODUCT_THAWED')));
    expect(raised(thawed.actions, 'post-thaw-limit')).toEqual([30 * 60_000]);
    const infused = take(thawed.s, event('INFUSION_COMPLETED', at(0, 20), { cellsPerKg: 7e6 }));
    expect(cancelled(infused.actions, 'post-thaw-limit')).toBe(true);
  });

  it('records one deviation and one notice when a limit passes, and none again at the infusion', () => {
    const thawed = walkTo();
    const late = send(thawed, event('POST_THAW_LIMIT_EXCEEDED', at(0, 30)));
    expect(context(late.s).deviations).toEqual([
      { kind: 'post-thaw-limit', at: at(0, 30), message: `The product thawed at ${at(0)} was not infused within the protocol's 30 minutes after thaw` },
    ]);
    expect(late.actions.filter((a) => a.type === 'notify').map((a) => a.params!.kind)).toEqual(['post-thaw-limit-exceeded']);
    const infused = take(late.s, event('INFUSION_COMPLETED', at(0, 45), { cellsPerKg: 7e6 })).s;
    expect(context(infused).deviations).toHaveLength(1);
  });

  it('withdraws the deviation a timer marked when the step, entered late, happened within the limit', () => {
    const late = send(walkTo(), event('POST_THAW_LIMIT_EXCEEDED', at(0, 30))).s;
    expect(context(take(late, event('INFUSION_COMPLETED', at(0, 25), { cellsPerKg: 7e6 })).s).deviations).toEqual([]);
    const shipped = send(walkTo('APHERESIS_RECEIVED'), event('APHERESIS_STABILITY_EXCEEDED', at(-24))).s;
    expect(context(take(shipped, event('APHERESIS_RECEIVED', at(-25), stepData('APHERESIS_RECEIVED'))).s).deviations).toEqual([]);
  });

  it('records the deviation at an infusion entered late, past the limit, that the timer did not reach', () => {
    const infused = take(walkTo(), event('INFUSION_COMPLETED', at(0, 31), { cellsPerKg: 7e6 })).s;
    expect(context(infused).deviations).toEqual([expect.objectContaining({ kind: 'post-thaw-limit', at: at(0, 31) })]);
  });

  it('marks the apheresis stability window passed once, and not after the receipt', () => {
    const shipped = walkTo('APHERESIS_RECEIVED');
    const late = send(shipped, event('APHERESIS_STABILITY_EXCEEDED', at(-24)));
    expect(context(late.s).deviations).toEqual([expect.objectContaining({ kind: 'apheresis-stability', at: at(-24) })]);
    const received = walkTo('MANUFACTURING_STARTED');
    expect(send(received, event('APHERESIS_STABILITY_EXCEEDED', at(-24))).actions).toEqual([]);
  });
});

describe('a second infusion, where the protocol allows one', () => {
  const twice = buildProtocol({ ...protocol.spec, secondInfusion: { minDaysAfterFirst: 14, maxDaysAfterFirst: 60, source: 'a protocol that allows one' } });
  const refusedBy = (p: typeof twice, s: AnyMachineSnapshot, e: ClinicalEvent) => p.refusals(s.context as PatientContext, e);
  const takeBy = (p: typeof twice, s: AnyMachineSnapshot, e: ClinicalEvent) => {
    expect(refusedBy(p, s, e)).toEqual([]);
    const [next, actions] = transition(p.machine, s as never, e as never);
    return { s: next as AnyMachineSnapshot, actions: actions as Array<{ type: string; params?: Record<string, unknown> }> };
  };
  function infusedBy(p: typeof twice) {
    let [s] = initialTransition(p.machine, { patient: { subjectId: 'S-002', sex: 'female', birthDate: '1991-07-14', weightKg: 70, heightCm: 170 } }) as unknown as [
      AnyMachineSnapshot,
    ];
    for (const [type, day, data] of STEPS) s = takeBy(p, s, event(type, at(day), data)).s;
    return takeBy(p, s, event('INFUSION_COMPLETED', at(0, 10), { cellsPerKg: 7e6 })).s;
  }

  it('takes a second bag thawed in the window at the assigned dose, once, keeping Day 0', () => {
    let s = infusedBy(twice);
    const thawed = takeBy(twice, s, event('PRODUCT_THAWED', at(20), stepData('PRODUCT_THAWED')));
    expect(raised(thawed.actions, 'post-thaw-limit')).toEqual([30 * 60_000]);
    s = takeBy(twice, thawed.s, event('SECOND_INFUSION_COMPLETED', at(20, 15), { cellsPerKg: 6e6 })).s;
    expect(context(s).infusion!.infusedAt).toBe(at(0, 10));
    expect(context(s).secondInfusion).toEqual({ infusedAt: at(20, 15), cellsPerKg: 6e6, weightKg: 70, totalCells: 4.2e8 });
    expect(refusedBy(twice, s, event('SECOND_INFUSION_COMPLETED', at(21), { cellsPerKg: 6e6 }))[0]).toMatch(/^a second infusion was given on/);
  });

  it('refuses one outside the window, without a thawed bag, or outside the dose level', () => {
    const s = infusedBy(twice);
    expect(refusedBy(twice, s, event('SECOND_INFUSION_COMPLETED', at(10), { cellsPerKg: 6e6 }))).toEqual([
      `a second infusion is given 14 to 60 days after the first (${at(0).slice(0, 10)}), not on day 10`,
      'the second bag has not been thawed: record PRODUCT_THAWED first',
    ]);
    const thawed = takeBy(twice, s, event('PRODUCT_THAWED', at(61), stepData('PRODUCT_THAWED'))).s;
    const late = refusedBy(twice, thawed, event('SECOND_INFUSION_COMPLETED', at(61, 5), { cellsPerKg: 2e7 }));
    expect(late[0]).toMatch(/not on day 61/);
    expect(late[1]).toMatch(/above the assigned dose level 1 range/);
  });

  it('is not taken at all where the protocol allows none', () => {
    const s = infusedBy(protocol);
    expect(s.can({ type: 'SECOND_INFUSION_COMPLETED', occurredAt: at(20), data: { cellsPerKg: 6e6 } } as never)).toBe(false);
    expect(s.can({ type: 'PRODUCT_THAWED', occurredAt: at(20), data: stepData('PRODUCT_THAWED') } as never)).toBe(false);
  });
});
