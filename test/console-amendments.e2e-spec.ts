import type { Page } from 'playwright-core';
import { SIGNING_PASSWORD } from '#testing';
import { ConsoleBrowser } from './support/console-browser';
import { fingerprint } from './support/invariants';
import { startTestApp, type TestApp } from './support/test-app';
import { settleDueTimers } from './support/timers';
import { TrialSite } from './support/trial-site';

/**
 * The amendment in the console (issue 16, item 8), in Chromium against the real API on PostgreSQL:
 * an admin records site A's IRB approval (a date before the amendment refused, nothing written); the
 * dry run names who cannot move and why, and never shows site B's patients to site A; an
 * investigator moves one patient and then the rest of the site under an electronic signature (a
 * wrong signing password refused, nothing written); the worklist and the patient page say who owes
 * a re-consent and what it blocks; a declined re-consent leaves the added visits "not required" with
 * the reason; a completed patient rolls over into long-term follow-up from its page.
 */
describe('console: amendments', () => {
  let t: TestApp;
  let a: TrialSite;
  let b: TrialSite;
  let base: string;
  let browser: ConsoleBrowser;
  let page: Page;
  let problems: string[];
  const p: Record<string, string> = {};
  const subject: Record<string, string> = {};

  const logLength = async (id: string) => ((await a.get(`/patients/${id}/events?limit=1000`, t.adminToken)).body as unknown[]).length;
  const protocolOf = async (id: string) => (await a.get(`/patients/${id}`, t.adminToken)).body.protocol as string;
  const signInAs = (token: string) => browser.signInAs(token);
  const previewRow = (name: string) => page.getByTestId('preview-table').locator(`tr[data-subject="${subject[name]}"]`);
  const count = async (testId: string) => Number(await page.getByTestId(testId).locator('.num').textContent());

  beforeAll(async () => {
    t = await startTestApp('postgres', { RATE_LIMIT_PER_MINUTE: '0' });
    a = await TrialSite.open(t, 'site-a');
    b = await TrialSite.open(t, 'site-b');
    // One patient through the whole of version 1's follow-up (761 days), then two in their DLT windows, one at each site.
    p.completed = await a.infused({ protocolVersion: 1 });
    t.clock.advanceDays(770);
    await settleDueTimers(t, 60_000);
    p.early = await a.infused({ protocolVersion: 1 });
    p.dlt = await a.infused();
    p.elsewhere = await b.infused();
    for (const [name, id] of Object.entries(p)) subject[name] = (await a.get(`/patients/${id}`, t.adminToken)).body.subjectId;
    expect(await Promise.all([p.completed, p.early, p.dlt].map(protocolOf))).toEqual(['cd19-rr-all@1', 'cd19-rr-all@1', 'cd19-rr-all@2']);
    expect((await a.get(`/patients/${p.completed}`, t.adminToken)).body.state).toBe('completed');

    browser = await ConsoleBrowser.open(t);
    ({ base, page, problems } = browser);
    await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));`);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("lets an admin record site A's approval, refusing a date before the amendment took effect", async () => {
    await signInAs(t.adminToken);
    await page.goto(`${base}/app/#/trials/cd19-rr-all`);
    await page.getByTestId('amendments-link').click();
    await page.getByTestId('amendments-title').waitFor();
    expect(
      await page
        .getByTestId('amendment-list')
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-version'))),
    ).toEqual(['2', '3']);
    expect(await page.getByTestId('reconsent-rule').textContent()).toContain('Re-consent to consent version 3.0 is required before the next visit or treatment step');
    expect(await page.getByTestId('migration-rules').textContent()).toContain("Completed: the trial's follow-up is over");
    expect(await page.getByTestId('site-approvals').getByTestId('no-data').textContent()).toMatch(/No site has recorded its approval yet/);

    const form = page.getByTestId('approval-form');
    const before = await fingerprint(t);
    await form.getByTestId('approval-site').fill('site-a');
    await form.getByTestId('approval-date').fill('2024-05-31');
    await form.getByTestId('approval-reference').fill('IRB-A-2026-114');
    await form.getByTestId('approval-submit').click();
    await form.locator('[data-testid="explanation"][data-kind="refused"]').waitFor();
    expect(await form.getByTestId('explanation').textContent()).toMatch(/2024-06-01/);
    expect(await fingerprint(t)).toEqual(before);
    expect((await a.get('/trials/cd19-rr-all/amendments', t.adminToken)).body.amendments.find((x: { version: number }) => x.version === 3).sites).toEqual([]);

    const today = t.clock.now().toISOString().slice(0, 10);
    await form.getByTestId('approval-date').fill(today);
    await form.getByTestId('approval-submit').click();
    await form.getByTestId('approval-recorded').waitFor();
    const row = page.getByTestId('approvals').locator('tr[data-site="site-a"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('IRB-A-2026-114');
    const stored = (await a.get('/trials/cd19-rr-all/amendments', t.adminToken)).body.amendments.find((x: { version: number }) => x.version === 3).sites;
    expect(stored).toEqual([expect.objectContaining({ siteId: 'site-a', approvedOn: today, reference: 'IRB-A-2026-114', corrections: [] })]);

    // The admin's dry run covers every site: site B's patient waits for its own approval.
    const waiting = previewRow('elsewhere');
    await waiting.waitFor();
    expect(await waiting.getAttribute('data-status')).toBe('awaitingApproval');
    expect(await waiting.getByTestId('preview-reasons').textContent()).toMatch(/not approved at site site-b/);
  });

  it("shows site A's investigator the dry run of site A alone, with who cannot move and why", async () => {
    // A coordinator sees the same dry run but is offered no move: migration is an investigator's signature.
    await signInAs(a.coordinator);
    await page.goto(`${base}/app/#/trials/cd19-rr-all/amendments`);
    await previewRow('dlt').waitFor();
    expect(await previewRow('dlt').getAttribute('data-status')).toBe('migratable');
    expect(await page.getByTestId('migrate-patient').count()).toBe(0);
    expect(await page.getByTestId('migrate-site').count()).toBe(0);

    await signInAs(a.investigator);
    await page.goto(`${base}/app/#/trials/cd19-rr-all/amendments`);
    await previewRow('dlt').waitFor();
    expect(await page.getByTestId('migrate-patient').count()).toBe(2);
    const answer = (await t.http.get('/trials/cd19-rr-all/amendments/3/preview').set('Authorization', `Bearer ${a.investigator}`)).body;
    expect(await count('count-migratable')).toBe(answer.counts.migratable);
    expect(answer.counts).toMatchObject({ migratable: 2, unmigratable: 1, awaitingApproval: 0, migrated: 0 });
    expect(await page.getByTestId('preview-table').locator('tbody tr').count()).toBe(3);
    // Site B's patient is neither listed nor counted for site A.
    expect(await page.getByTestId('migration-preview').textContent()).not.toContain(subject.elsewhere);
    expect(await previewRow('completed').getAttribute('data-status')).toBe('unmigratable');
    expect(await previewRow('completed').getByTestId('preview-reasons').textContent()).toMatch(/state completed is not mapped .*car-t-ltfu/);
    // The screening visits the amendment adds, and their timers with dates.
    const dlt = await previewRow('dlt').textContent();
    expect(dlt).toContain('+ MAL-Y1');
    expect(dlt).toContain('MAL-Y1 reminder');
  });

  it('moves one patient under a signature, refusing a wrong signing password and writing nothing', async () => {
    const entries = await logLength(p.dlt);
    await previewRow('dlt').getByTestId('migrate-patient').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('dialog-signing-password').fill('not my signing password');
    await dialog.getByTestId('dialog-sign').click();
    await dialog.locator('[data-testid="explanation"][data-kind="forbidden"]').waitFor();
    expect(await logLength(p.dlt)).toBe(entries);
    expect(await protocolOf(p.dlt)).toBe('cd19-rr-all@2');

    await dialog.getByTestId('dialog-signing-password').fill(SIGNING_PASSWORD);
    await dialog.getByTestId('dialog-sign').click();
    await page
      .getByTestId('migration-outcome')
      .filter({ hasText: `${subject.dlt} moved to version 3 (log entry #${entries + 1})` })
      .waitFor();
    await page.locator(`[data-testid="preview-table"] tr[data-subject="${subject.dlt}"][data-status="migrated"]`).waitFor();
    expect(await protocolOf(p.dlt)).toBe('cd19-rr-all@3');
    const log = (await a.get(`/patients/${p.dlt}/events?afterSeq=${entries}`, t.adminToken)).body as Array<{ type: string; signature: { signerName: string } | null }>;
    expect(log.map((e) => [e.type, e.signature?.signerName])).toEqual([['PROTOCOL_MIGRATED', 'investigator of site-a']]);
  });

  it('moves the rest of the site in one signature and says what happened to each', async () => {
    // An investigator of one site has no site to choose: the dry run is that site's.
    expect(await page.getByTestId('preview-site').count()).toBe(0);
    await page.getByTestId('migrate-site').filter({ hasText: 'Move the 1 movable patient of site site-a' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('dialog-signing-password').fill(SIGNING_PASSWORD);
    await dialog.getByTestId('dialog-sign').click();
    // The completed patient is refused with the amendment's reason; it does not stop the other.
    const outcome = page.getByTestId('migration-outcome').filter({ hasText: 'Site site-a: 1 moved, 0 moved before, 1 refused.' });
    await outcome.waitFor();
    expect(await outcome.textContent()).toMatch(new RegExp(`${subject.completed}: state completed is not mapped .*roll the patient over to car-t-ltfu`));
    expect(await protocolOf(p.early)).toBe('cd19-rr-all@3');
    expect(await protocolOf(p.completed)).toBe('cd19-rr-all@1');
    expect(await protocolOf(p.elsewhere)).toBe('cd19-rr-all@2');
    await page.locator(`[data-testid="preview-table"] tr[data-subject="${subject.early}"][data-status="migrated"]`).waitFor();
    expect(await count('count-migrated')).toBe(2);
  });

  it('puts the re-consent on the worklist and the patient page, and a decline makes the added visits not required', async () => {
    await page.goto(`${base}/app/#/`);
    await page.getByTestId('reconsent-due').waitFor();
    const worklist = (await t.http.get('/worklist').set('Authorization', `Bearer ${a.investigator}`)).body as { reconsentDue: Array<{ subjectId: string }> };
    expect(worklist.reconsentDue.map((r) => r.subjectId).sort()).toEqual([subject.dlt, subject.early].sort());
    expect(await count('stat-reconsent')).toBe(2);
    expect(await page.getByTestId('reconsent-due').locator(`tr[data-subject="${subject.dlt}"]`).textContent()).toContain('3.0');

    await page.getByTestId('reconsent-due').getByRole('link', { name: subject.dlt }).click();
    const banner = page.locator('[data-testid="reconsent-banner"][data-status="due"]');
    await banner.waitFor();
    expect(await banner.textContent()).toMatch(/consent version 3\.0.*Visit completed/);
    expect(await page.getByTestId('migration').textContent()).toContain('Moved from version 2 to version 3');
    expect(await page.getByTestId('schedule').locator('tr[data-visit="MAL-Y1"]').count()).toBe(1);

    await a.record(p.dlt, 'RECONSENT_DECLINED', { consentVersion: '3.0', reason: 'does not want more blood tests' });
    await page.reload();
    await page.locator('[data-testid="reconsent-banner"][data-status="declined"]').waitFor();
    const visit = page.getByTestId('schedule').locator('tr[data-visit="MAL-Y1"]');
    expect(await visit.locator('[data-status]').getAttribute('data-status')).toBe('notRequired');
    expect(await visit.getByTestId('visit-reason').textContent()).toMatch(/declined/);
  });

  it('rolls a completed patient over into long-term follow-up from its page', async () => {
    await signInAs(a.coordinator);
    await page.goto(`${base}/app/#/patients/${p.completed}`);
    const form = page.getByTestId('rollover');
    await form.waitFor();
    await form.getByTestId('rollover-consent').fill('LTFU 1.0');
    await form.getByTestId('rollover-signed-at').fill(t.clock.now().toISOString().slice(0, 16));
    await form.getByTestId('rollover-submit').click();
    await page.getByTestId('rolled-over-from').waitFor();
    const childId = decodeURIComponent(new URL(page.url()).hash.replace('#/patients/', ''));
    expect(childId).not.toBe(p.completed);
    const child = (await a.get(`/patients/${childId}`)).body;
    expect(child).toMatchObject({ protocol: 'car-t-ltfu@1', day0: (await a.get(`/patients/${p.completed}`)).body.day0 });
    expect(await page.getByTestId('rolled-over-from').textContent()).toContain(subject.completed);

    // The parent now links to the follow-up record, and offers no second rollover.
    await page.getByTestId('rolled-over-from').getByRole('link').click();
    await page.getByTestId('rolled-over-to').waitFor();
    expect(await page.getByTestId('rollover').count()).toBe(0);
  });

  it('met no script error and no content-security-policy violation', () => {
    expect(problems).toEqual([]);
  });
});
