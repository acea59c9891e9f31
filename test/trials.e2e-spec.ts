import { DataSource } from 'typeorm';
import { toManufacturing, eligibleCd19Screening, eligibleCd20Cd22Screening, eligibleCd22Screening, eligibleCd38Screening } from '#testing';
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

const ALL_CR = { marrowBlastsPct: 1, circulatingBlasts: false, extramedullary: false, anc: 1.5, platelets: 140, countsUnit: '10^9/L', mrdPct: 0.001 };

const LUGANO_CR = { deauville: 2, newLesion: false };

const TRIALS: TrialCase[] = [
  { name: 'NCT03754764 (CD38)', protocolId: 'NCT03754764', eligible: eligibleCd38Screening, cellsPerKg: 1e6, response: ALL_CR },
  { name: 'CD19 R/R ALL', protocolId: 'cd19-rr-all', eligible: eligibleCd19Screening, cellsPerKg: 7e6, response: ALL_CR },
  { name: 'NCT04546906 (CD22)', protocolId: 'NCT04546906', eligible: eligibleCd22Screening, cellsPerKg: 1e6, response: ALL_CR },
  {
    name: 'CD20/CD22, B-ALL cohort',
    protocolId: 'cd20-cd22',
    cohort: 'B-ALL',
    eligible: () => eligibleCd20Cd22Screening('B-ALL'),
    cellsPerKg: 2e6,
    response: ALL_CR,
  },
  {
    name: 'CD20/CD22, B-NHL cohort',
    protocolId: 'cd20-cd22',
    cohort: 'B-NHL',
    eligible: () => eligibleCd20Cd22Screening('B-NHL'),
    cellsPerKg: 2e6,
    response: LUGANO_CR,
  },
];

const DAY = 86_400_000;

/**
 * Every trial, through the HTTP API on PostgreSQL: one eligible patient to the end of follow-up,
 * and one to each exit of the lifecycle.
 */
describe.each(TRIALS)('$name', (trial) => {
  let t: TestApp;
  let site: TrialSite;
  let definition: { schedule: Array<{ name: string; day: number; findings?: string[] }>; primaryResponseVisit: string; followUpDays: number };

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
    const res = await site.get(`/protocols/${trial.protocolId}`);
    // The newest version runs here: an amendment that needs the site's IRB approval gets it today.
    if (res.body.amendment?.siteApproval) {
      const approvedOn = t.clock.now().toISOString().slice(0, 10);
      const approval = await t.http
        .put(`/trials/${trial.protocolId}/amendments/${res.body.version}/sites/site-a`)
        .set('Authorization', `Bearer ${t.adminToken}`)
        .send({ approvedOn, reference: 'IRB test approval' });
      expect(approval.status).toBe(201);
    }
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
    // Dose-finding trials stagger infusions (NCT03754764: 7 days); each infusion here comes after the last one's stagger.
    t.clock.advanceDays(8);
    const infusion = await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: trial.cellsPerKg });
    return { id, infusedAt: Date.parse(infusion.patient.day0) };
  }

  it('walks an eligible patient through every visit to the end of follow-up', async () => {
    const { id, infusedAt } = await infused();
    const start = t.clock.now().getTime();
    for (const visit of definition.schedule) {
      t.clock.advanceMs(infusedAt + visit.day * DAY - t.clock.now().getTime());
      await settleDueTimers(t);
      // A malignancy-screening visit records its findings: none new here.
      const findings = visit.findings ? { findings: Object.fromEntries(visit.findings.map((f) => [f, false])) } : {};
      await site.record(id, 'VISIT_COMPLETED', { visit: visit.name, ...findings });
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
    await site.custody(id, (coi) => toManufacturing(coi));
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
    // Off study, it takes only data about its time on study, entered late; it schedules nothing.
    expect([p.state, p.status, p.acceptedEvents]).toEqual([
      expected,
      'offStudy',
      [
        'ADVERSE_EVENT_REPORTED',
        'DLT_ADJUDICATED',
        'LAB_RESULT_RECORDED',
        'LAB_TOXICITY_DISMISSED',
        'PROTOCOL_DEVIATION_RECORDED',
        'RESPONSE_ASSESSED',
        'UNSCHEDULED_VISIT_COMPLETED',
        'VISIT_COMPLETED',
      ],
    ]);
    expect(await pendingTimers(id)).toBe(0);
  });
});

