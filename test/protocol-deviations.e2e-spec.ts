import { startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';
import { settleDueTimers } from './support/timers';

const DAY = 86_400_000;
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

interface Deviation {
  id: string;
  kind: string;
  category: string;
  severity: 'minor' | 'major';
  rule: string;
  description: string;
  at: string;
  source: 'engine' | 'site';
  visit?: string;
  seq?: number;
  patientId: string;
  subjectId: string;
  siteId: string;
}
interface SiteFigures {
  siteId: string;
  patients: number;
  deviations: number;
  major: number;
  minor: number;
  visitsInWindow: number;
  visitsOutOfWindow: number;
  visitsMissed: number;
  windowComplianceRate: number | null;
}
interface Answer {
  protocolId: string;
  deviations: Deviation[];
  sites: SiteFigures[];
  dataIssues: unknown[];
}

/** Protocol deviations through the HTTP API (README, "Protocol deviations"): found by the engine, recorded by the site, listed per site. */
describe.each(['postgres', 'sqlite'] as const)('protocol deviations on %s', (kind) => {
  let t: TestApp;
  let siteA: TrialSite;
  let siteB: TrialSite;
  let monitorA: string;
  /** Site A: D7 done on Day 0 (before its window), D14 missed, a DLT with onset on day 20 reported on day 30. */
  let early: string;
  /** Site A: D7 done on day 7, D14 missed, a deviation recorded by hand, an unscheduled visit. */
  let onTime: string;
  /** Site A: died on Day 0. */
  let died: string;
  /** Site B: no visit done. */
  let elsewhere: string;
  let day0: number;

  const list = async (token: string, query = '') => {
    const res = await t.http.get(`/trials/cd19-rr-all/deviations${query}`).set(bearer(token));
    expect(res.status).toBe(200);
    return res.body as Answer;
  };
  const entries = async (site: TrialSite, id: string) => ((await site.get(`/patients/${id}/events`)).body as unknown[]).length;
  const iso = (day: number, hours = 1) => new Date(day0 + day * DAY + hours * 3_600_000).toISOString();

  beforeAll(async () => {
    t = await startTestApp(kind);
    siteA = await TrialSite.open(t, 'site-a');
    siteB = await TrialSite.open(t, 'site-b');
    monitorA = await createUser(t, 'monitor', ['site-a']);
    early = await siteA.infused();
    onTime = await siteA.infused();
    died = await siteA.infused();
    elsewhere = await siteB.infused();
    day0 = Date.parse((await siteA.get(`/patients/${early}`)).body.day0);

    // Day 0: D7 done a week early (its window is day 6 to day 8); a patient dies.
    await siteA.record(early, 'VISIT_COMPLETED', { visit: 'D7' });
    const schedule = (await siteA.get(`/patients/${early}/schedule`)).body.visits as Array<{ name: string }>;
    expect(schedule.find((v) => v.name === 'D7')).toMatchObject({ status: 'done', outOfWindow: true });
    await siteA.record(died, 'DEATH', { cause: 'sepsis' });
    // Day 7: D7 on time.
    t.clock.advanceDays(7);
    await siteA.record(onTime, 'VISIT_COMPLETED', { visit: 'D7' });
    // Day 20: D14's window (day 12 to day 16) has closed without it.
    t.clock.advanceDays(13);
    await settleDueTimers(t);
    // Day 30: the 28-day DLT window has closed.
    t.clock.advanceDays(10);
    await settleDueTimers(t);
  });
  afterAll(() => t?.close());

  it('lists a visit done outside its window and the missed ones, with the rule and the site, and each site’s window compliance', async () => {
    const answer = await list(siteA.coordinator);
    const of = (id: string) => answer.deviations.filter((d) => d.patientId === id);
    expect(of(early)).toEqual([
      expect.objectContaining({
        id: 'visit-out-of-window:D7',
        kind: 'visit-out-of-window',
        category: 'visitSchedule',
        severity: 'minor',
        source: 'engine',
        visit: 'D7',
        siteId: 'site-a',
        rule: expect.stringMatching(/^visit D7 is done within its window, \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d \(day 7\)$/),
        description: expect.stringContaining('before its window opened'),
      }),
      expect.objectContaining({ id: 'visit-missed:D14', kind: 'visit-missed', severity: 'minor', visit: 'D14' }),
    ]);
    expect(of(onTime).map((d) => d.id)).toEqual(['visit-missed:D14']);
    // The patient who died has no missed visit: its visits were cancelled, none is overdue.
    expect(of(died)).toEqual([]);
    // Site A: D7 on time once, early once, D14 missed twice.
    expect(answer.sites).toEqual([
      { siteId: 'site-a', patients: 3, deviations: 3, major: 0, minor: 3, visitsInWindow: 1, visitsOutOfWindow: 1, visitsMissed: 2, windowComplianceRate: 0.25 },
    ]);
    expect(answer.dataIssues).toEqual([]);
  });

  it('gives an off-study or deceased patient no overdue visit: the schedule is cancelled and the worklist lists none', async () => {
    const schedule = (await siteA.get(`/patients/${died}/schedule`)).body.visits as Array<{ status: string }>;
    expect(schedule.length).toBeGreaterThan(0);
    expect(schedule.every((v) => v.status === 'cancelled')).toBe(true);
    const worklist = (await siteA.get('/worklist')).body as { visits: { overdue: Array<{ patientId: string }>; dueToday: Array<{ patientId: string }> } };
    expect([...worklist.visits.overdue, ...worklist.visits.dueToday].map((v) => v.patientId)).not.toContain(died);
    expect(worklist.visits.overdue.map((v) => v.patientId)).toEqual(expect.arrayContaining([early, onTime]));
  });

  it('lists a DLT reported after its window closed as a major deviation', async () => {
    const report = await siteA.record(early, 'ADVERSE_EVENT_REPORTED', { term: 'Hepatic failure', grade: 4, onset: iso(20), related: true, serious: true });
    expect(report.result).toMatchObject({ dlt: true });
    const late = (await list(siteA.investigator, `?patientId=${early}`)).deviations.filter((d) => d.kind === 'late-dlt');
    expect(late).toEqual([
      expect.objectContaining({ severity: 'major', category: 'safetyReporting', source: 'engine', seq: expect.any(Number), rule: expect.stringContaining('28-day DLT window') }),
    ]);
  });

  it('records a deviation by hand, on study and, dated before it, off study; takes an unscheduled visit', async () => {
    const recorded = await siteA.record(onTime, 'PROTOCOL_DEVIATION_RECORDED', {
      category: 'consent',
      severity: 'major',
      description: 'Blood drawn for research before the updated consent was signed',
      rule: 'Protocol 12.1: consent before any study procedure',
    });
    expect(recorded.patient.record).toBeDefined();
    const unscheduled = await siteA.record(onTime, 'UNSCHEDULED_VISIT_COMPLETED', { reason: 'Fever of 38.6 °C, seen in clinic' });
    expect(unscheduled.patient.record.unscheduledVisits).toEqual([{ at: expect.any(String), reason: 'Fever of 38.6 °C, seen in clinic' }]);

    // Off study: a deviation of its time on study, dated no later than the death, is a late entry.
    const late = await siteA.post(died, {
      type: 'PROTOCOL_DEVIATION_RECORDED',
      occurredAt: iso(0, 0),
      data: { category: 'procedure', severity: 'minor', description: 'Vital signs not taken 15 minutes after the infusion', rule: 'Protocol 8.3' },
    });
    expect(late.status).toBe(200);
    const afterDeath = await siteA.post(died, {
      type: 'PROTOCOL_DEVIATION_RECORDED',
      data: { category: 'procedure', severity: 'minor', description: 'Follow-up call not made', rule: 'Protocol 9.1' },
    });
    expect(afterDeath.status).toBe(422);

    const answer = await list(siteA.coordinator);
    expect(answer.deviations.filter((d) => d.source === 'site')).toEqual([
      expect.objectContaining({ patientId: died, kind: 'recorded', category: 'procedure', severity: 'minor', rule: 'Protocol 8.3' }),
      expect.objectContaining({
        patientId: onTime,
        kind: 'recorded',
        category: 'consent',
        severity: 'major',
        description: 'Blood drawn for research before the updated consent was signed',
        rule: 'Protocol 12.1: consent before any study procedure',
      }),
    ]);
    expect(answer.sites[0]).toMatchObject({ siteId: 'site-a', deviations: 6, major: 2, minor: 4 });
  });

  it('shows another site none of site A’s deviations, and site A none of theirs', async () => {
    const b = await list(siteB.coordinator);
    expect(b.deviations.length).toBeGreaterThan(0);
    expect(b.deviations.every((d) => d.siteId === 'site-b' && d.patientId === elsewhere)).toBe(true);
    expect(b.sites.map((s) => s.siteId)).toEqual(['site-b']);
    expect(b.sites[0]).toMatchObject({ visitsInWindow: 0, visitsMissed: 2, windowComplianceRate: 0 });
    expect(await list(siteB.coordinator, '?siteId=site-a')).toMatchObject({ deviations: [], sites: [] });
    expect(await list(siteB.coordinator, `?patientId=${early}`)).toMatchObject({ deviations: [], sites: [] });
    expect((await list(siteA.coordinator)).deviations.some((d) => d.patientId === elsewhere)).toBe(false);
    // One site's deviations when filtered, for a user of both.
    const both = await createUser(t, 'monitor', ['site-a', 'site-b']);
    expect((await list(both)).sites.map((s) => s.siteId)).toEqual(['site-a', 'site-b']);
    expect((await list(both, '?siteId=site-b')).deviations.every((d) => d.siteId === 'site-b')).toBe(true);
  });

  it('exports the deviations as SDTM DV', async () => {
    const res = await t.http.get('/trials/cd19-rr-all/export?format=sdtm&domain=DV').set(bearer(monitorA)).buffer(true);
    expect(res.status).toBe(200);
    const [header, ...rows] = res.text.trim().split(/\r?\n/);
    expect(header).toBe('STUDYID,DOMAIN,USUBJID,DVSEQ,DVSPID,DVTERM,DVDECOD,DVCAT,DVSCAT,VISIT,DVSTDTC');
    expect(rows.some((r) => r.includes('visit-out-of-window:D7') && r.includes('VISIT OUT OF WINDOW') && r.includes('VISIT SCHEDULE') && r.includes('MINOR'))).toBe(true);
    expect(rows.some((r) => r.includes('RECORDED BY SITE') && r.includes('INFORMED CONSENT') && r.includes('MAJOR'))).toBe(true);
    expect(rows.some((r) => r.includes('LATE DLT') && r.includes('SAFETY REPORTING'))).toBe(true);
    expect(rows.some((r) => r.includes('site-b'))).toBe(false);
  });

  it('puts each read in the access audit, naming the patients', async () => {
    await list(monitorA, `?patientId=${early}`);
    const audit = (await t.http.get(`/audit/access?patientId=${early}&limit=500`).set(bearer(t.adminToken))).body.items as Array<{ action: string }>;
    expect(audit.map((r) => r.action)).toContain('deviations.read');
  });

  it('refuses bad input with the reason, writing nothing', async () => {
    const before = await entries(siteA, onTime);
    // Data the event's schema refuses: 400 naming the field; a well-formed event the protocol refuses: 422.
    for (const [data, field] of [
      [{ category: 'consent', severity: 'critical', description: 'x', rule: 'y' }, 'severity'],
      [{ category: 'consent', severity: 'major', description: 'no rule named' }, 'rule'],
      [{ category: 'paperwork', severity: 'minor', description: 'x', rule: 'y' }, 'category'],
      [{ category: 'consent', severity: 'minor', description: ' ', rule: 'y' }, 'description'],
    ] as const) {
      const res = await siteA.post(onTime, { type: 'PROTOCOL_DEVIATION_RECORDED', data });
      expect([res.status, res.body.error]).toEqual([400, 'invalid_input']);
      expect(JSON.stringify(res.body)).toContain(field);
    }
    const noReason = await siteA.post(onTime, { type: 'UNSCHEDULED_VISIT_COMPLETED', data: {} });
    expect([noReason.status, noReason.body.error]).toEqual([400, 'invalid_input']);
    expect(JSON.stringify(noReason.body)).toContain('reason');
    const beforeInfusion = await siteA.register();
    const notInfused = await siteA.post(beforeInfusion, { type: 'UNSCHEDULED_VISIT_COMPLETED', data: { reason: 'rash' } });
    expect(notInfused.status).toBe(409);
    expect(await entries(siteA, onTime)).toBe(before);

    expect((await t.http.get('/trials/cd19-rr-all/deviations?patientId=not-a-uuid').set(bearer(siteA.coordinator))).status).toBe(400);
    expect((await t.http.get('/trials/cd19-rr-all/deviations?site=site-a').set(bearer(siteA.coordinator))).status).toBe(400);
    expect((await t.http.get('/trials/no-such-trial/deviations').set(bearer(siteA.coordinator))).status).toBe(404);
    // A lab user reads no deviations.
    const lab = await createUser(t, 'lab', ['site-a']);
    expect((await t.http.get('/trials/cd19-rr-all/deviations').set(bearer(lab))).status).toBe(403);
  });
});
