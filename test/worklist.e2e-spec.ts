import { eventually, startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';

/**
 * The worklist a coordinator opens first: their own sites' patients by trial and state, the visits
 * due today and overdue, the DLT windows still open, the unread notices.
 */
describe.each(['postgres', 'sqlite'] as const)('GET /worklist on %s', (kind) => {
  let t: TestApp;
  let siteA: TrialSite;
  let siteB: TrialSite;
  let infused: string;
  let screening: string;
  let elsewhere: string;

  beforeAll(async () => {
    t = await startTestApp(kind);
    siteA = await TrialSite.open(t, 'site-a');
    siteB = await TrialSite.open(t, 'site-b');
    infused = await siteA.infused();
    screening = await siteA.register();
    elsewhere = await siteB.infused();
    // Day 13 after the infusions: D7 (day 7 ± 1) is 6 days past its target and not yet settled as
    // missed (no timer has fired); D14 (day 14 ± 2) is open; the DLT window (28 days) has 15 left.
    t.clock.advanceDays(13);
  });

  afterAll(() => t?.close());

  const worklist = async (token: string) => {
    const res = await t.http.get('/worklist').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(200);
    return res.body;
  };

  it("shows only the caller's sites: their patients, by trial and state", async () => {
    const list = await worklist(siteA.coordinator);
    expect(list.user).toMatchObject({ role: 'coordinator', siteIds: ['site-a'] });
    expect(list.patients.map((p: { id: string }) => p.id).sort()).toEqual([infused, screening].sort());
    expect(list.trials).toEqual([expect.objectContaining({ protocolId: 'cd19-rr-all', patients: 2, active: 2, byState: { dltWindow: 1, screening: 1 } })]);
    expect(JSON.stringify(list)).not.toContain(elsewhere);
  });

  it('lists the overdue visit, the visit due now and the open DLT window with the days left', async () => {
    const list = await worklist(siteA.coordinator);
    expect(list.visits.overdue).toEqual([expect.objectContaining({ patientId: infused, visit: 'D7', day: 7, daysOverdue: 6 })]);
    expect(list.visits.dueToday).toEqual([expect.objectContaining({ patientId: infused, visit: 'D14', day: 14 })]);
    expect(list.dltWindows).toEqual([expect.objectContaining({ patientId: infused, protocolId: 'cd19-rr-all', doseLevel: 1, daysLeft: 15 })]);
    expect(Date.parse(list.now)).toBeGreaterThan(Date.now() + 12 * 86_400_000);
  });

  it('drops a visit from the overdue list once it is done (late, out of window)', async () => {
    await siteA.record(infused, 'VISIT_COMPLETED', { visit: 'D7' });
    const list = await worklist(siteA.coordinator);
    expect(list.visits.overdue).toEqual([]);
    expect(list.visits.dueToday.map((v: { visit: string }) => v.visit)).toEqual(['D14']);
  });

  it("gives a monitor of both sites both sites' patients", async () => {
    const monitor = await createUser(t, 'monitor', ['site-a', 'site-b']);
    const list = await worklist(monitor);
    expect(list.patients).toHaveLength(3);
    expect(list.dltWindows.map((w: { patientId: string }) => w.patientId).sort()).toEqual([infused, elsewhere].sort());
  });

  it("shows a site's unread notices as its inbox counts them, and not another site's", async () => {
    await siteA.record(infused, 'ADVERSE_EVENT_REPORTED', {
      term: 'Encephalopathy',
      grade: 3,
      onset: t.clock.now().toISOString(),
      related: true,
      serious: true,
    });
    const list = await eventually(
      async () => {
        const l = await worklist(siteA.coordinator);
        return l.notifications.items.some((n: { kind: string }) => n.kind === 'dose-limiting-toxicity') && l;
      },
      10_000,
      'the DLT notice on the worklist',
    );
    const inbox = await t.http.get('/notifications?unread=true').set('Authorization', `Bearer ${siteA.coordinator}`);
    expect(list.notifications.unread).toBeGreaterThan(0);
    expect(list.notifications.unread).toBe(inbox.body.unread);
    expect(list.notifications.items.every((n: { readAt: string | null }) => n.readAt === null)).toBe(true);
    const other = await worklist(siteB.coordinator);
    expect(other.notifications.items.filter((n: { patientId: string }) => n.patientId === infused)).toEqual([]);
  });

  it("gives another site's caller nothing of these sites, and a site without patients an empty day", async () => {
    const other = await worklist(siteB.coordinator);
    expect(other.patients.map((p: { id: string }) => p.id)).toEqual([elsewhere]);
    expect(other.dltWindows.map((w: { patientId: string }) => w.patientId)).toEqual([elsewhere]);
    for (const id of [infused, screening]) expect(JSON.stringify(other)).not.toContain(id);
    const empty = await worklist((await TrialSite.open(t, 'site-c')).coordinator);
    expect(empty).toMatchObject({
      trials: [],
      patients: [],
      visits: { dueToday: [], overdue: [] },
      dltWindows: [],
      reconsentDue: [],
      manufacturing: [],
      queries: [],
      dataIssues: [],
    });
    for (const id of [infused, screening, elsewhere]) expect(JSON.stringify(empty)).not.toContain(id);
  });

  it('is refused without a token', async () => {
    const res = await t.http.get('/worklist');
    expect(res.status).toBe(401);
  });
});
