import { formatChainOfIdentityId } from '#protocols';
import { RELEASE_RESULTS_IN_SPEC, release, thaw, toManufacturing, toSiteStorage } from '#testing';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';
import { fingerprint } from './support/invariants';
import { settleDueTimers } from './support/timers';

type Step = [string, Record<string, unknown>];
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The chain of custody through the HTTP API on PostgreSQL (README, "Chain of custody, manufacturing
 * and what goes wrong"): every hand-off in order, release testing, out-of-specification release,
 * re-manufacture, bridging therapy, and the two watches that fire once.
 */
describe('the chain of custody', () => {
  let t: TestApp;
  let site: TrialSite;
  let other: TrialSite;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
    other = await TrialSite.open(t, 'site-b');
  });
  afterAll(() => t.close());

  const patient = async (id: string) => (await site.get(`/patients/${id}`)).body;
  const log = async (id: string) => (await site.get(`/patients/${id}/events`)).body as Array<{ seq: number; type: string; actor: string; data: Record<string, unknown> }>;
  const coiOf = async (id: string) => (await site.coiOf(id))!;
  const post = (id: string, [type, data]: Step, token = site.coordinator) => site.post(id, { type, data }, token);
  /** A request that must be refused with this status, writing nothing anywhere. */
  async function refused(call: () => Promise<{ status: number; body: { reasons?: string[]; message?: string } }>, status: number) {
    const before = await fingerprint(t);
    const res = await call();
    expect(res.status).toBe(status);
    expect(await fingerprint(t)).toEqual(before);
    return res.body;
  }
  /** The investigator's notices of a kind about a patient, once the relay has delivered `count` of them. */
  const notices = async (id: string, kind: string, count = 1) => {
    const read = async () => (await site.get(`/notifications?patientId=${id}&kind=${kind}`, site.investigator)).body.items as Array<{ kind: string; message: string }>;
    await eventually(async () => (await read()).length >= count, 10_000, `${count} ${kind} notice(s)`);
    return read();
  };

  it('walks a patient from the collection to the infusion, each hand-off carrying the bag, the people and the place', async () => {
    const id = await site.register();
    await site.enrolled(id);
    const coi = await coiOf(id);
    const steps: Step[] = [...toManufacturing(coi), release(coi, 'LOT-77'), ...toSiteStorage(coi)];
    const seen: string[] = [];
    for (const step of steps) {
      const res = await post(id, step);
      expect(res.status).toBe(200);
      seen.push(res.body.patient.record.custody.step);
    }
    expect(seen).toEqual(['collected', 'shippedToManufacturing', 'receivedAtManufacturing', 'manufacturingStarted', 'released', 'shippedToSite', 'receivedAtSite', 'stored']);
    await site.record(id, 'LYMPHODEPLETION_STARTED');
    await site.record(id, 'LYMPHODEPLETION_COMPLETED');
    expect((await post(id, thaw(coi))).status).toBe(200);
    const infused = await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: 7e6 });
    expect(infused.patient.state).toBe('dltWindow');

    const entries = await log(id);
    const received = entries.find((e) => e.type === 'APHERESIS_RECEIVED')!;
    expect(received.data).toEqual({ coi, handedOverBy: 'Courier', receivedBy: 'Manufacturing intake', location: 'Manufacturing site', temperatureInRange: true });
    expect(entries.find((e) => e.type === 'PRODUCT_RELEASED')!.data).toEqual({ lot: 'LOT-77', coi, results: RELEASE_RESULTS_IN_SPEC });
    const record = (await patient(id)).record;
    expect(record.custody).toMatchObject({ step: 'infused', bagId: 'APH-1', lot: 'LOT-77' });
    expect(record.manufacturing).toEqual([expect.objectContaining({ attempt: 1, source: 'apheresis', outcome: 'released' })]);
    expect(record.deviations).toEqual([]);
  });

  it("refuses another patient's bag, a misread one, a gap, a second receipt, a thaw before receipt and a release without results: 422, nothing written", async () => {
    const mine = await site.register();
    await site.enrolled(mine);
    const theirs = await site.register();
    await site.enrolled(theirs);
    const coi = await coiOf(mine);
    const theirCoi = await coiOf(theirs);
    const [collect, shipped, receivedAtManufacturing, started] = toManufacturing(coi);
    await post(mine, collect);

    const wrongBag = await refused(() => post(mine, toManufacturing(theirCoi)[1]), 422);
    expect(wrongBag.reasons).toEqual([
      `data.coi ${formatChainOfIdentityId(theirCoi)} is another patient's product, not this patient's (${formatChainOfIdentityId(coi)}): nothing is recorded; check the bag`,
    ]);
    const misread = `${coi.slice(0, -1)}${coi.endsWith('0') ? '1' : '0'}`;
    expect((await refused(() => post(mine, [shipped[0], { ...shipped[1], coi: misread }]), 422)).reasons![0]).toMatch(/^data\.coi .* has check character/);
    expect((await refused(() => post(mine, receivedAtManufacturing), 422)).reasons).toEqual([
      'a gap in the chain of custody: the receipt at the manufacturing site cannot follow the apheresis collection; record the shipment of the apheresis product (APHERESIS_SHIPPED) first',
    ]);
    await post(mine, shipped);
    await post(mine, receivedAtManufacturing);
    expect((await refused(() => post(mine, receivedAtManufacturing), 422)).reasons![0]).toMatch(/^the chain of custody is past the receipt at the manufacturing site/);
    await post(mine, started);
    expect((await refused(() => post(mine, ['PRODUCT_RELEASED', { lot: 'LOT-1', coi }]), 422)).reasons).toEqual([
      'data.results: a product is released on its release testing (viability, CAR-positive %, dose, sterility, mycoplasma, endotoxin)',
    ]);
    await post(mine, release(coi));
    await site.record(mine, 'LYMPHODEPLETION_STARTED');
    await site.record(mine, 'LYMPHODEPLETION_COMPLETED');
    // Ready for infusion, but the product never came back to the site: no thaw, no infusion.
    expect((await refused(() => post(mine, thaw(coi)), 422)).reasons).toEqual([
      'a gap in the chain of custody: the thaw of the product cannot follow the release of the product; record the shipment of the product to the site (PRODUCT_SHIPPED) first',
    ]);
    // Another site's patient is not there at all.
    expect((await refused(() => site.post(mine, { type: 'PRODUCT_SHIPPED', data: toSiteStorage(coi)[0][1] }, other.coordinator), 404)).message).toBe(
      `Patient ${mine} does not exist.`,
    );
  });

  it('makes the product again after a failed manufacture, the same identifier, the attempts counted; only the investigator orders it', async () => {
    const id = await site.register();
    await site.enrolled(id);
    const coi = await coiOf(id);
    for (const step of toManufacturing(coi)) await post(id, step);
    const order = { cause: 'manufacturingFailure', source: 'retainedCells', reason: 'insufficient T-cell expansion' };
    expect((await refused(() => site.post(id, { type: 'REMANUFACTURE_ORDERED', data: order }), 403)).message).toMatch(/investigator/);
    const again = await site.record(id, 'REMANUFACTURE_ORDERED', order, site.investigator);
    expect(again.patient.state).toBe('manufacturing');
    expect(again.patient.chainOfIdentity).toBe(coi);
    expect((await notices(id, 'remanufacture-ordered')).map((n) => n.message)).toEqual(['Product to be made again (attempt 2) from retained cells: insufficient T-cell expansion']);
    // The cells are at the manufacturing site: the next step is the new start, not a new shipment.
    expect((await refused(() => post(id, toManufacturing(coi)[1]), 422)).reasons![0]).toMatch(/past the shipment of the apheresis product/);
    await post(id, ['MANUFACTURING_STARTED', { coi, batchId: 'B-2', location: 'Manufacturing site' }]);
    await post(id, release(coi, 'LOT-2'));
    for (const step of toSiteStorage(coi)) await post(id, step);
    await site.record(id, 'LYMPHODEPLETION_STARTED');
    await site.record(id, 'LYMPHODEPLETION_COMPLETED');
    await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: 7e6 });
    expect((await patient(id)).record.manufacturing.map((a: { attempt: number; source: string; outcome: string }) => [a.attempt, a.source, a.outcome])).toEqual([
      [1, 'apheresis', 'failed'],
      [2, 'retainedCells', 'released'],
    ]);
  });

  it("releases an out-of-specification product only on an investigator's signed justification, and never one that grew organisms", async () => {
    const id = await site.register();
    await site.enrolled(id);
    const coi = await coiOf(id);
    for (const step of toManufacturing(coi)) await post(id, step);
    const low = { ...RELEASE_RESULTS_IN_SPEC, viabilityPct: 64 };
    expect((await refused(() => post(id, ['PRODUCT_RELEASED', { lot: 'LOT-O', coi, results: low }]), 422)).reasons).toEqual([
      'viability 64% is below the release criterion of at least 70%',
      "the product is out of specification: an investigator may release it under the protocol's out-of-specification rule with a signed justification (data.outOfSpecification.justification), or reject it (REMANUFACTURE_ORDERED)",
    ]);
    const justified = { lot: 'LOT-O', coi, results: low, outOfSpecification: { justification: 'no alternative therapy; benefit outweighs the risk' } };
    // The justification is a sign-off: the coordinator may not give it, the investigator signs it.
    expect((await refused(() => post(id, ['PRODUCT_RELEASED', justified]), 403)).message).toMatch(/investigator/);
    const unsigned = await refused(
      () => t.http.post(`/patients/${id}/events`).set('Authorization', `Bearer ${site.investigator}`).send({ type: 'PRODUCT_RELEASED', data: justified }),
      422,
    );
    expect(unsigned.reasons![0]).toMatch(/^PRODUCT_RELEASED is an electronic signature/);
    expect((await refused(() => post(id, ['PRODUCT_RELEASED', { ...justified, results: { ...low, sterility: 'growth' } }], site.investigator), 422)).reasons).toEqual([
      'sterility testing grew organisms (21 CFR 610.12 asks for no growth): the product cannot be released; reject it (REMANUFACTURE_ORDERED or MANUFACTURING_FAILED)',
    ]);
    const released = await site.record(id, 'PRODUCT_RELEASED', justified, site.investigator);
    expect(released.patient.record.product.outOfSpecification).toEqual(['viability']);
    expect(released.patient.record.deviations).toEqual([expect.objectContaining({ kind: 'out-of-specification-release' })]);
    const entry = (await log(id)).find((e) => e.type === 'PRODUCT_RELEASED')! as unknown as { signature: { meaning: string } | null };
    expect(entry.signature).toMatchObject({ meaning: expect.any(String) });
    expect(await notices(id, 'product-out-of-specification')).toHaveLength(1);
  });

  it('holds lymphodepletion after bridging therapy until the investigator re-confirms eligibility', async () => {
    const id = await site.register();
    await site.enrolled(id);
    const coi = await coiOf(id);
    for (const step of toManufacturing(coi)) await post(id, step);
    await site.record(id, 'BRIDGING_THERAPY_GIVEN', { regimen: 'dexamethasone', startedOn: t.clock.now().toISOString().slice(0, 10) });
    await post(id, release(coi));
    expect((await refused(() => site.post(id, { type: 'LYMPHODEPLETION_STARTED', data: {} }), 422)).reasons).toEqual([
      'bridging therapy (dexamethasone) was given: the protocol asks the investigator to re-confirm eligibility (ELIGIBILITY_RECONFIRMED) before lymphodepletion',
    ]);
    expect((await refused(() => site.post(id, { type: 'ELIGIBILITY_RECONFIRMED', data: {} }), 403)).message).toMatch(/investigator/);
    await site.record(id, 'ELIGIBILITY_RECONFIRMED', {}, site.investigator);
    expect((await site.record(id, 'LYMPHODEPLETION_STARTED')).patient.state).toBe('lymphodepletion');
  });

  it('fires the apheresis stability watch once when the product does not reach the manufacturing site in time', async () => {
    const id = await site.register();
    await site.enrolled(id);
    const coi = await coiOf(id);
    const [collect, shipped, received] = toManufacturing(coi);
    await post(id, collect);
    await post(id, shipped);
    t.clock.advanceMs(48 * HOUR + 1000);
    try {
      await settleDueTimers(t);
      const fired = (await log(id)).filter((e) => e.type === 'APHERESIS_STABILITY_EXCEEDED');
      expect(fired).toHaveLength(1);
      expect(fired[0].actor).toBe('system:scheduler');
      expect((await patient(id)).record.deviations).toEqual([expect.objectContaining({ kind: 'apheresis-stability' })]);
      expect(await notices(id, 'apheresis-stability-exceeded')).toHaveLength(1);
      // Later runs of the reconciler fire nothing more; the late receipt keeps the deviation.
      t.clock.advanceMs(HOUR);
      await settleDueTimers(t);
      await post(id, received);
      expect((await log(id)).filter((e) => e.type === 'APHERESIS_STABILITY_EXCEEDED')).toHaveLength(1);
      expect((await patient(id)).record.deviations).toHaveLength(1);
      expect(await notices(id, 'apheresis-stability-exceeded')).toHaveLength(1);
    } finally {
      t.clock.advanceMs(-(49 * HOUR + 1000));
    }
  });

  it('fires the post-thaw watch once when the thawed product is not infused within 30 minutes, and keeps one deviation', async () => {
    const id = await site.register();
    await site.readyForInfusion(id);
    const coi = await coiOf(id);
    await post(id, thaw(coi));
    t.clock.advanceMs(31 * MINUTE);
    try {
      await settleDueTimers(t);
      expect((await log(id)).filter((e) => e.type === 'POST_THAW_LIMIT_EXCEEDED')).toHaveLength(1);
      expect(await notices(id, 'post-thaw-limit-exceeded')).toHaveLength(1);
      await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: 7e6 });
      t.clock.advanceMs(MINUTE);
      await settleDueTimers(t);
      const record = (await patient(id)).record;
      expect(record.deviations).toEqual([expect.objectContaining({ kind: 'post-thaw-limit' })]);
      expect((await log(id)).filter((e) => e.type === 'POST_THAW_LIMIT_EXCEEDED')).toHaveLength(1);
    } finally {
      t.clock.advanceMs(-32 * MINUTE);
    }
  });

  it('shows the attempts, the product made again, the out-of-specification release and bridging in the vein-to-vein figures', async () => {
    const outcomes = (await site.get('/trials/cd19-rr-all/outcomes', site.investigator)).body;
    expect(outcomes.veinToVein).toMatchObject({ remanufactured: 1, releasedOutOfSpecification: 1, rejectedOutOfSpecification: 0, bridged: 1 });
    // Seven collections above (the stability patient's never reached manufacturing); one product made twice.
    expect(outcomes.veinToVein.apheresed).toBe(7);
    expect(outcomes.veinToVein.manufacturingAttempts).toBe(7);
  });
});
