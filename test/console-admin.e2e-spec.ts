import { readFileSync } from 'node:fs';
import { strFromU8, unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { ConsoleBrowser } from './support/console-browser';
import { startTestApp, type TestApp } from './support/test-app';
import { createUser, TrialSite } from './support/trial-site';

/**
 * The day's administrative work in Chromium against the real API on PostgreSQL (README, "Web
 * console"): a coordinator registers patients from the console (a cohort where the trial has them; a
 * duplicate subject and a bad value refused in plain words, nothing written); an admin creates a user
 * whose token then works, rotates it (the old one refused at once) and revokes the user (the token
 * refused); the FHIR bundle and the SDTM zip are downloaded by the roles the API lets read them; a
 * coordinator sees no admin page; the worklist's counts show the patients behind them.
 */
describe('console: registration, users and exports', () => {
  let t: TestApp;
  let site: TrialSite;
  let monitor: string;
  let browser: ConsoleBrowser;
  let base: string;
  let page: Page;
  let problems: string[];

  const signInAs = (token: string) => browser.signInAs(token);
  const workingToken = async (token: string) => (await t.http.get('/worklist').set('Authorization', `Bearer ${token}`)).status;
  const patientsOn = async (protocolId: string) => (await site.get(`/patients?protocolId=${protocolId}`)).body as { total: number; items: Array<Record<string, unknown>> };
  const choose = async (testId: string, option: string | RegExp) => {
    await page.getByTestId(testId).click();
    await page.getByRole('option', typeof option === 'string' ? { name: option, exact: true } : { name: option }).click();
  };

  beforeAll(async () => {
    t = await startTestApp('postgres', { RATE_LIMIT_PER_MINUTE: '0' });
    site = await TrialSite.open(t, 'site-a');
    monitor = await createUser(t, 'monitor', ['site-a']);
    browser = await ConsoleBrowser.open(t, { strict: true });
    ({ base, page, problems } = browser);
  }, 120_000);

  const shot = (name: string) => browser.shot(name);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('registers a patient into a cohort and opens it; a duplicate subject and a bad value are refused, nothing written', async () => {
    await signInAs(site.coordinator);
    await page.getByRole('link', { name: 'Register' }).click();
    await choose('register-protocol', /\(cd20-cd22\)$/);
    // The trial registers into cohorts: the cohort is asked, and the only site is already chosen.
    await choose('register-cohort', /^B-NHL: /);
    expect(await page.getByTestId('register-site').inputValue()).toBe('site-a');
    await page.getByTestId('register-subject').fill('REG-001');
    await choose('register-sex', 'Female');
    await page.getByTestId('register-birth-date').fill('1984-03-02');
    await page.getByTestId('register-weight').fill('64');
    await page.getByTestId('register-height').fill('171');
    await page.getByTestId('register-submit').click();
    await page.getByTestId('patient-subject').filter({ hasText: 'REG-001' }).waitFor();
    const registered = await patientsOn('cd20-cd22');
    expect(registered.total).toBe(1);
    expect(registered.items[0]).toMatchObject({ subjectId: 'REG-001', siteId: 'site-a', cohort: 'B-NHL', state: 'screening' });
    expect(page.url()).toContain(`#/patients/${registered.items[0]!.id as string}`);

    // The same subject again: a 409 in plain words, and still one patient.
    await page.getByRole('link', { name: 'Register' }).click();
    await choose('register-protocol', /\(cd20-cd22\)$/);
    await choose('register-cohort', /^B-ALL: /);
    await page.getByTestId('register-subject').fill('REG-001');
    await choose('register-sex', 'Male');
    await page.getByTestId('register-birth-date').fill('1979-11-20');
    await page.getByTestId('register-weight').fill('80');
    await page.getByTestId('register-height').fill('180');
    await page.getByTestId('register-submit').click();
    const refusal = page.getByTestId('explanation');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('Already exists');
    expect(await refusal.textContent()).toContain('Subject REG-001 is already registered on cd20-cd22.');
    expect((await patientsOn('cd20-cd22')).total).toBe(1);
    await shot('register-refusal');

    // A subject id with a space: a 400 naming the field, nothing written.
    await page.getByTestId('register-subject').fill('REG 002');
    await page.getByTestId('register-submit').click();
    await page.getByTestId('explanation').filter({ hasText: 'Some values are not valid' }).waitFor();
    expect(await page.getByTestId('explanation').textContent()).toContain('may hold only letters, digits');
    // A birth date in the future: the protocol's refusal with its reason, nothing written.
    await page.getByTestId('register-subject').fill('REG-002');
    await page.getByTestId('register-birth-date').fill('2099-01-01');
    await page.getByTestId('register-submit').click();
    await page.getByTestId('explanation').filter({ hasText: 'Refused by the protocol' }).waitFor();
    expect((await patientsOn('cd20-cd22')).total).toBe(1);
    expect(await page.getByTestId('patient-subject').count()).toBe(0);
    // The browser logs each refused request; those were asked for, nothing else went wrong.
    expect(problems.splice(0).filter((p) => !/status of (400|409|422)/.test(p))).toEqual([]);

    // A trial without cohorts asks for none.
    await choose('register-protocol', /\(cd19-rr-all\)$/);
    expect(await page.getByTestId('register-cohort').count()).toBe(0);
    await page.getByTestId('register-birth-date').fill('1991-07-14');
    await page.getByTestId('register-submit').click();
    await page.getByTestId('patient-subject').filter({ hasText: 'REG-002' }).waitFor();
    expect((await patientsOn('cd19-rr-all')).items.find((p) => p.subjectId === 'REG-002')).toMatchObject({ cohort: null, siteId: 'site-a' });
    expect(problems).toEqual([]);
  }, 120_000);

  it("links the worklist's counts to the patients behind them", async () => {
    const screening = await site.register();
    const screeningSubject = (await site.get(`/patients/${screening}`)).body.subjectId as string;
    await site.record(screening, 'CONSENT_SIGNED', { consentVersion: 'v1.0' });
    // A patient in another state, so that a state's count is not every patient's.
    await site.infused();
    await signInAs(site.coordinator);
    const trial = page.locator('[data-testid="trial-patients"][data-protocol="cd19-rr-all"]');
    await trial.waitFor();
    // The count of one state shows only that state's patients; clicking it again shows them all.
    const chosen = (await site.get(`/patients/${screening}`)).body.state as string;
    const listed = (await patientsOn('cd19-rr-all')).items;
    const inState = listed.filter((p) => p.state === chosen).map((p) => p.subjectId as string);
    expect(inState).toContain(screeningSubject);
    expect(inState.length).toBeLessThan(listed.length);
    const count = trial.locator(`[data-testid="state-count"][data-state="${chosen}"]`);
    expect(await count.textContent()).toMatch(new RegExp(`: ${inState.length}$`));
    await count.click();
    await trial.getByTestId('state-filter').waitFor();
    const rows = await trial.locator('tbody tr').evaluateAll((r) => r.map((row) => row.getAttribute('data-subject')));
    expect(rows.sort()).toEqual(inState.sort());
    await count.click();
    expect(await trial.locator('tbody tr').count()).toBe(listed.length);
    // A figure of the summary row takes the reader to the list behind it.
    await page.getByTestId('count-link-my-patients').click();
    // Scrolled (smoothly) until the list's top is in sight below the fixed header.
    const topOfList = async () => (await page.getByTestId('my-patients').boundingBox())!.y;
    let top = await topOfList();
    for (let tries = 0; tries < 40; tries += 1) {
      await page.waitForTimeout(50);
      const now = await topOfList();
      if (now === top) break;
      top = now;
    }
    expect(top).toBeGreaterThanOrEqual(56);
    expect(top).toBeLessThan(page.viewportSize()!.height - 100);
    expect(problems).toEqual([]);
  }, 120_000);

  it('creates a user whose token works, rotates it (the old one refused) and revokes the user; a bad user is refused, nothing created', async () => {
    await signInAs(t.adminToken);
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.getByTestId('users-table').waitFor();
    const before = ((await t.http.get('/users').set('Authorization', `Bearer ${t.adminToken}`)).body as unknown[]).length;

    // A coordinator with no site: refused, nothing created.
    await page.getByTestId('user-name-input').fill('Nora Nosite');
    await choose('user-role', 'coordinator');
    await page.getByTestId('user-create').click();
    await page.getByTestId('explanation').filter({ hasText: 'a non-admin user needs at least one site' }).waitFor();
    expect(((await t.http.get('/users').set('Authorization', `Bearer ${t.adminToken}`)).body as unknown[]).length).toBe(before);
    expect(problems.splice(0).filter((p) => !/status of 400/.test(p))).toEqual([]);

    await page.getByTestId('user-name-input').fill('Mona Monitor');
    await choose('user-role', 'monitor');
    await page.getByTestId('user-sites').fill('site-a');
    await page.getByTestId('user-sites').press('Enter');
    await page.getByTestId('user-create').click();
    const issued = page.locator('[data-testid="issued-token"][data-why="created"]');
    await issued.waitFor();
    const token = (await issued.getByTestId('issued-token-value').textContent())!.trim();
    expect(token).toMatch(/^ct_[A-Za-z0-9_-]{32}$/);
    expect(await workingToken(token)).toBe(200);
    const row = page.locator('[data-testid="user-row"][data-name="Mona Monitor"]');
    await row.waitFor();
    expect(await row.locator('td').allTextContents()).toEqual(expect.arrayContaining(['monitor', 'site-a', 'not set']));
    expect(await page.locator('[data-testid="sites-table"] [data-site="site-a"]').textContent()).toContain('Mona Monitor (monitor)');

    // Rotate, after a confirmation: the new token is shown once and works; the old one is refused.
    await row.getByTestId('user-rotate').click();
    await page.getByTestId('confirm-access-change-button').click();
    const rotated = page.locator('[data-testid="issued-token"][data-why="rotated"]');
    await rotated.waitFor();
    const newToken = (await rotated.getByTestId('issued-token-value').textContent())!.trim();
    expect(newToken).not.toBe(token);
    expect(await workingToken(token)).toBe(401);
    expect(await workingToken(newToken)).toBe(200);
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await shot('admin');

    // Revoke, after a confirmation: the token is refused at once and the row says so.
    await row.getByTestId('user-revoke').click();
    await page.getByTestId('confirm-access-change-button').click();
    await page.getByTestId('admin-done').waitFor();
    expect(await page.getByTestId('issued-token').count()).toBe(0);
    expect(await workingToken(newToken)).toBe(401);
    await row.getByText('revoked').waitFor();
    expect(await row.getByTestId('user-revoke').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 120_000);

  it("downloads a patient's FHIR bundle and a trial's SDTM zip, each for the roles the API allows", async () => {
    const id = await site.infused();
    const subjectId = (await site.get(`/patients/${id}`)).body.subjectId as string;

    await signInAs(site.coordinator);
    await page.goto(`${base}/app/#/patients/${id}`);
    const [fhir] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-fhir').click()]);
    expect(fhir.suggestedFilename()).toBe(`${subjectId}-fhir.json`);
    const bundle = JSON.parse(readFileSync((await fhir.path())!, 'utf8')) as {
      resourceType: string;
      entry: Array<{ resource: { resourceType: string; identifier?: Array<{ value: string }> } }>;
    };
    expect(bundle.resourceType).toBe('Bundle');
    const subject = bundle.entry.find((e) => e.resource.resourceType === 'Patient')!.resource;
    expect(subject.identifier?.map((i) => i.value)).toContain(subjectId);
    expect(bundle.entry.map((e) => e.resource.resourceType)).toEqual(expect.arrayContaining(['ResearchStudy', 'ResearchSubject', 'Patient']));
    // SDTM is a monitor's (and an admin's): the coordinator is offered no button.
    await page.goto(`${base}/app/#/trials/cd19-rr-all`);
    await page.getByTestId('trial-title').waitFor();
    expect(await page.getByTestId('export-sdtm').count()).toBe(0);

    await signInAs(monitor);
    await page.goto(`${base}/app/#/trials/cd19-rr-all`);
    const [sdtm] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-sdtm').click()]);
    expect(sdtm.suggestedFilename()).toBe('cd19-rr-all-sdtm.zip');
    const files = unzipSync(new Uint8Array(readFileSync((await sdtm.path())!)));
    expect(Object.keys(files).sort()).toEqual(['ae.csv', 'data-issues.csv', 'dm.csv', 'dv.csv', 'ex.csv', 'lb.csv', 'rs.csv', 'suppae.csv']);
    expect(strFromU8(files['dm.csv']!)).toContain(subjectId);
    // Both downloads are in the access audit, under the one who made them.
    const audit = (await t.http.get(`/audit/access?patientId=${id}`).set('Authorization', `Bearer ${t.adminToken}`)).body.items as Array<{ action: string }>;
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['export.fhir', 'export.sdtm']));
    expect(problems).toEqual([]);
  }, 120_000);

  it('shows a coordinator neither the admin link nor the admin page, and a monitor no registration', async () => {
    await signInAs(site.coordinator);
    expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await page.goto(`${base}/app/#/admin`);
    await page.getByTestId('admin-not-permitted').waitFor();
    expect(await page.getByTestId('users-table').count()).toBe(0);
    expect(await page.getByTestId('create-user').count()).toBe(0);
    expect(await page.locator('body').textContent()).not.toContain('Mona Monitor');

    await signInAs(monitor);
    expect(await page.getByRole('link', { name: 'Register' }).count()).toBe(0);
    await page.goto(`${base}/app/#/register`);
    await page.getByTestId('register-not-permitted').waitFor();
    expect(await page.getByTestId('register-form').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 120_000);
});
