import { eligibleCd38Screening } from '#testing';
import { startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';
import { settleDueTimers } from './support/timers';
import { Cd38Trial } from './support/cd38-trial';

const DAY = 86_400_000;

/**
 * A whole 3+3 dose-escalation trial on NCT03754764 through the API: cohorts at levels 1–3 with DLTs
 * where the test puts them, every decision checked, and the MTD.
 */
describe('dose escalation on NCT03754764 (3+3)', () => {
  let t: TestApp;
  let site: TrialSite;
  let cd38: Cd38Trial;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
    cd38 = new Cd38Trial(t, site);
  });
  afterAll(() => t.close());

  const trial = () => cd38.row();
  const stagger = () => cd38.staggerDays();
  const treat = (withDlt: boolean) => cd38.treat(withDlt);

  /** Treats a cohort one stagger apart, then lets every DLT window close. */
  async function cohort(dlts: boolean[]) {
    const treated = await cd38.infuseCohort(dlts);
    t.clock.advanceDays(29);
    await settleDueTimers(t);
    return treated;
  }

  it('escalates, expands, de-escalates and finds the MTD, recording each decision with its reason', async () => {
    expect(await trial()).toMatchObject({ status: 'open', enrolled: 0, target: 80, currentDoseLevel: 1, mtd: null });

    // Level 1: 0 of 3 → escalate.
    const first = await cohort([false, false, false]);
    expect(first.map((p) => p.level)).toEqual([1, 1, 1]);
    let state = await trial();
    expect(state.decisions.map((d: { action: string }) => d.action)).toEqual(['escalate']);
    expect(state.currentDoseLevel).toBe(2);
    expect(state.decisions[0].reason).toMatch(/0 of 3/);

    // Level 2: 1 of 3 → three more at level 2; then 0 of 3 more (1 of 6) → escalate.
    await cohort([true, false, false]);
    state = await trial();
    expect(state.decisions.at(-1)).toMatchObject({ action: 'stay', fromLevel: 2, toLevel: 2 });
    await cohort([false, false, false]);
    state = await trial();
    expect(state.decisions.at(-1)).toMatchObject({ action: 'escalate', fromLevel: 2, toLevel: 3 });

    // Level 3: 2 of 3 → level 3 exceeds the MTD; level 2 has 6 with 1 DLT: MTD is level 2.
    await cohort([true, true, false]);
    state = await trial();
    expect(state.decisions.map((d: { action: string }) => d.action)).toEqual(['escalate', 'stay', 'escalate', 'mtd-found']);
    expect(state).toMatchObject({ status: 'mtd-found', mtd: 2, enrolled: 12 });
    expect(state.levels.map((l: { level: number; enrolled: number; evaluable: number; dlts: number }) => [l.level, l.enrolled, l.evaluable, l.dlts])).toEqual([
      [1, 3, 3, 0],
      [2, 6, 6, 1],
      [3, 3, 3, 2],
    ]);

    // Expansion: the next patient is assigned the MTD.
    const expansion = await treat(false);
    expect(expansion.level).toBe(2);
  });

  it('staggers infusions: one too soon after the previous is refused with the date it may happen', async () => {
    const id = await site.register({ protocolId: 'NCT03754764' });
    await site.readyForInfusion(id, eligibleCd38Screening);
    const dose = (await trial()).levels.find((l: { level: number }) => l.level === 2).minCellsPerKg;
    const infusedRecently = (await trial()).lastInfusionAt;
    t.clock.advanceMs(Date.parse(infusedRecently) + DAY - t.clock.now().getTime());
    const tooSoon = await site.post(id, { type: 'INFUSION_COMPLETED', data: { cellsPerKg: dose } });
    expect(tooSoon.status).toBe(422);
    expect(tooSoon.body.reasons[0]).toMatch(/staggered by \d+ days: the next infusion may take place from \d{4}-\d{2}-\d{2}/);
    t.clock.advanceDays(await stagger());
    expect((await site.post(id, { type: 'INFUSION_COMPLETED', data: { cellsPerKg: dose } })).status).toBe(200);
  });
});

describe('cohort slots on a 3+3 trial', () => {
  let t: TestApp;
  let site: TrialSite;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
  });
  afterAll(() => t.close());

  it('refuses a fourth enrollment while the first cohort awaits DLT evaluation, and frees a slot on withdrawal', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await site.register({ protocolId: 'NCT03754764' });
      await site.readyForInfusion(id, eligibleCd38Screening);
      ids.push(id);
    }
    const fourth = await site.register({ protocolId: 'NCT03754764' });
    const { screening, attestations } = eligibleCd38Screening();
    await site.record(fourth, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await site.record(fourth, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
    await site.record(fourth, 'ELIGIBILITY_CONFIRMED', { attestations }, site.investigator);
    const refused = await site.post(fourth, { type: 'ENROLLED' });
    expect(refused.status).toBe(422);
    expect(refused.body.reasons[0]).toMatch(/cohort of 3 at dose level 1 is full/);
    expect((await site.get(`/patients/${fourth}`)).body.state).toBe('eligible');

    await site.record(ids[0], 'WITHDRAWN', { reason: 'patient decision' });
    const enrolled = await site.post(fourth, { type: 'ENROLLED' });
    expect(enrolled.status).toBe(200);
    expect(enrolled.body.result.doseLevel.level).toBe(1);
  });

  it('never gives the same last slot to two simultaneous enrollments', async () => {
    // Free one slot, then race two eligible patients for it.
    const state = (await site.get('/trials/NCT03754764')).body;
    expect(state.pending.length).toBe(3);
    const pendingId = state.pending[0].patientId;
    await site.record(pendingId, 'WITHDRAWN', { reason: 'consent withdrawn' });
    const racers: string[] = [];
    for (let i = 0; i < 2; i++) {
      const id = await site.register({ protocolId: 'NCT03754764' });
      const { screening, attestations } = eligibleCd38Screening();
      await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
      await site.record(id, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
      await site.record(id, 'ELIGIBILITY_CONFIRMED', { attestations }, site.investigator);
      racers.push(id);
    }
    const results = await Promise.all(racers.map((id) => site.post(id, { type: 'ENROLLED' })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 422]);
    expect((await site.get('/trials/NCT03754764')).body.pending.length).toBe(3);
  });
});
