import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { OutboxEntity } from '#domain';
import { eligibleCd38Screening, eligibleCd20Cd22Screening, SIGNING_PASSWORD } from '#testing';
import { checkSchema } from '../web/src/forms/json-schema';
import { formatDay, formatLevel, formatRange, formatStudyDay, humanizeEvent, humanizeState, scientific, studyDay } from '../web/src/lib/format';
import { explainError, readableIssue } from '../web/src/lib/refusal';
import { launchBrowser, type LaunchedBrowser } from './support/browser';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { settleDueTimers } from './support/timers';
import { TrialSite } from './support/trial-site';

const DAY = 86_400_000;
/** The page's sessionStorage, as far as this file (type-checked without the DOM library) needs it. */
type SessionStore = { getItem(key: string): string | null; setItem(key: string, value: string): void };
const BUNDLE = resolve(__dirname, '..', 'dist', 'web', 'index.html');
const SCREENSHOTS = process.env.SCREENSHOTS === '1' ? resolve(__dirname, '..', 'docs', 'screenshots') : mkdtempSync(join(tmpdir(), 'console-screens-'));

/** The plain-words explanations of refusals: a pure function, tested without a browser. */
describe('refusal explanations', () => {
  it('names the state and the events it accepts for a 409 event_not_accepted', () => {
    const e = explainError(409, { error: 'event_not_accepted', state: 'dltWindow', acceptedEvents: ['ADVERSE_EVENT_REPORTED', 'DEATH', 'VISIT_COMPLETED'] }, 'INFUSION_COMPLETED');
    expect(e.kind).toBe('not-accepted');
    expect(e.summary).toBe('This patient is in DLT window; it accepts Adverse event reported, Death and Visit completed.');
    expect(e.details[0]).toMatch(/^Infusion completed cannot be recorded now/);
    expect(e.reload).toBe(true);
  });

  it('says an off-study patient accepts nothing', () => {
    expect(explainError(409, { error: 'event_not_accepted', state: 'died', acceptedEvents: [] }).summary).toBe('This patient is in Died; it accepts no further events.');
  });

  it('lists every reason of a 422, one sentence each', () => {
    const e = explainError(422, { error: 'refused', reasons: ['informed consent has not been signed', 'creatinine has not been recorded'] }, 'ELIGIBILITY_CONFIRMED');
    expect(e).toMatchObject({ kind: 'refused', title: 'Refused by the protocol', reload: false });
    expect(e.summary).toBe('Eligibility confirmed was refused for 2 reasons; nothing was recorded.');
    expect(e.details).toEqual(['Informed consent has not been signed.', 'Creatinine has not been recorded.']);
  });

  it('explains a version conflict, a 403 and a 400 with its issues', () => {
    expect(explainError(409, { error: 'version_conflict', currentVersion: 12 }).summary).toMatch(/it is now at version 12/);
    expect(explainError(403, { error: 'forbidden', message: 'The coordinator role may not post ELIGIBILITY_CONFIRMED; it needs one of: investigator.' })).toMatchObject({
      kind: 'forbidden',
      summary: 'The coordinator role may not post ELIGIBILITY_CONFIRMED; it needs one of: investigator.',
    });
    const invalid = explainError(400, {
      error: 'invalid_input',
      message: 'The data of INFUSION_COMPLETED is not valid.',
      issues: ['data.cellsPerKg: Too small: expected number to be >0'],
    });
    expect(invalid.details).toEqual(['Cell dose (cells/kg): too small: expected number to be >0']);
    expect(readableIssue('data: Unrecognized key: "extra"')).toBe('The event data: unrecognized key: "extra"');
    expect(explainError(0, { message: 'The server could not be reached.' })).toMatchObject({ kind: 'unavailable', reload: false, details: [] });
  });

  it('does not say "nothing was recorded" when no answer came: the event may have been applied', () => {
    const e = explainError(0, { message: 'The server could not be reached.' }, 'INFUSION_COMPLETED');
    expect(e).toMatchObject({ kind: 'unavailable', reload: true });
    expect(e.details).toEqual(['Infusion completed may have been recorded before the connection failed: reload the patient before recording it again.']);
    expect(JSON.stringify(e)).not.toMatch(/nothing was recorded/i);
  });
});

