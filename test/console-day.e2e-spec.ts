import type { Page } from 'playwright-core';
import { eligibleCd19Screening } from '#testing';
import { ConsoleBrowser } from './support/console-browser';
import { startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';

/**
 * Data queries in Chromium against the real API on PostgreSQL (README, "Data queries"): a monitor
 * raises a query on one field of an entry from the patient page; the coordinator sees the patient
 * marked on the worklist, corrects the entry and answers the query by the correcting entry; the
 * monitor closes it and the queries page gives the site's figures. A coordinator is offered no
 * form to raise a query, a monitor none to answer it. The patient page counts AEs, not their reports.
 * A user sets how notices reach them by email and makes, reads and revokes a calendar feed.
 */
describe("console: the coordinator's day", () => {
  let t: TestApp;
  let site: TrialSite;
  let monitor: string;
  let browser: ConsoleBrowser;
  let base: string;
  let page: Page;
  let problems: string[];

  const signInAs = (token: string) => browser.signInAs(token);

  beforeAll(async () => {
    t = await startTestApp('postgres', { RATE_LIMIT_PER_MINUTE: '0' });
    site = await TrialSite.open(t, 'site-a');
    monitor = await createUser(t, 'monitor', ['site-a']);
    browser = await ConsoleBrowser.open(t);
    ({ base, page, problems } = browser);
  }, 120_000);

  const shot = (name: string) => browser.shot(name);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('raises a query on a field, answers it by a correcting entry and closes it', async () => {
    const id = await site.register({ protocolId: 'cd19-rr-all' });
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await site.record(id, 'SCREENING_DATA_RECORDED', eligibleCd19Screening().screening as unknown as Record<string, unknown>);
    const screeningSeq = ((await site.get(`/patients/${id}/events`)).body as Array<{ seq: number; type: string }>).find((e) => e.type === 'SCREENING_DATA_RECORDED')!.seq;
    const subjectId = (await site.get(`/patients/${id}`)).body.subjectId as string;

    // The monitor asks about the creatinine of the screening entry.
    await signInAs(monitor);
    await page.goto(`${base}/app/#/patients/${id}`);
    const raise = page.getByTestId('raise-query');
    await raise.waitFor();
    await page.getByTestId('query-entry').click();
    await page.getByRole('option', { name: `#${screeningSeq} ` }).click();
    await page.getByTestId('query-field').click();
    await page.getByRole('option', { name: 'labs.creatinineMgDl', exact: true }).click();
    await page.getByTestId('query-question').fill('Creatinine 0.9 mg/dL: the source lab report says 1.9.');
    await page.getByTestId('query-raise').click();
    const card = page.getByTestId('query-card');
    await card.waitFor();
    expect(await card.getByTestId('query-status').textContent()).toBe('open');
    expect(await card.textContent()).toContain('labs.creatinineMgDl');
    // A monitor answers nothing: the card offers close, not answer.
    expect(await card.getByTestId('query-answer').count()).toBe(0);

    // The coordinator sees the patient marked on the worklist, opens it, corrects the entry and answers by it.
    await signInAs(site.coordinator);
    const marked = page.getByTestId('worklist-queries').locator(`[data-subject="${subjectId}"]`);
    await marked.waitFor();
    expect(await page.getByTestId('stat-queries').textContent()).toContain('1');
    await marked.getByRole('link').click();
    await page.getByTestId('query-card').waitFor();
    expect(await page.getByTestId('raise-query').count()).toBe(0);
    // The coordinator is offered the screening form, not the investigator's signed eligibility sign-off.
    await page.getByTestId('event-item-SCREENING_DATA_RECORDED').waitFor();
    expect(await page.getByTestId('event-item-ELIGIBILITY_CONFIRMED').count()).toBe(0);
    await site.post(id, {
      type: 'SCREENING_DATA_RECORDED',
      data: eligibleCd19Screening({ labs: { creatinineMgDl: 1.9 } } as never).screening,
      reason: 'Creatinine transcribed wrongly; the source report says 1.9 mg/dL',
    });
    await page.reload();
    await page.getByTestId('query-correction').click();
    await page.getByRole('option', { name: /Creatinine transcribed wrongly/ }).click();
    await page.getByTestId('query-text').fill('Corrected from the source report.');
    await page.getByTestId('query-answer').click();
    await page.locator('[data-testid="query-card"][data-status="answered"]').waitFor();
    expect(await page.getByTestId('query-card').textContent()).toMatch(/corrected.*by entry #\d+: Corrected from the source report\./);
    await page.getByTestId('data-queries').scrollIntoViewIfNeeded();
    await shot('patient-query');

    // The monitor closes it; the queries page counts it closed at site A.
    await signInAs(monitor);
    await page.goto(`${base}/app/#/patients/${id}`);
    await page.getByTestId('query-close').click();
    await page.locator('[data-testid="query-card"][data-status="closed"]').waitFor();
    await page.getByRole('link', { name: 'Queries' }).click();
    const row = page.getByTestId('query-site-table').locator('[data-site="site-a"]');
    await row.waitFor();
    expect((await row.locator('td').allTextContents()).slice(0, 4)).toEqual(['site-a', '0', '0', '1']);
    await shot('queries');

    const query = (await t.http.get(`/queries?patientId=${id}`).set('Authorization', `Bearer ${monitor}`)).body.items[0];
    const exchange = (await t.http.get(`/queries/${query.id}`).set('Authorization', `Bearer ${monitor}`)).body.messages.map((m: { kind: string }) => m.kind);
    expect(exchange).toEqual(['question', 'correction', 'close']);
    expect(problems).toEqual([]);
  }, 120_000);

  it('counts AEs, not reports: follow-up reports of the same AE are grouped on the patient page', async () => {
    const id = await site.infused();
    const onset = t.clock.now().toISOString();
    const report = (body: Record<string, unknown>) => t.http.post(`/patients/${id}/adverse-events`).set('Authorization', `Bearer ${site.coordinator}`).send(body);
    // Fatigue reported, then followed up twice (same term, same onset, other case); a second AE alongside.
    for (const [term, grade] of [
      ['Fatigue', 1],
      ['fatigue', 2],
      ['FATIGUE', 2],
      ['Nausea', 1],
    ] as const) {
      expect((await report({ term, grade, onset, related: false, serious: false })).status).toBe(200);
    }
    await signInAs(site.coordinator);
    await page.goto(`${base}/app/#/patients/${id}`);
    const safety = page.getByTestId('fact-safety');
    await safety.getByTestId('ae-count').waitFor();
    expect(await safety.getByTestId('ae-count').textContent()).toBe('2 AEs (4 reports), worst grade 2');
    expect(await safety.textContent()).toContain('Fatigue: 3 reports');
    expect(problems).toEqual([]);
  }, 120_000);

  it('saves how notices reach a user by email, and makes and revokes a calendar feed that a calendar can read', async () => {
    await signInAs(site.investigator);
    await page.getByTestId('reach-link').click();
    await page.getByTestId('reach-email').waitFor();
    await page.getByTestId('reach-address').fill('not an address');
    await page.getByTestId('reach-save').click();
    await page.getByTestId('explanation').waitFor();
    expect((await site.get('/users/me/notification-preferences', site.investigator)).body).toMatchObject({ email: null, emailPreference: 'off' });
    // The browser logs the refused save (a 400); that one was asked for.
    expect(problems.splice(0)).toEqual([expect.stringContaining('status of 400')]);
    await page.getByTestId('reach-address').fill('investigator@site-a.example');
    await page.getByTestId('reach-daily').check();
    await page.getByTestId('reach-save').click();
    await page.getByTestId('reach-done').waitFor();
    expect((await site.get('/users/me/notification-preferences', site.investigator)).body).toEqual({
      email: 'investigator@site-a.example',
      emailPreference: 'daily',
      calendarFeed: false,
    });

    await page.getByTestId('reach-feed-create').click();
    const url = (await page.getByTestId('reach-feed-url').textContent())!.trim();
    expect(url).toMatch(new RegExp(`^${base}/calendar/cf_[A-Za-z0-9_-]{32}\\.ics$`));
    const feed = await fetch(url);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toContain('text/calendar');
    expect(await feed.text()).toContain('BEGIN:VCALENDAR');
    await page.getByTestId('reach-feed-revoke').click();
    await page.getByText('The feed was revoked').waitFor();
    expect((await fetch(url)).status).toBe(404);
    expect(problems).toEqual([]);
  }, 120_000);
});
