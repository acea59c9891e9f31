import { addWeeks, isoWeekOf } from '#domain';
import { eligibleCd19Screening, eligibleCd22Screening, toManufacturing } from '#testing';
import { startTestApp, type TestApp } from './support/test-app';
import { TrialSite, type EligibleScreening } from './support/trial-site';

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const CD19 = 'cd19-rr-all';
const CD22 = 'NCT04546906';

interface Slot {
  manufacturingSiteId: string;
  status: 'booked' | 'queued' | 'consumed';
  week: string | null;
  weekStart: string | null;
  expectedRelease: string | null;
  queuePosition: number | null;
}

/** Manufacturing capacity through the HTTP API on PostgreSQL (README, "Manufacturing capacity"; ADR 0019). */
describe('manufacturing capacity', () => {
  let t: TestApp;
  let site: TrialSite;
  let other: TrialSite;
  let current: string;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
    other = await TrialSite.open(t, 'site-b');
    current = isoWeekOf(t.clock.now());
  });
  afterAll(() => t.close());

  const admin = () => bearer(t.adminToken);
  const definition = (over: Record<string, unknown> = {}) => ({
    name: 'East cell processing',
    protocolIds: [CD19, CD22],
    slotsPerWeek: 2,
    releaseDays: 17,
    horizonWeeks: 2,
    ...over,
  });
  const saveSite = (over: Record<string, unknown> = {}) => t.http.put('/manufacturing/sites/mfg-east').set(admin()).send(definition(over));
  const capacity = async (token = site.coordinator) => {
    const res = await t.http.get('/manufacturing/sites/mfg-east/capacity').set(bearer(token));
    expect(res.status).toBe(200);
    return res.body as {
      weeks: Array<{ week: string; slots: number; taken: number; free: number; patients: Array<{ patientId: string | null }> }>;
      queue: Array<{ patientId: string | null; position: number }>;
    };
  };
  const slotOf = async (id: string): Promise<Slot | null> => {
    const res = await site.get(`/patients/${id}/manufacturing-slot`);
    expect(res.status).toBe(200);
    return res.body.slot;
  };
  const accessRows = async (action: string, patientId: string) =>
    (await t.http.get(`/audit/access?patientId=${patientId}&action=${action}`).set(admin())).body.items as Array<{ actor: string; details: Record<string, unknown> }>;
  /** Registered, consented, screened and signed eligible: the next step is ENROLLED. */
  const eligible = async (protocolId = CD19, screening: EligibleScreening = eligibleCd19Screening) => {
    const id = await site.register({ protocolId });
    const { screening: data, attestations } = screening();
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await site.record(id, 'SCREENING_DATA_RECORDED', data as Record<string, unknown>);
    await site.record(id, 'ELIGIBILITY_CONFIRMED', { attestations }, site.investigator);
    return id;
  };
  const enroll = async (id: string): Promise<Slot | null> => {
    const res = await site.post(id, { type: 'ENROLLED', data: {} });
    expect(res.status).toBe(200);
    return res.body.patient.manufacturingSlot;
  };
  const enrolled = async () => {
    const id = await eligible();
    return { id, slot: await enroll(id) };
  };

  it('enrolls without a slot while no manufacturing site makes product for the trial', async () => {
    const { id, slot } = await enrolled();
    expect(slot).toBeNull();
    expect((await site.get(`/patients/${id}`)).body.manufacturingSlot).toBeNull();
    // Cancel it so the patient takes no part below (no booking to cancel: a 422 naming it).
    const res = await t.http.post(`/patients/${id}/manufacturing-slot/cancel`).set(bearer(site.coordinator)).send({ reason: 'none' });
    expect(res.status).toBe(422);
    expect(res.body.reasons).toEqual(['the patient holds no manufacturing slot and is in no queue']);
    await site.record(id, 'WITHDRAWN', { reason: 'not part of this test' });
  });

  it('lets an admin create a manufacturing site, refusing bad definitions with nothing written', async () => {
    const create = (body: Record<string, unknown>, token = t.adminToken) => t.http.post('/manufacturing/sites').set(bearer(token)).send(body);
    expect((await create({ id: 'mfg-east', ...definition() }, site.coordinator)).status).toBe(403);
    const unknown = await create({ id: 'mfg-east', ...definition({ protocolIds: ['no-such-trial'] }) });
    expect(unknown.status).toBe(422);
    expect(unknown.body.reasons).toEqual(['no trial no-such-trial runs on this service']);
    expect((await create({ id: 'mfg-east', ...definition({ slotsPerWeek: -1 }) })).status).toBe(400);
    expect((await create({ id: 'mfg east\u0000', ...definition() })).status).toBe(400);
    expect((await t.http.get('/manufacturing/sites').set(bearer(site.coordinator))).body.items).toEqual([]);

    const created = await create({ id: 'mfg-east', ...definition() });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'mfg-east', protocolIds: [CD19, CD22].sort(), slotsPerWeek: 2, horizonWeeks: 2 });
    expect((await create({ id: 'mfg-east', ...definition() })).status).toBe(409);
    const taken = await create({ id: 'mfg-west', ...definition({ protocolIds: [CD19] }) });
    expect(taken.status).toBe(409);
    expect(taken.body.message).toContain(`${CD19} is already made by manufacturing site mfg-east`);
    expect((await t.http.get('/manufacturing/sites').set(bearer(site.coordinator))).body.items.map((s: { id: string }) => s.id)).toEqual(['mfg-east']);
    const audit = (await t.http.get('/audit/access?action=manufacturing.site-create').set(admin())).body.items;
    expect(audit).toHaveLength(1);
  });

  const patients: Record<string, string> = {};

  it('books the earliest free week at enrollment, then queues with a position once the horizon is full', async () => {
    const expected = [current, current, addWeeks(current, 1), addWeeks(current, 1)];
    for (const [i, name] of ['A', 'B', 'C', 'D'].entries()) {
      const { id, slot } = await enrolled();
      patients[name] = id;
      expect(slot).toMatchObject({ manufacturingSiteId: 'mfg-east', status: 'booked', week: expected[i], queuePosition: null });
      const monday = new Date(`${slot!.weekStart}T00:00:00.000Z`);
      expect(monday.getUTCDay()).toBe(1);
      expect(slot!.expectedRelease).toBe(new Date(monday.getTime() + 17 * 86_400_000).toISOString().slice(0, 10));
    }
    for (const [position, name] of ['E', 'F'].entries()) {
      const { id, slot } = await enrolled();
      patients[name] = id;
      expect(slot).toMatchObject({ status: 'queued', week: null, expectedRelease: null, queuePosition: position + 1 });
    }
    expect((await site.get(`/patients/${patients.A}`)).body.manufacturingSlot).toMatchObject({ week: current, status: 'booked' });
    const seen = await capacity();
    expect(seen.weeks.map((w) => [w.week, w.taken, w.free])).toEqual([
      [current, 2, 0],
      [addWeeks(current, 1), 2, 0],
    ]);
    expect(seen.queue.map((q) => [q.patientId, q.position])).toEqual([
      [patients.E, 1],
      [patients.F, 2],
    ]);
    expect(await accessRows('manufacturing.slot-book', patients.E)).toHaveLength(1);

    // The worklist shows each enrolled patient's slot week and expected release, or the queue position.
    const worklist = (await site.get('/worklist')).body.manufacturing as Array<{ patientId: string; slot: Slot }>;
    const row = (name: string) => worklist.find((w) => w.patientId === patients[name])?.slot;
    expect(row('A')).toMatchObject({ week: current, expectedRelease: expect.any(String) });
    expect(row('F')).toMatchObject({ status: 'queued', queuePosition: 2 });
    expect((await other.get('/worklist')).body.manufacturing).toEqual([]);
  });

  it("answers 404 for another site's patient and names none of them in the capacity", async () => {
    for (const call of [
      other.get(`/patients/${patients.A}/manufacturing-slot`),
      t.http
        .put(`/patients/${patients.A}/manufacturing-slot`)
        .set(bearer(other.coordinator))
        .send({ week: addWeeks(current, 1) }),
      t.http.post(`/patients/${patients.A}/manufacturing-slot/cancel`).set(bearer(other.coordinator)).send({ reason: 'not mine' }),
    ]) {
      const res = await call;
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain('site-a');
    }
    expect(await slotOf(patients.A)).toMatchObject({ week: current, status: 'booked' });
    const theirs = await capacity(other.coordinator);
    expect(theirs.weeks[0].taken).toBe(2);
    expect(JSON.stringify(theirs)).not.toContain(patients.A);
    expect(theirs.queue.map((q) => q.patientId)).toEqual([null, null]);
  });

  it('refuses a week in the past, beyond the horizon, full or not a week, naming it, with nothing written', async () => {
    const rebook = (week: string, id = patients.C) => t.http.put(`/patients/${id}/manufacturing-slot`).set(bearer(site.coordinator)).send({ week });
    const before = await capacity();
    const past = await rebook(addWeeks(current, -1));
    expect(past.status).toBe(422);
    expect(past.body.reasons).toEqual([`week ${addWeeks(current, -1)} is in the past: the current week is ${current}`]);
    const beyond = await rebook(addWeeks(current, 2));
    expect(beyond.status).toBe(422);
    expect(beyond.body.reasons[0]).toContain('beyond the booking horizon of 2 weeks');
    const full = await rebook(current);
    expect(full.status).toBe(409);
    expect(full.body).toMatchObject({ error: 'slot_full', week: current });
    expect((await rebook('1900-W10')).status).toBe(422);
    expect((await rebook('2025-W53')).body.reasons).toEqual(['week 2025-W53 does not exist: 2025 has 52 ISO weeks']);
    expect((await rebook('next week')).status).toBe(400);
    expect(await slotOf(patients.C)).toMatchObject({ week: addWeeks(current, 1), status: 'booked' });
    expect(await capacity()).toEqual(before);
    expect(await accessRows('manufacturing.slot-rebook', patients.C)).toEqual([]);
  });

  it('frees a cancelled slot and books the head of the queue into it in the same transaction, audited', async () => {
    const res = await t.http.post(`/patients/${patients.C}/manufacturing-slot/cancel`).set(bearer(site.coordinator)).send({ reason: 'apheresis postponed' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ slot: null, previous: { week: addWeeks(current, 1) }, promoted: 1 });
    expect(await slotOf(patients.C)).toBeNull();
    expect(await slotOf(patients.E)).toMatchObject({ status: 'booked', week: addWeeks(current, 1) });
    expect(await slotOf(patients.F)).toMatchObject({ status: 'queued', queuePosition: 1 });
    const [cancelled] = await accessRows('manufacturing.slot-cancel', patients.C);
    expect(cancelled.details).toMatchObject({ week: addWeeks(current, 1), reason: 'apheresis postponed' });
    const [promoted] = await accessRows('manufacturing.slot-promote', patients.E);
    expect(promoted).toMatchObject({ actor: cancelled.actor, details: { week: addWeeks(current, 1) } });
  });

  it('frees the slot of a patient who withdraws before manufacturing, for the head of the queue', async () => {
    await site.record(patients.B, 'WITHDRAWN', { reason: 'patient decision' });
    expect(await slotOf(patients.B)).toBeNull();
    expect(await slotOf(patients.F)).toMatchObject({ status: 'booked', week: current });
    expect((await capacity()).queue).toEqual([]);
    expect(await accessRows('manufacturing.slot-release', patients.B)).toHaveLength(1);
  });

  it('keeps the slot once manufacturing starts, books another when the product is to be made again, and frees only that one on leaving', async () => {
    // The cells collected and on their way: the slot still moves.
    await site.custody(patients.A, (coi) => toManufacturing(coi).slice(0, 3));
    expect(await slotOf(patients.A)).toMatchObject({ status: 'booked', week: current });
    const [started] = toManufacturing((await site.coiOf(patients.A))!).slice(3);
    const answer = await site.record(patients.A, started[0], started[1]);
    expect(answer.patient.manufacturingSlot).toMatchObject({ status: 'consumed', week: current });
    const moved = await t.http
      .put(`/patients/${patients.A}/manufacturing-slot`)
      .set(bearer(site.coordinator))
      .send({ week: addWeeks(current, 1) });
    expect(moved.status).toBe(422);
    expect(moved.body.reasons[0]).toContain('manufacturing has begun: attempt 1 started on');
    expect((await t.http.post(`/patients/${patients.A}/manufacturing-slot/cancel`).set(bearer(site.coordinator)).send({ reason: 'x' })).status).toBe(422);

    // Made again from retained cells: a slot of its own, here the queue (every week is full); the consumed one stays.
    const again = await site.record(
      patients.A,
      'REMANUFACTURE_ORDERED',
      { cause: 'manufacturingFailure', source: 'retainedCells', reason: 'culture did not expand' },
      site.investigator,
    );
    expect(again.patient.manufacturingSlot).toMatchObject({ status: 'queued', queuePosition: 1 });
    expect((await capacity()).weeks[0].taken).toBe(2);
    expect(await accessRows('manufacturing.slot-book', patients.A)).toHaveLength(2);

    const died = await site.record(patients.A, 'DEATH', { cause: 'progressive disease' });
    expect(died.patient.manufacturingSlot).toMatchObject({ status: 'consumed', week: current });
    expect(await slotOf(patients.A)).toMatchObject({ status: 'consumed', week: current });
    const after = await capacity();
    expect(after.weeks[0].taken).toBe(2);
    expect(after.queue).toEqual([]);
  });

  it('rebooks a patient into a chosen week with a free slot, the old week going to the queue', async () => {
    await saveSite({ slotsPerWeek: 3 });
    const res = await t.http.put(`/patients/${patients.C}/manufacturing-slot`).set(bearer(site.coordinator)).send({ week: current, reason: 'cells ready early' });
    expect(res.status).toBe(200);
    expect(res.body.slot).toMatchObject({ week: current, status: 'booked' });
    const [row] = await accessRows('manufacturing.slot-rebook', patients.C);
    expect(row.details).toMatchObject({ to: current, reason: 'cells ready early' });
  });

  it('gives the last free slot of a week to one of two coordinators rebooking into it at once', async () => {
    const next = addWeeks(current, 1);
    expect((await capacity()).weeks.map((w) => [w.week, w.taken, w.free])).toEqual([
      [current, 3, 0],
      [next, 2, 1],
    ]);
    const answers = await Promise.all([patients.C, patients.F].map((id) => t.http.put(`/patients/${id}/manufacturing-slot`).set(bearer(site.coordinator)).send({ week: next })));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(answers.find((r) => r.status === 409)!.body).toMatchObject({ error: 'slot_full', reasons: [`week ${next} is full: its 3 slots are taken`] });
    expect((await capacity()).weeks.map((w) => [w.taken, w.free])).toEqual([
      [2, 1],
      [3, 0],
    ]);
  });

  it('refuses a reason that is not text (a lone surrogate, a NUL) with nothing written', async () => {
    // Written as JSON escapes: a lone surrogate in a JavaScript string would reach the wire as U+FFFD.
    for (const reason of [String.raw`\ud800 postponed`, String.raw`post\u0000poned`]) {
      const res = await t.http
        .post(`/patients/${patients.D}/manufacturing-slot/cancel`)
        .set({ ...bearer(site.coordinator), 'Content-Type': 'application/json' })
        .send(`{"reason":"${reason}"}`);
      expect(res.status).toBe(400);
      expect(res.body.issues.join(' ')).toMatch(/surrogate|NUL/);
    }
    expect(await slotOf(patients.D)).toMatchObject({ status: 'booked' });
    expect(await accessRows('manufacturing.slot-cancel', patients.D)).toEqual([]);
  });

  it('gives the last free slot to one of two enrollments racing for it, in two trials at once', async () => {
    for (let round = 0; round < 3; round++) {
      // Exactly one free slot in the whole horizon.
      const seen = await capacity();
      const [first, second] = seen.weeks;
      expect(second.slots).toBe(first.slots);
      await saveSite({ horizonWeeks: 1, slotsPerWeek: first.taken + 1 });
      expect((await capacity()).weeks.map((w) => w.free)).toEqual([1]);
      const racers = [await eligible(CD19), await eligible(CD22, eligibleCd22Screening)];
      const slots = await Promise.all(racers.map((id) => enroll(id)));
      expect(slots.map((s) => s!.status).sort()).toEqual(['booked', 'queued']);
      const after = await capacity();
      expect(after.weeks[0]).toMatchObject({ taken: first.taken + 1, free: 0 });
      expect(after.queue).toHaveLength(1);
      // Out of the queue again for the next round.
      const queued = racers[slots.findIndex((s) => s!.status === 'queued')];
      await site.record(queued, 'WITHDRAWN', { reason: 'round over' });
      await saveSite({ horizonWeeks: 2, slotsPerWeek: first.taken + 1 });
    }
  });
});
