import type { Page } from 'playwright-core';
import { addWeeks, isoWeekOf } from '#domain';
import { ConsoleBrowser } from './support/console-browser';
import { startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';

/**
 * The manufacturing page in Chromium against the real API on PostgreSQL (README, "Manufacturing
 * capacity"): an admin creates a manufacturing site there (an unknown trial refused, nothing
 * written); a coordinator sees each week's booked and free slots, their own patients named and
 * another site's counted only, the queue in order, and on the worklist each patient's slot week or
 * place in the queue.
 */
describe('console: manufacturing capacity', () => {
  let t: TestApp;
  let a: TrialSite;
  let b: TrialSite;
  let browser: ConsoleBrowser;
  let page: Page;
  let problems: string[];

  const signInAs = (token: string) => browser.signInAs(token);

  beforeAll(async () => {
    t = await startTestApp('postgres', { RATE_LIMIT_PER_MINUTE: '0' });
    a = await TrialSite.open(t, 'site-a');
    b = await TrialSite.open(t, 'site-b');
    browser = await ConsoleBrowser.open(t);
    ({ page, problems } = browser);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('lets an admin create a site and shows a coordinator the weeks, the queue and their slots', async () => {
    await signInAs(t.adminToken);
    await page.getByRole('link', { name: 'Manufacturing' }).click();
    await page.getByText('No manufacturing site is defined yet').waitFor();
    await page.getByTestId('site-id').fill('mfg-east');
    await page.getByTestId('site-name').fill('East cell processing');
    await page.getByTestId('site-trials').fill('cd19-rr-all, no-such-trial');
    await page.getByTestId('site-slots').fill('1');
    await page.getByTestId('site-horizon').fill('2');
    await page.getByTestId('site-submit').click();
    await page.getByTestId('explanation').getByText('no trial no-such-trial runs on this service').waitFor();
    expect((await t.http.get('/manufacturing/sites').set('Authorization', `Bearer ${t.adminToken}`)).body.items).toEqual([]);
    await page.getByTestId('site-trials').fill('cd19-rr-all');
    await page.getByTestId('site-submit').click();
    await page.getByTestId('site-created').waitFor();
    await page.getByTestId('capacity-mfg-east').waitFor();

    // Site B's patient takes this week's slot, site A's the next one, and site A's third waits in the queue.
    const theirs = await b.register();
    await b.enrolled(theirs);
    const ours = [await a.register(), await a.register()];
    for (const id of ours) await a.enrolled(id);
    const subjects = await Promise.all(ours.map(async (id) => (await a.get(`/patients/${id}`)).body.subjectId as string));

    await signInAs(a.coordinator);
    const current = isoWeekOf(t.clock.now());
    const slotRow = (subject: string) => page.getByTestId('manufacturing-slots').locator(`tr[data-subject="${subject}"]`);
    expect(await slotRow(subjects[0]).getByTestId('slot-week').textContent()).toBe(addWeeks(current, 1));
    expect(await slotRow(subjects[1]).getByTestId('slot-week').textContent()).toBe('queue #1');

    await page.getByRole('link', { name: 'Manufacturing' }).click();
    const site = page.getByTestId('capacity-mfg-east');
    await site.waitFor();
    const week = (w: string) => site.getByTestId('capacity-weeks').locator(`tr[data-week="${w}"]`);
    expect(await week(current).getByTestId('week-taken').textContent()).toBe('1 of 1');
    expect(await week(current).getByTestId('week-free').textContent()).toBe('full');
    expect(await week(current).textContent()).toContain("another site's patient");
    expect(await week(addWeeks(current, 1)).getByRole('link', { name: subjects[0] }).count()).toBe(1);
    expect(await site.getByTestId('capacity-queue').getByRole('link', { name: subjects[1] }).count()).toBe(1);
    // A coordinator has no form to create a site.
    expect(await page.getByTestId('create-site').count()).toBe(0);

    // On the queued patient's page: the place in the queue; a past week refused with its reason, nothing written.
    await site.getByTestId('capacity-queue').getByRole('link', { name: subjects[1] }).click();
    const slot = page.getByTestId('manufacturing-slot');
    await slot.getByText('Queue #1').waitFor();
    await slot.getByTestId('slot-week-input').fill(addWeeks(current, -1));
    await slot.getByTestId('slot-rebook').click();
    await slot
      .getByTestId('explanation')
      .getByText(`week ${addWeeks(current, -1)} is in the past`, { exact: false })
      .waitFor();
    expect((await a.get(`/patients/${ours[1]}/manufacturing-slot`)).body.slot).toMatchObject({ status: 'queued', queuePosition: 1 });
    expect(problems).toEqual([]);
  }, 120_000);
});