describe('trial-specific rules through the API', () => {
  let t: TestApp;
  let site: TrialSite;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
  });
  afterAll(() => t.close());

  it('registers CD20/CD22 patients into a cohort, and refuses a diagnosis outside it', async () => {
    const missing = await t.http
      .post('/patients')
      .set('Authorization', `Bearer ${site.coordinator}`)
      .send({ protocolId: 'cd20-cd22', subjectId: 'C-1', siteId: 'site-a', sex: 'male', birthDate: '1970-05-05', weightKg: 75, heightCm: 175 });
    expect(missing.status).toBe(422);
    expect(missing.body.reasons[0]).toMatch(/give cohort B-ALL or B-NHL/);
    const id = await site.register({ protocolId: 'cd20-cd22', cohort: 'B-NHL' });
    expect((await site.get(`/patients/${id}`)).body).toMatchObject({ protocol: 'cd20-cd22@1', cohort: 'B-NHL' });
    const { screening, attestations } = eligibleCd20Cd22Screening('B-ALL');
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await site.record(id, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
    const refused = await site.post(id, { type: 'ELIGIBILITY_CONFIRMED', data: { attestations } }, site.investigator);
    expect(refused.status).toBe(422);
    expect(refused.body.reasons).toEqual(['diagnosis B-ALL does not belong to the B-NHL cohort (B-NHL)']);
  });

  it('grades CRS from its findings and holds an expected CRS as a provisional DLT until it resolves in time', async () => {
    const id = await site.register({ protocolId: 'NCT04546906' });
    await site.readyForInfusion(id, eligibleCd22Screening);
    await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: 1e6 });
    const onset = t.clock.now().toISOString();
    const crs = { temperatureC: 39.2, hypotension: true, vasopressors: 1, oxygen: 'nasal-cannula', oxygenLitresPerMinute: 4 };
    const report = { term: 'Cytokine release syndrome', crs, onset, related: true, serious: true };
    const first = await site.record(id, 'ADVERSE_EVENT_REPORTED', report);
    expect(first.result).toMatchObject({ grade: 3, scale: 'ASTCT CRS', dlt: true, provisional: true });
    expect(first.patient.record.dlts).toEqual([expect.objectContaining({ term: 'Cytokine release syndrome', grade: 3, provisional: true })]);
    const resolvedAt = new Date(Date.parse(onset) + 5 * DAY).toISOString().slice(0, 10);
    // reported on the day it resolved: a resolution is not recorded before it happens
    t.clock.advanceDays(5);
    const resolved = await site.record(id, 'ADVERSE_EVENT_REPORTED', { ...report, resolvedAt });
    expect(resolved.result).toMatchObject({ grade: 3, dlt: false });
    expect(resolved.patient.record.dlts).toEqual([]);
    const noFever = await site.post(id, { type: 'ADVERSE_EVENT_REPORTED', data: { ...report, crs: { ...crs, temperatureC: 37.2 } } });
    expect(noFever.status).toBe(422);
    expect(noFever.body.reasons[0]).toMatch(/not CRS/);
  });

  it('computes a Lugano 2014 response for a B-NHL patient', async () => {
    const id = await site.register({ protocolId: 'cd20-cd22', cohort: 'B-NHL' });
    await site.readyForInfusion(id, () => eligibleCd20Cd22Screening('B-NHL'));
    await site.record(id, 'INFUSION_COMPLETED', { cellsPerKg: 2e6 });
    const pr = await site.record(id, 'RESPONSE_ASSESSED', { visit: 'W4', deauville: 4, spdChangePct: -60, newLesion: false, uptakeReducedFromBaseline: true });
    expect(pr.result).toEqual({ response: 'PR', responseReason: 'partial metabolic response: Deauville 4 with uptake reduced from baseline' });
    const pd = await site.record(id, 'RESPONSE_ASSESSED', { visit: 'W12', deauville: 2, newLesion: true });
    expect(pd.result).toEqual({ response: 'PD', responseReason: 'a new FDG-avid lesion' });
    const allFindings = await site.post(id, { type: 'RESPONSE_ASSESSED', data: { visit: 'M6', response: 'CRi' } }, site.investigator);
    expect(allFindings.status).toBe(422);
    expect(allFindings.body.reasons[0]).toMatch(/not a LUGANO_2014 response/);
  });

  it('refuses a CD38 infusion outside the assigned dose level', async () => {
    const id = await site.register({ protocolId: 'NCT03754764' });
    await site.readyForInfusion(id, eligibleCd38Screening);
    const high = await site.post(id, { type: 'INFUSION_COMPLETED', data: { cellsPerKg: 5e6 } });
    expect(high.status).toBe(422);
    expect(high.body.reasons[0]).toMatch(/above the assigned dose level 1 range/);
  });

  it('shows CD38 enrollment closed while a full cohort awaits DLT evaluation, with the reason ENROLLED is refused for', async () => {
    const trial = async () => (await site.get('/trials/NCT03754764')).body;
    const eligible = async () => {
      const id = await site.register({ protocolId: 'NCT03754764' });
      const { screening, attestations } = eligibleCd38Screening();
      await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
      await site.record(id, 'SCREENING_DATA_RECORDED', screening as Record<string, unknown>);
      await site.record(id, 'ELIGIBILITY_CONFIRMED', { attestations }, site.investigator);
      return id;
    };
    expect(await trial()).toMatchObject({ enrollmentClosedReasons: [], nextPatientDoseLevel: 1 });
    // The 3+3 cohort is 3: enroll until it is full (an earlier case may have enrolled one already).
    for (let enrolled = (await trial()).levels[0].enrolled; enrolled < 3; enrolled += 1) await site.record(await eligible(), 'ENROLLED');
    const full = await trial();
    expect(full).toMatchObject({ enrollmentOpen: false, enrollmentClosedReasons: [expect.stringMatching(/cohort of 3 at dose level 1 is full and awaiting DLT evaluation/)] });
    const refused = await site.post(await eligible(), { type: 'ENROLLED', data: {} });
    expect(refused.status).toBe(422);
    expect(refused.body.reasons).toEqual(full.enrollmentClosedReasons);
  });
});
