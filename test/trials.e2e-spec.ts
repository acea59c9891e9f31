import { DataSource } from 'typeorm';
import { eligibleCd19Screening } from '#protocols';
import { TimerEntity } from '#domain';
import { startTestApp, type TestApp } from './support/test-app';
import { type EligibleScreening, TrialSite } from './support/trial-site';
import { settleDueTimers } from './support/timers';

interface TrialCase {
  name: string;
  protocolId: string;
  cohort?: string;
  eligible: EligibleScreening;
  cellsPerKg: number;
  /** A response that ends response assessment at the primary visit. */
  response: Record<string, unknown>;
}

const ALL_CR = { marrowBlastsPct: 1, circulatingBlasts: false, extramedullary: false, anc: 1.5, platelets: 140, mrdPct: 0.001 };

const TRIALS: TrialCase[] = [
  { name: 'CD19 R/R ALL', protocolId: 'cd19-rr-all', eligible: eligibleCd19Screening, cellsPerKg: 7e6, response: ALL_CR },
];

const DAY = 86_400_000;

/**
 * Every trial, through the HTTP API on PostgreSQL: one eligible patient to the end of follow-up,
 * and one to each exit of the lifecycle.
 */
describe.each(TRIALS)('$name', (trial) => {
  let t: TestApp;
  let site: TrialSite;
  let definition: { schedule: Array<{ name: string; day: number }>; primaryResponseVisit: string; followUpDays: number };

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
    const res = await site.get(`/protocols/${trial.protocolId}`);
    const cohort = trial.cohort ? res.body.cohorts.find((c: { id: string }) => c.id === trial.cohort) : {};
    definition = { ...res.body, ...cohort };
  });
  afterAll(() => t.close());

  const register = () => site.register({ protocolId: trial.protocolId, ...(trial.cohort ? { cohort: trial.cohort } : {}) });
  const state = async (id: string) => (await site.get(`/patients/${id}`)).body;
  const pendingTimers = (id: string) => t.app.get(DataSource).getRepository(TimerEntity).countBy({ patientId: id, status: 'pending' });

  async function infused() {
    const id = await register();
    await site.readyForInfusion(id, trial.eligible);
    const infusion = await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: trial.cellsPerKg });
    return { id, infusedAt: Date.parse(infusion.patient.day0) };
  }

  it('walks an eligible patient through every visit to the end of follow-up', async () => {
    const { id, infusedAt } = await infused();
    const start = t.clock.now().getTime();
    for (const visit of definition.schedule) {
      t.clock.advanceMs(infusedAt + visit.day * DAY - t.clock.now().getTime());
      await settleDueTimers(t);
      await site.record(id, 'VISIT_COMPLETED', { visit: visit.name });
      if (visit.name === definition.primaryResponseVisit) {
        const assessed = await site.record(id, 'RESPONSE_ASSESSED', { visit: visit.name, ...trial.response });
        expect(assessed.result.response).toBe('CR');
        expect(assessed.patient.state).toBe('followUp');
      }
    }
    t.clock.advanceMs(infusedAt + definition.followUpDays * DAY + 60_000 - t.clock.now().getTime());
    await settleDueTimers(t);
    const done = await state(id);
    expect([done.state, done.status]).toEqual(['completed', 'offStudy']);
    const schedule = (await site.get(`/patients/${id}/schedule`)).body.visits as Array<{ status: string }>;
    expect(schedule.every((v) => v.status === 'done')).toBe(true);
    expect(await pendingTimers(id)).toBe(0);
    const log = (await site.get(`/patients/${id}/events?limit=1000`)).body as Array<{ type: string; actor: string }>;
    expect(log.filter((e) => e.type === 'VISIT_MISSED')).toEqual([]);
    expect(log.find((e) => e.type === 'DLT_WINDOW_CLOSED')?.actor).toBe('system:scheduler');
    t.clock.advanceMs(start - t.clock.now().getTime());
  });

  it('ends a patient who fails screening', async () => {
    const id = await register();
    await site.record(id, 'SCREEN_FAILED', { reason: 'target antigen negative by flow' });
    expect((await state(id)).state).toBe('screenFailed');
  });

  it('ends a patient whose product fails manufacturing', async () => {
    const id = await register();
    const { screening, attestations } = trial.eligible();
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await site.record(id, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
    await site.record(id, 'ELIGIBILITY_CONFIRMED', { attestations }, site.investigator);
    await site.record(id, 'ENROLLED');
    await site.record(id, 'LEUKAPHERESIS_COMPLETED');
    await site.record(id, 'MANUFACTURING_FAILED', { reason: 'insufficient expansion' });
    expect((await state(id)).state).toBe('manufacturingFailed');
  });

  it.each([
    ['WITHDRAWN', { reason: 'patient decision' }, 'withdrawn'],
    ['DEATH', { cause: 'disease progression' }, 'died'],
    ['LOST_TO_FOLLOW_UP', {}, 'lostToFollowUp'],
  ])('ends an infused patient on %s, cancelling every timer', async (type, data, expected) => {
    const { id } = await infused();
    expect(await pendingTimers(id)).toBeGreaterThan(0);
    await site.record(id, type, data);
    const p = await state(id);
    expect([p.state, p.status, p.acceptedEvents]).toEqual([expected, 'offStudy', []]);
    expect(await pendingTimers(id)).toBe(0);
  });
});