/** The console's pure helpers: wording, dates, and the schema check its forms run (the CSP rules out Ajv). */
describe('console helpers', () => {
  it('writes states, events, windows, study days and cell doses for people', () => {
    expect(humanizeState('readyForInfusion')).toBe('Ready for infusion');
    expect(humanizeState('postInfusion.course.dltWindow')).toBe('DLT window');
    expect(humanizeEvent('DLT_WINDOW_CLOSED')).toBe('DLT window closed');
    expect(formatRange('2027-02-19T16:00:00Z', '2027-02-23T16:00:00Z')).toBe('19–23 Feb 2027');
    expect(formatRange('2027-10-21T00:00:00Z', '2027-11-18T00:00:00Z', false)).toBe('21 Oct – 18 Nov');
    expect(studyDay('2027-02-22T01:00:00Z', '2027-02-07T23:00:00Z')).toBe(15);
    expect(scientific(4e6)).toBe('4.0 ×10⁶');
    expect([formatDay(-3), formatDay(14), formatStudyDay(-5)]).toEqual(['−3', '14', 'Day −5']);
    expect([formatLevel(2), formatLevel(null)]).toEqual(['L2', '—']);
  });

  it('checks event data against the protocol schema keywords the forms meet', () => {
    const schema = {
      type: 'object',
      properties: {
        cellsPerKg: { type: 'number', exclusiveMinimum: 0 },
        visit: { type: 'string', oneOf: [{ const: 'D7' }, { const: 'D14' }] },
        onset: {
          anyOf: [
            { type: 'string', format: 'date-time' },
            { type: 'string', format: 'date' },
          ],
        },
        crs: { type: 'object', properties: { temperatureC: { type: 'number', minimum: 30, maximum: 45 } }, required: ['temperatureC'], additionalProperties: false },
      },
      required: ['cellsPerKg'],
      additionalProperties: false,
    };
    expect(checkSchema(schema, { cellsPerKg: 5e6, visit: 'D14', onset: '2027-02-22', crs: { temperatureC: 39.1 } })).toEqual([]);
    expect(checkSchema(schema, { cellsPerKg: 0, visit: 'D99', onset: 'yesterday', crs: {}, extra: 1 }).map((i) => `${i.path.join('.')} ${i.keyword}`)).toEqual([
      'cellsPerKg exclusiveMinimum',
      'visit oneOf',
      'onset anyOf',
      'crs.temperatureC required',
      ' additionalProperties',
    ]);
    expect(checkSchema(schema, {}).map((i) => i.message)).toEqual(['is required']);
  });
});

interface Seeded {
  /** In the DLT window, with visit D14 overdue. */
  focus: { id: string; subjectId: string };
  /** Ready for infusion: the target of the refused infusion. */
  ready: { id: string; subjectId: string };
  /** Site B's patient of the NCT03754764 cohort at level 2, with CAR copies: anonymous to site A. */
  elsewhere: { id: string; subjectId: string };
  /** Infused on day 16, died on day 61: M2 onwards were still to come. */
  deceased: { id: string; subjectId: string };
}

/**
 * The coordinator's console in Chromium against the real API and worker: sign-in, the worklist, a
 * patient's generated event forms (an event recorded, one refused and explained, a stale form
 * caught), the trial page's charts and state diagram, an empty trial, a 401, signing out, and an
 * investigator's electronic signature of a DLT adjudication.
 */
