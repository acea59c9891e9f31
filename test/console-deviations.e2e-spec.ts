import type { Locator, Page } from 'playwright-core';
import { ConsoleBrowser } from './support/console-browser';
import { startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';

/**
 * Protocol deviations in Chromium against the real API on PostgreSQL (README, "Protocol
 * deviations"): a coordinator records a visit far outside its window from the patient page and the
 * deviation appears on the patient and on the trial, with the site's window compliance; a deviation
 * recorded by hand through the generated form is listed beside it; another site's deviation is not.
 */
describe('console: protocol deviations', () => {
  let t: TestApp;
  let siteA: TrialSite;
  let siteB: TrialSite;
  let browser: ConsoleBrowser;
  let base: string;
  let page: Page;
  let problems: string[];

  const signInAs = (token: string) => browser.signInAs(token);
  /** A picture of one panel of the page. */
  const shot = (panel: Locator, name: string) => browser.shot(name, panel);

  beforeAll(async () => {
    t = await startTestApp('postgres', { RATE_LIMIT_PER_MINUTE: '0' });
    siteA = await TrialSite.open(t, 'site-a');
    siteB = await TrialSite.open(t, 'site-b');
    browser = await ConsoleBrowser.open(t);
    ({ base, page, problems } = browser);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows a deviation on the patient and the trial once a visit is recorded outside its window', async () => {
    const id = await siteA.infused();
    const subjectId = (await siteA.get(`/patients/${id}`)).body.subjectId as string;
    // Another site's patient with a deviation of its own, which site A must not see.
    const elsewhere = await siteB.infused();
    await siteB.record(elsewhere, 'PROTOCOL_DEVIATION_RECORDED', { category: 'consent', severity: 'major', description: 'Site B only', rule: 'Protocol 12.1' });

    await signInAs(siteA.coordinator);
    await page.goto(`${base}/app/#/patients/${id}`);
    const panel = page.getByTestId('patient-deviations');
    await panel.getByText('No protocol deviation on this patient.').waitFor();

    // M24 on Day 0: two years early. The schedule marks it, and the deviation is listed.
    await page.getByTestId('event-item-VISIT_COMPLETED').getByRole('button').first().click();
    const visitForm = page.getByTestId('event-form-VISIT_COMPLETED');
    await visitForm.locator('#root_visit').selectOption({ label: (await visitForm.locator('#root_visit option', { hasText: /^M24 ·/ }).textContent())! });
    await visitForm.getByTestId('submit-event').click();
    await page.getByTestId('event-result').filter({ hasText: 'Visit completed recorded as entry' }).waitFor();
    const row = panel.locator('tr[data-kind="visit-out-of-window"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('Visit outside its window');
    expect(await row.locator('[data-severity]').textContent()).toBe('Minor');
    expect(await row.textContent()).toContain('Visit M24 was done on');
    expect(await row.textContent()).toMatch(/Visit M24 is done within its window, \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d \(day 730\)/);

    // A deviation the engine cannot see, recorded by hand through the generated form.
    await page.getByTestId('event-item-PROTOCOL_DEVIATION_RECORDED').getByRole('button').first().click();
    const form = page.getByTestId('event-form-PROTOCOL_DEVIATION_RECORDED');
    await form.locator('#root_category').selectOption({ label: 'procedure' });
    await form.locator('#root_severity').selectOption({ label: 'major' });
    await form.locator('#root_description').fill('ICE score not taken before the infusion');
    await form.locator('#root_rule').fill('Protocol 7.2: ICE score at baseline');
    await form.getByTestId('submit-event').click();
    await page.getByTestId('event-result').filter({ hasText: 'Protocol deviation recorded recorded as entry' }).waitFor();
    const recorded = panel.locator('tr[data-kind="recorded"]');
    await recorded.waitFor();
    expect(await recorded.textContent()).toContain('ICE score not taken before the infusion');
    expect(await recorded.locator('[data-severity]').textContent()).toBe('Major');
    await panel.scrollIntoViewIfNeeded();
    await shot(panel, 'patient-deviations');

    // The trial: site A's compliance (no visit in window of one done) and its deviations, none of site B's.
    await page.goto(`${base}/app/#/trials/cd19-rr-all`);
    const trial = page.getByTestId('trial-deviations');
    await trial.locator('tr[data-site="site-a"]').waitFor();
    expect(await trial.locator('tr[data-site="site-a"] [data-testid="window-compliance"]').textContent()).toBe('0%');
    expect(await trial.locator('tr[data-site="site-b"]').count()).toBe(0);
    const listed = trial.getByTestId('deviation-table').locator('tbody tr');
    expect(await listed.count()).toBe(2);
    expect(await trial.textContent()).not.toContain('Site B only');
    await trial.locator(`tr[data-kind="visit-out-of-window"] a`, { hasText: subjectId }).waitFor();
    await trial.scrollIntoViewIfNeeded();
    await shot(trial, 'trial-deviations');
    expect(problems).toEqual([]);
  });
});