describe('web console', () => {
  let t: TestApp;
  let site: TrialSite;
  let siteB: TrialSite;
  let coordinatorToken: string;
  let seeded: Seeded;
  let base: string;
  let launched: LaunchedBrowser;
  let page: Page;
  const problems: string[] = [];
  /** Every URL the page read (GET), in order. */
  const requested: string[] = [];

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build:web before this spec.`);
    t = await startTestApp('postgres');
    site = await TrialSite.open(t, 'site-a');
    siteB = await TrialSite.open(t, 'site-b');
    // The console's user, created before any notification is written, so her inbox gets them.
    const created = await t.http
      .post('/users')
      .set('Authorization', `Bearer ${t.adminToken}`)
      .send({ name: 'Carla Coordinator', role: 'coordinator', siteIds: ['site-a'] });
    coordinatorToken = created.body.token;
    seeded = await seed(t, site, siteB);
    // The worker relays notifications to the inboxes on its own time: wait until it has relayed them all, so the
    // worklist the page shows and the one the test reads agree.
    const outbox = t.app.get(DataSource).getRepository(OutboxEntity);
    await eventually(async () => (await outbox.countBy({ status: 'pending' })) === 0, 20_000, 'the outbox relayed');
    await eventually(
      async () => (await t.http.get('/notifications?unread=true').set('Authorization', `Bearer ${coordinatorToken}`)).body.unread > 0,
      20_000,
      'notifications in the inbox',
    );
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    launched = await launchBrowser();
    page = await launched.context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (r.method() === 'GET') requested.push(r.url());
    });
    page.on('console', async (m) => {
      if (m.type() === 'error' && !/status of 40[139]|status of 422/.test(m.text())) {
        const args = await Promise.all(m.args().map((a) => a.jsonValue().catch(() => '?')));
        problems.push(`console error: ${m.text()} ${JSON.stringify(args).slice(0, 500)} at ${m.location().url}`);
      }
    });
    await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`);
    // The browser's clock is left at real time, 90 days behind the server's (test) clock: the pages must
    // take "today" and "overdue" from the server's answers (the worklist's and the schedule's `now`).
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await launched?.close();
    await t?.close();
  });

  const shot = async (name: string) => {
    await page.mouse.move(0, 0); // no hover tooltip in the picture
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0)); // the fixed header at the top
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  };
  const rows = (table: Locator) => table.locator('tbody tr');
  // This file is type-checked without the DOM library, hence the cast; functions, not strings, since the CSP forbids eval.
  const stored = (key: string) => page.evaluate((k) => (globalThis as unknown as { sessionStorage: SessionStore }).sessionStorage.getItem(k), key);
  const timelineRows = (n: number) => eventually(async () => (await rows(page.getByTestId('timeline')).count()) === n, 10_000, `${n} timeline rows`);
  const logLength = async (id: string) => ((await site.get(`/patients/${id}/events?limit=1000`)).body as unknown[]).length;
  /** The API paths (with their queries) the page requested since `from`, in order. */
  const requestedSince = (from: number) =>
    requested.slice(from).map((url) => {
      const { pathname, search } = new URL(url);
      return `${pathname}${search}`;
    });
  const stat = async (testId: string) => Number(await page.getByTestId(testId).locator('.num').textContent());
  const apiWorklist = async () =>
    (await t.http.get('/worklist').set('Authorization', `Bearer ${coordinatorToken}`)).body as {
      visits: { overdue: unknown[]; dueToday: unknown[] };
      dltWindows: unknown[];
      notifications: { unread: number; items: Array<{ id: string; message: string }> };
    };

  it('serves the console at /app', async () => {
    const res = await fetch(`${base}/app`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="root">');
  });

  it('signs in with a bearer token, refusing a wrong one', async () => {
    await page.goto(`${base}/app/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot('sign-in');
    await page.getByTestId('token-input').fill('ct_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('This token was not accepted').waitFor();
    const from = requested.length;
    await page.getByTestId('token-input').fill(coordinatorToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Worklist' }).waitFor();
    expect(await page.getByTestId('user-name').textContent()).toBe('Carla Coordinator');
    expect(await stored('cart.token')).toBe(coordinatorToken);
    // The worklist read to check the token is the one the worklist page shows: not read a second time.
    expect(requestedSince(from).filter((path) => path === '/worklist')).toHaveLength(1);
  });

  it('shows the overdue visit, the open DLT windows, the patients by trial and unread notifications', async () => {
    const overdue = page.getByTestId('overdue-visits').locator(`tr[data-subject="${seeded.focus.subjectId}"]`);
    await overdue.waitFor();
    expect(await overdue.textContent()).toContain('D14');
    await page.getByTestId('dlt-windows').locator(`tr[data-subject="${seeded.focus.subjectId}"]`).waitFor();
    expect(await page.getByTestId('trial-patients').count()).toBe(4);
    // The figures are the API's, not counts of what happened to be drawn.
    const answer = await apiWorklist();
    expect(answer.visits.overdue.length).toBeGreaterThanOrEqual(1);
    expect(answer.notifications.unread).toBeGreaterThan(0);
    expect(await stat('stat-overdue')).toBe(answer.visits.overdue.length);
    expect(await stat('stat-due')).toBe(answer.visits.dueToday.length);
    expect(await stat('stat-dlt')).toBe(answer.dltWindows.length);
    expect(await stat('stat-unread')).toBe(answer.notifications.unread);
    expect(await rows(page.getByTestId('overdue-visits').locator('table')).count()).toBe(answer.visits.overdue.length);
    expect(await page.getByTestId('notification').allTextContents()).toEqual(answer.notifications.items.map((n) => expect.stringContaining(n.message)));
    await shot('worklist');

    // Marking a notification read takes it off the list, and off the server's unread.
    const unread = answer.notifications.unread;
    const marked = answer.notifications.items[0]!;
    await page.getByTestId('notification').first().getByRole('button', { name: 'Mark read' }).click();
    await eventually(async () => (await stat('stat-unread')) === unread - 1, 10_000, 'one notification fewer');
    const after = await apiWorklist();
    expect(after.notifications.unread).toBe(unread - 1);
    expect(after.notifications.items.map((n) => n.id)).not.toContain(marked.id);

    // "Mark all read" marks every unread notice up to the moment the worklist was read, in one click.
    expect(await page.getByTestId('mark-all-read').textContent()).toBe(`Mark all ${unread - 1} read`);
    await page.getByTestId('mark-all-read').click();
    await eventually(async () => (await stat('stat-unread')) === 0, 10_000, 'no notification unread');
    expect((await apiWorklist()).notifications).toMatchObject({ unread: 0, items: [] });
    expect(await page.getByTestId('notifications').textContent()).toContain('Nothing unread.');
  });

  it('records an event through the form generated from the protocol, and the timeline grows', async () => {
    const from = requested.length;
    await page.getByTestId('overdue-visits').locator(`tr[data-subject="${seeded.focus.subjectId}"] a`).click();
    await page.getByTestId('patient-subject').filter({ hasText: seeded.focus.subjectId }).waitFor();
    expect(await page.getByTestId('fact-state').textContent()).toContain('DLT window');
    expect(await page.locator('[data-testid="schedule"] tr[data-visit="D14"] [data-status]').getAttribute('data-status')).toBe('overdue');
    expect(await page.getByTestId('fact-day0').textContent()).toContain('today is Day 15');
    const timeline = page.getByTestId('timeline');
    const before = await rows(timeline).count();
    expect(before).toBe(await logLength(seeded.focus.id));

    // Visit completed: the visit is picked from the patient's schedule.
    await page.getByTestId('event-item-VISIT_COMPLETED').getByRole('button').first().click();
    const visitForm = page.getByTestId('event-form-VISIT_COMPLETED');
    await visitForm.locator('#root_visit').selectOption({ label: (await visitForm.locator('#root_visit option', { hasText: /^D14 ·/ }).textContent())! });
    await visitForm.getByTestId('submit-event').click();
    await page.getByTestId('event-result').filter({ hasText: 'Visit completed recorded as entry' }).waitFor();
    await timelineRows(before + 1);
    expect(await page.locator('[data-testid="schedule"] tr[data-visit="D14"] [data-status]').getAttribute('data-status')).toBe('done');
    expect(await rows(timeline).first().getAttribute('data-type')).toBe('VISIT_COMPLETED');
    // The page read the log once, then only the entry past the ones it showed.
    const logReads = requestedSince(from).filter((path) => path.startsWith(`/patients/${seeded.focus.id}/events`));
    expect(logReads.map((path) => new URL(path, base).searchParams.get('afterSeq'))).toEqual(['0', String(before)]);

    // An adverse event with a CTCAE grade: the answer's grade and DLT call are shown.
    await page.getByTestId('event-item-ADVERSE_EVENT_REPORTED').getByRole('button').first().click();
    const aeForm = page.getByTestId('event-form-ADVERSE_EVENT_REPORTED');
    await aeForm.locator('#root_term').fill('Hypotension');
    await aeForm.locator('#root_grade').fill('2');
    await aeForm.locator('#root_onset').fill(new Date(t.clock.now().getTime() - 3_600_000).toISOString().slice(0, 16));
    await aeForm.locator('#root_related').check();
    // Dated a day ahead of the server's clock: a 422, its reason shown, nothing written; the form keeps what was typed.
    await aeForm.getByTestId('occurred-at').fill(new Date(t.clock.now().getTime() + DAY).toISOString().slice(0, 16));
    await aeForm.getByTestId('submit-event').click();
    await aeForm.locator('[data-testid="explanation"][data-kind="refused"]').waitFor();
    expect(await aeForm.getByTestId('explanation').textContent()).toMatch(
      /Adverse event reported was refused for this reason; nothing was recorded\..*is more than 5 minutes in the future\./,
    );
    expect(await logLength(seeded.focus.id)).toBe(before + 1);
    await aeForm.getByTestId('occurred-at').fill('');
    await aeForm.getByTestId('submit-event').click();
    const result = page.getByTestId('event-result').filter({ hasText: 'Adverse event reported recorded as entry' });
    await result.waitFor();
    expect(await result.getByTestId('computed').textContent()).toMatch(/Grade 2 \(CTCAE v5\.0\).*Not a dose-limiting toxicity/);
    await timelineRows(before + 2);
    expect(await logLength(seeded.focus.id)).toBe(before + 2);
  });

  it("shows a deceased patient's visits as cancelled, never overdue, and lists none of them on the worklist", async () => {
    const visits = (await t.http.get(`/patients/${seeded.deceased.id}/schedule`).set('Authorization', `Bearer ${coordinatorToken}`)).body.visits as Array<{
      name: string;
      status: string;
    }>;
    const cancelled = visits.filter((v) => v.status === 'cancelled').map((v) => v.name);
    expect(cancelled.length).toBeGreaterThan(0);
    await page.goto(`${base}/app/#/patients/${seeded.deceased.id}`);
    await page.getByTestId('patient-subject').filter({ hasText: seeded.deceased.subjectId }).waitFor();
    expect(await page.getByTestId('fact-state').textContent()).toContain('Died');
    const shown = await page.locator('[data-testid="schedule"] [data-status]').evaluateAll((badges) => badges.map((b) => b.getAttribute('data-status')));
    expect(shown).toHaveLength(visits.length);
    expect(shown.filter((status) => status === 'overdue' || status === 'planned' || status === 'due')).toEqual([]);
    expect(await page.locator(`[data-testid="schedule"] tr[data-visit="${cancelled[0]}"] [data-status]`).getAttribute('data-status')).toBe('cancelled');
    expect(await page.locator(`[data-testid="schedule"] tr[data-visit="${cancelled[0]}"]`).textContent()).toContain('Cancelled (off study)');

    await page.goto(`${base}/app/#/`);
    await page.getByTestId('overdue-visits').waitFor();
    await page.getByTestId('stat-overdue').waitFor();
    expect(
      await page
        .locator(`[data-testid="overdue-visits"] tr[data-subject="${seeded.deceased.subjectId}"], [data-testid="due-visits"] tr[data-subject="${seeded.deceased.subjectId}"]`)
        .count(),
    ).toBe(0);
  });

  it("shows the patient's chain of identity and renders the bag labels", async () => {
    await site.thawed(seeded.ready.id); // the bag at the bedside, so the next test's infusion is refused for its dose alone
    await page.goto(`${base}/app/#/patients/${seeded.ready.id}`);
    await page.getByTestId('patient-subject').filter({ hasText: seeded.ready.subjectId }).waitFor();
    const coi = (await site.coiOf(seeded.ready.id))!;
    const grouped = `${coi.slice(0, 5)} ${coi.slice(5, 7)} ${coi.slice(7, 12)} ${coi.slice(12, 17)} ${coi.slice(17)}`;
    expect(await page.getByTestId('coi').textContent()).toBe(grouped);
    await page.getByTestId('show-label-product').click();
    const label = page.getByTestId('label-product');
    await label.waitFor();
    expect(decodeURIComponent((await label.getAttribute('src'))!)).toContain(`data-coi="${coi}"`);
  });

  it('explains a refused event in plain words, and the refusal writes nothing', async () => {
    await page.goto(`${base}/app/#/patients/${seeded.ready.id}`);
    await page.getByTestId('patient-subject').filter({ hasText: seeded.ready.subjectId }).waitFor();
    const entries = await logLength(seeded.ready.id);
    expect(await rows(page.getByTestId('timeline')).count()).toBe(entries);

    await page.getByTestId('event-item-INFUSION_COMPLETED').getByRole('button').first().click();
    const form = page.getByTestId('event-form-INFUSION_COMPLETED');
    await form.locator('#root_cellsPerKg').fill('4000000');
    // The bedside check passes (the patient's own bag, the investigator witnessing): only the dose is refused.
    await form.locator('#root_bedsideCheck_bagCoi').fill((await site.coiOf(seeded.ready.id))!);
    await form.getByTestId('witness-id').fill(site.investigatorId);
    await form.getByTestId('witness-password').fill(SIGNING_PASSWORD);
    await form.getByTestId('submit-event').click();
    const explanation = form.getByTestId('explanation');
    await explanation.waitFor();
    expect(await explanation.getAttribute('data-kind')).toBe('refused');
    const text = await explanation.textContent();
    expect(text).toContain('Refused by the protocol');
    expect(text).toContain('Infusion completed was refused for this reason; nothing was recorded.');
    expect(text).toMatch(/Cell dose 4\.0 ×10⁶\/kg is below the assigned dose level 1 range of 5–10 ×10⁶\/kg\./);
    expect(await rows(page.getByTestId('timeline')).count()).toBe(entries);
    expect(await logLength(seeded.ready.id)).toBe(entries);
    await shot('patient-refusal');

    // The same form, left open while someone else infused the patient: refused as stale (If-Match), not applied twice.
    await site.record(seeded.ready.id, 'INFUSION_COMPLETED', { cellsPerKg: 7e6 });
    await form.locator('#root_cellsPerKg').fill('7000000');
    await form.getByTestId('submit-event').click();
    await form.locator('[data-testid="explanation"][data-kind="conflict"]').waitFor();
    expect(await form.getByTestId('explanation').textContent()).toContain('The patient changed meanwhile');
    expect(await logLength(seeded.ready.id)).toBe(entries + 1);
    await form.getByRole('button', { name: 'Reload the patient' }).click();
    await timelineRows(entries + 1);
    expect(await page.getByTestId('fact-state').textContent()).toContain('DLT window');
  });

  it('draws the trial: escalation history, Kaplan–Meier curves, AE table, kinetics and the state diagram', async () => {
    const from = requested.length;
    await page.goto(`${base}/app/#/trials/NCT03754764`);
    await page.getByTestId('trial-title').waitFor();
    expect(await page.getByTestId('stat-enrolled').textContent()).toContain('6 / 80');
    expect(await page.getByTestId('stat-level').textContent()).toContain('L2');
    // ORR over the six infused, saying that one has no assessment yet (counted, not hidden).
    expect(await page.getByTestId('stat-orr').textContent()).toBe('ORR67%4 of 6 infused · 1 not assessed yet');

    // Escalation: the five infused patients of her site in order (site B's sixth is not hers to see), one DLT marked, both decisions with their reasons.
    const escalation = page.getByTestId('escalation-chart');
    await escalation.locator('svg .recharts-scatter-symbol').first().waitFor();
    expect(await escalation.locator('.recharts-scatter-symbol').count()).toBe(5);
    expect(await escalation.locator('.dlt-marks .recharts-scatter-symbol').count()).toBe(1);
    const decisions = await page.getByTestId('decisions-table').textContent();
    expect(decisions).toMatch(/Escalate.*0 of 3 patients at level 1 had a DLT/);
    expect(decisions).toMatch(/Stay.*1 of 3 patients at level 2 had a DLT/);

    // Kaplan–Meier: step curves with censor marks, OS events from the two deaths.
    for (const km of ['km-os', 'km-pfs', 'km-efs']) {
      await page.getByTestId(km).locator('svg path.recharts-curve').first().waitFor();
      expect(await page.getByTestId(km).locator('.censor-mark').count()).toBeGreaterThan(0);
    }
    expect(await page.getByTestId('km-os').textContent()).toContain('n = 6, 2 events');

    expect(await page.getByTestId('ae-table').textContent()).toContain('Hepatic failure');
    // ICAHT rows beside CRS and ICANS; no patient of this trial has an ANC on record: every cell 0.
    expect(await page.getByTestId('icaht-early').textContent()).toBe('Early ICAHT, day 0–30 (EHA/EBMT)00000');
    expect(await page.getByTestId('icaht-late').textContent()).toBe('Late ICAHT, after day 30 (EHA/EBMT)00000');
    // Kinetics: six curves from the outcomes answer, site B's patient drawn and listed anonymous, without a link.
    const kinetics = page.getByTestId('kinetics-chart');
    await kinetics.locator('svg path.recharts-curve').first().waitFor();
    expect(await kinetics.locator('path.recharts-curve').count()).toBe(6);
    expect(await kinetics.locator('.kinetics-anonymous path.recharts-curve').count()).toBe(1);
    const kineticsTable = page.getByTestId('kinetics-table');
    expect(await rows(kineticsTable).count()).toBe(6 + 1);
    expect(await rows(kineticsTable).filter({ hasText: 'another site' }).count()).toBe(1);
    expect(await rows(kineticsTable).filter({ hasText: 'another site' }).locator('a').count()).toBe(0);
    expect(await kineticsTable.locator('tbody a[href^="#/patients/"]').count()).toBe(5);
    expect(await page.getByTestId('kinetics-section').textContent()).not.toContain(seeded.elsewhere.subjectId);

    // Vein to vein: all sites, her site, and site B's patient pooled as "Other sites", never named.
    const veinToVein = page.getByTestId('vein-to-vein-table');
    expect(await veinToVein.locator('thead th').allTextContents()).toEqual(['Days, median (range)', 'All sites', 'site-a', 'Other sites']);
    expect(await rows(veinToVein).filter({ hasText: 'Apheresed' }).locator('td').allTextContents()).toEqual(['Apheresed', '6', '5', '1']);
    expect(await rows(veinToVein).filter({ hasText: 'vein to vein' }).locator('td').last().textContent()).toMatch(/n 1$/);
    expect(await page.getByTestId('manufacturing-success').textContent()).toBe('Manufacturing success: 6 released of 6 apheresed, 100% (95% CI 54%–100%).');
    expect(await page.getByTestId('vein-to-vein-section').textContent()).not.toMatch(new RegExp(`${seeded.elsewhere.subjectId}|site-b`));

    const diagram = page.locator('[data-testid="state-diagram"][data-rendered="true"] svg');
    await diagram.waitFor({ timeout: 30_000 });
    expect(await diagram.textContent()).toContain('readyForInfusion');
    await shot('trial');

    // The curves came with the outcomes: no patient's log was read, nothing asked about the anonymous patient.
    const paths = requested.slice(from).map((url) => new URL(url).pathname);
    expect(paths).toContain('/trials/NCT03754764/outcomes');
    expect(paths.filter((path) => /^\/patients\/[^/]+\/events/.test(path) || path.startsWith('/patients/null') || path.includes(seeded.elsewhere.id))).toEqual([]);
    // Each answer the page needs was read once; the protocol definitions once in the whole session (an
    // off-study patient's page read them all already, to offer the rollover into long-term follow-up).
    const api = requestedSince(from).filter((path) => /^\/(trials|protocols|patients)\b/.test(path) && !/^\/protocols(\/[^/]+)?$/.test(path));
    expect(api.sort()).toEqual(
      [
        '/patients?protocolId=NCT03754764&limit=500&offset=0',
        '/protocols/NCT03754764/diagram?version=1',
        '/trials/NCT03754764',
        '/trials/NCT03754764/deviations',
        '/trials/NCT03754764/outcomes',
      ].sort(),
    );
    const session = requestedSince(0);
    expect(['/protocols', '/protocols/NCT03754764'].map((path) => session.filter((p) => p === path).length)).toEqual([1, 1]);
  });

  it('shows "no data" for a trial without infused patients rather than empty charts', async () => {
    const from = requested.length;
    await page.goto(`${base}/app/#/trials/NCT04546906`);
    await page.getByTestId('trial-title').waitFor();
    expect(await page.getByTestId('km-os').getByTestId('no-data').textContent()).toBe('No infused patients yet.');
    expect(await page.getByTestId('escalation-section').textContent()).toContain('No patient has been infused yet.');
    expect(await page.getByTestId('kinetics-section').getByTestId('no-data').first().textContent()).toBe('No CAR copy results yet.');
    expect(await page.getByTestId('vein-to-vein-section').getByTestId('no-data').textContent()).toBe('No apheresis recorded yet.');
    expect(await page.locator('[data-testid="km-os"] svg').count()).toBe(0);
    await page.locator('[data-testid="state-diagram"][data-rendered="true"] svg').waitFor({ timeout: 30_000 });
    // The list of protocols (their versions) was read once, for the trial before.
    expect(requestedSince(from)).not.toContain('/protocols');
  });

  it('sends a 401 back to sign-in with a message, and signing out forgets the token', async () => {
    await page.evaluate(() => (globalThis as unknown as { sessionStorage: SessionStore }).sessionStorage.setItem('cart.token', 'ct_revoked-or-made-up'));
    await page.goto(`${base}/app/#/`);
    await page.getByTestId('sign-in-notice').waitFor();
    expect(await page.getByTestId('sign-in-notice').textContent()).toBe('Your session has ended or the token is no longer valid. Sign in again.');
    expect(await stored('cart.token')).toBeNull();

    await page.getByTestId('token-input').fill(coordinatorToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Worklist' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect([await stored('cart.token'), await stored('cart.user')]).toEqual([null, null]);
    expect(await page.getByTestId('sign-in-notice').count()).toBe(0);
  });

  it('lets an investigator sign off a DLT with the signing password, explaining a wrong one', async () => {
    await page.getByTestId('token-input').fill(site.investigator);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Worklist' }).waitFor();
    await page.goto(`${base}/app/#/patients/${seeded.focus.id}`);
    await page.getByTestId('patient-subject').filter({ hasText: seeded.focus.subjectId }).waitFor();
    expect(await page.getByTestId('fact-safety').textContent()).toContain('Encephalopathy, grade 3');
    const entries = await logLength(seeded.focus.id);

    await page.getByTestId('event-item-DLT_ADJUDICATED').getByRole('button').first().click();
    const form = page.getByTestId('event-form-DLT_ADJUDICATED');
    await form.locator('#root_term').selectOption({ label: 'Encephalopathy' });
    await form.locator('#root_onset').selectOption({ index: 1 });
    await form.locator('#root_dlt').check();
    await form.locator('#root_rationale').fill('Grade 3 encephalopathy on day 4, related to the CAR-T cells: confirmed on review.');
    await form.getByTestId('signing-password').fill('not my signing password');
    await form.getByTestId('submit-event').click();
    await form.locator('[data-testid="explanation"][data-kind="forbidden"]').waitFor();
    expect(await form.getByTestId('explanation').textContent()).toContain('The signing password is not correct; nothing was signed.');
    expect(await logLength(seeded.focus.id)).toBe(entries);

    await form.getByTestId('signing-password').fill(SIGNING_PASSWORD);
    await form.getByTestId('submit-event').click();
    const result = page.getByTestId('event-result').filter({ hasText: `DLT adjudicated recorded as entry #${entries + 1}` });
    await result.waitFor();
    // The engine's call, confirmed: the DLT mark, not "Not a DLT".
    const computed = await result.getByTestId('computed').textContent();
    expect(computed).toMatch(/^DLTEncephalopathy, onset /);
    expect(computed).not.toContain('Not a DLT');
    await timelineRows(entries + 1);
    const signed = rows(page.getByTestId('timeline')).first();
    expect(await signed.getAttribute('data-type')).toBe('DLT_ADJUDICATED');
    expect(await signed.textContent()).toContain('Signed');
    expect(await page.getByTestId('fact-safety').textContent()).toContain('Encephalopathy, grade 3 · adjudicated');
    // Sealed into the log: the signer and the meaning the form proposed.
    const log = (await site.get(`/patients/${seeded.focus.id}/events?afterSeq=${entries}`)).body as Array<{
      type: string;
      signature: { signerName: string; meaning: string } | null;
    }>;
    expect(log.map((e) => [e.type, e.signature?.signerName, e.signature?.meaning])).toEqual([
      ['DLT_ADJUDICATED', 'investigator of site-a', 'I adjudicate the dose-limiting toxicity call for this adverse event'],
    ]);
  });

  it('shows ICAHT and the lab results proposed as adverse events on the patient page', async () => {
    const id = seeded.focus.id;
    const day0 = (await site.get(`/patients/${id}`)).body.day0 as string;
    const onDay = (day: number) => new Date(Date.parse(day0) + day * 86_400_000).toISOString();
    // 0.3 and 0.2 ×10⁹/L on days 1 and 2: two days ≤ 500/µL (early ICAHT grade 1); CTCAE grade 4, proposed once.
    await site.record(id, 'LAB_RESULT_RECORDED', { code: 'ANC', value: 0.3, unit: '10^9/L', collectedAt: onDay(1) });
    await site.record(id, 'LAB_RESULT_RECORDED', { code: 'ANC', value: 0.2, unit: '10^9/L', collectedAt: onDay(2) });
    // The page is already on this patient (the test before): reload it to read the patient again.
    await page.goto(`${base}/app/#/patients/${id}`);
    await page.reload();
    await page.getByTestId('fact-lab-toxicity').waitFor();
    const shown = await page.getByTestId('fact-lab-toxicity').textContent();
    expect(shown).toContain('ICAHT · early grade 1');
    expect(shown).toContain('ANC ≤ 500/µL 2 days');
    expect(shown).toContain('Proposed AE: Neutrophil count decreased, grade 4 (0.3 10^9/L, day 1)');
    expect(shown?.match(/Proposed AE/g)).toHaveLength(1);
  });

  it('met no script error and no content-security-policy violation', () => {
    expect(problems).toEqual([]);
  });
});

/**
 * The site's history, written through the API with the test clock moving forward: a 3+3 trial on
 * NCT03754764 (a cohort at level 1, escalation, a cohort at level 2 with one DLT and one patient of
 * site B, responses, a relapse, two deaths, CAR copies), a CD19 patient 15 days after infusion with D14 overdue, one ready
 * for infusion, and patients in screening on the two other trials.
 */
async function seed(t: TestApp, site: TrialSite, siteB: TrialSite): Promise<Seeded> {
  const start = t.clock.now().getTime();
  const at = async (day: number) => {
    t.clock.advanceMs(start + day * DAY - t.clock.now().getTime());
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  const subject = async (id: string) => (await site.get(`/patients/${id}`)).body.subjectId as string;
  const levels = (await site.get('/trials/NCT03754764')).body.levels as Array<{ level: number; minCellsPerKg: number }>;

  async function treatCd38(dlt: boolean, by = site) {
    const id = await by.register({ protocolId: 'NCT03754764' });
    await by.readyForInfusion(id, eligibleCd38Screening);
    const level = (await by.get(`/patients/${id}`)).body.doseLevel as number;
    const infusion = await by.record(id, 'INFUSION_COMPLETED', { cellsPerKg: levels.find((l) => l.level === level)!.minCellsPerKg });
    if (dlt) {
      await by.record(id, 'ADVERSE_EVENT_REPORTED', { term: 'Hepatic failure', grade: 3, onset: t.clock.now().toISOString(), related: true, serious: true });
    }
    return { id, day0: Date.parse(infusion.patient.day0), by };
  }

  /** CAR copies on days 0–28: expansion to a peak around day 7–14, then contraction. */
  async function carCopies(p: { id: string; day0: number; by: TrialSite }, scale: number) {
    const curve: Array<[number, number]> = [
      [0, 40],
      [4, 9_000],
      [7, 60_000],
      [10, 48_000],
      [14, 21_000],
      [21, 6_500],
      [28, 2_400],
    ];
    for (const [day, copies] of curve) {
      await p.by.record(p.id, 'LAB_RESULT_RECORDED', {
        code: 'CAR_COPIES',
        compartment: 'PB',
        value: Math.round(copies * scale),
        unit: 'copies/µg gDNA',
        collectedAt: iso(p.day0 + day * DAY + 3_600_000),
      });
    }
  }

  const complete = { marrowBlastsPct: 1, circulatingBlasts: false, extramedullary: false, anc: 1.5, platelets: 140, countsUnit: '10^9/L', mrdPct: 0.001 };
  const noResponse = { marrowBlastsPct: 42, circulatingBlasts: true, extramedullary: false, anc: 0.4, platelets: 30, countsUnit: '10^9/L' };
  const respond = (p: { id: string; day0: number; by: TrialSite }, findings: object) =>
    p.by.post(p.id, { type: 'RESPONSE_ASSESSED', occurredAt: iso(p.day0 + 28 * DAY), data: { visit: 'D28', ...findings } }).then((r) => {
      if (r.status !== 200) throw new Error(`response failed: ${r.status} ${JSON.stringify(r.body)}`);
    });

  // Cohort 1 at level 1, 8 days apart (the protocol staggers by 7); no DLT → escalate once their windows close.
  const p1 = await treatCd38(false);
  await at(8);
  const p2 = await treatCd38(false);
  await at(16);
  const p3 = await treatCd38(false);
  await at(45);
  await settleDueTimers(t);
  await carCopies(p1, 1);
  await carCopies(p2, 0.4);
  await carCopies(p3, 2.2);
  await respond(p1, complete);
  await respond(p2, complete);
  await respond(p3, noResponse);

  // Cohort 2 at level 2, its second patient at site B: one DLT → stay at level 2 (three more) when their windows close.
  const p4 = await treatCd38(true);
  await at(53);
  const p5 = await treatCd38(false, siteB);
  await site.record(p2.id, 'PROGRESSION_OR_RELAPSE', { kind: 'morphologic' });
  await at(61);
  const p6 = await treatCd38(false);
  await site.record(p3.id, 'DEATH', { cause: 'progressive leukaemia' });

  // The CD19 patient of the day: infused on day 75, so day 15 at the end (D7 done, D14 overdue, DLT window open).
  await at(75);
  const focus = await site.register({ protocolId: 'cd19-rr-all' });
  await site.readyForInfusion(focus);
  const focusDay0 = Date.parse((await site.record(focus, 'INFUSION_COMPLETED', { cellsPerKg: 7e6 })).patient.day0);
  await at(77);
  await site.record(focus, 'ADVERSE_EVENT_REPORTED', {
    term: 'Cytokine release syndrome',
    crs: { temperatureC: 38.7, hypotension: false, vasopressors: 0, oxygen: 'none' },
    onset: t.clock.now().toISOString(),
    related: true,
    serious: false,
  });
  await at(79);
  await site.record(focus, 'ADVERSE_EVENT_REPORTED', { term: 'Encephalopathy', grade: 3, onset: t.clock.now().toISOString(), related: true, serious: true });
  await at(82);
  await site.record(focus, 'VISIT_COMPLETED', { visit: 'D7' });
  await site.record(focus, 'LAB_RESULT_RECORDED', { code: 'CAR_COPIES', compartment: 'PB', value: 35_000, unit: 'copies/µg gDNA', collectedAt: iso(focusDay0 + 7 * DAY) });
  await at(84);
  await site.record(p2.id, 'DEATH', { cause: 'relapsed leukaemia' });

  await at(90);
  await settleDueTimers(t);
  await carCopies(p4, 1.6);
  await carCopies(p5, 0.8);
  await carCopies(p6, 1.2);
  await respond(p4, complete);
  await respond(p5, complete);

  // One ready for infusion (the refused dose), and screening patients on the two other trials.
  const ready = await site.register({ protocolId: 'cd19-rr-all' });
  await site.readyForInfusion(ready);
  const cd22 = await site.register({ protocolId: 'NCT04546906' });
  await site.record(cd22, 'CONSENT_SIGNED', { consentVersion: 'v2.1' });
  for (const cohort of ['B-ALL', 'B-NHL'] as const) {
    const id = await site.register({ protocolId: 'cd20-cd22', cohort });
    await site.record(id, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    await site.record(id, 'SCREENING_DATA_RECORDED', eligibleCd20Cd22Screening(cohort).screening as Record<string, unknown>);
  }

  return {
    focus: { id: focus, subjectId: await subject(focus) },
    ready: { id: ready, subjectId: await subject(ready) },
    elsewhere: { id: p5.id, subjectId: (await siteB.get(`/patients/${p5.id}`)).body.subjectId as string },
    deceased: { id: p3.id, subjectId: await subject(p3.id) },
  };
}
