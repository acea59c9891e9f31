import type { Page } from 'playwright-core';
import { formatChainOfIdentityId } from '#protocols';
import { RELEASE_RESULTS_IN_SPEC, toManufacturing, toSiteStorage } from '#testing';
import { ConsoleBrowser } from './support/console-browser';
import { fingerprint } from './support/invariants';
import { startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';

/**
 * The chain of custody in the console, in Chromium against the real API on PostgreSQL: the patient
 * page's custody timeline (each hand-off with its people and place, a product made again, an
 * out-of-specification release, the deviation, the step expected next), a hand-off recorded through
 * the generated form (another patient's bag refused in words, nothing written), and the trial page's
 * vein-to-vein table counting what went wrong.
 */
describe('console: chain of custody', () => {
  let t: TestApp;
  let site: TrialSite;
  let base: string;
  let browser: ConsoleBrowser;
  let page: Page;
  let problems: string[];
  let remade: string;
  let midway: string;
  let other: string;

  const items = () => page.getByTestId('custody-timeline').locator('[data-type]');
  const post = async (id: string, [type, data]: [string, Record<string, unknown>], token = site.coordinator) => {
    const res = await site.post(id, { type, data }, token);
    if (res.status !== 200) throw new Error(`${type}: ${res.status} ${JSON.stringify(res.body)}`);
  };

  beforeAll(async () => {
    t = await startTestApp('postgres', { RATE_LIMIT_PER_MINUTE: '0' });
    site = await TrialSite.open(t, 'site-a');
    // One product failed, made again from retained cells, released out of specification on the investigator's justification.
    remade = await site.register();
    await site.enrolled(remade);
    const coi = (await site.coiOf(remade))!;
    for (const step of toManufacturing(coi)) await post(remade, step);
    await site.record(remade, 'REMANUFACTURE_ORDERED', { cause: 'manufacturingFailure', source: 'retainedCells', reason: 'insufficient T-cell expansion' }, site.investigator);
    await post(remade, ['MANUFACTURING_STARTED', { coi, batchId: 'B-2', location: 'Manufacturing site' }]);
    const low = { ...RELEASE_RESULTS_IN_SPEC, viabilityPct: 66 };
    await post(remade, ['PRODUCT_RELEASED', { lot: 'LOT-R2', coi, results: low, outOfSpecification: { justification: 'no alternative therapy' } }], site.investigator);
    for (const step of toSiteStorage(coi)) await post(remade, step);
    // One product on its way: shipped, not yet received at the manufacturing site.
    midway = await site.register();
    await site.enrolled(midway);
    for (const step of toManufacturing((await site.coiOf(midway))!).slice(0, 2)) await post(midway, step);
    other = await site.register();
    await site.enrolled(other);

    browser = await ConsoleBrowser.open(t);
    ({ base, page, problems } = browser);
    await page.goto(`${base}/app/#/`);
    await page.getByTestId('token-input').fill(site.coordinator);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Worklist' }).waitFor();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows each hand-off in order with its people and place, the product made again, the out-of-specification release and its deviation', async () => {
    await page.goto(`${base}/app/#/patients/${remade}`);
    await page.getByTestId('custody-timeline').waitFor();
    expect(await items().evaluateAll((els) => els.map((e) => e.getAttribute('data-type')))).toEqual([
      'LEUKAPHERESIS_COMPLETED',
      'APHERESIS_SHIPPED',
      'APHERESIS_RECEIVED',
      'MANUFACTURING_STARTED',
      'REMANUFACTURE_ORDERED',
      'MANUFACTURING_STARTED',
      'PRODUCT_RELEASED',
      'PRODUCT_SHIPPED',
      'PRODUCT_RECEIVED',
      'PRODUCT_STORED',
    ]);
    expect(await page.getByTestId('custody-section').textContent()).toContain('Manufacturing attempt 2; the chain-of-identity identifier continues.');
    const shipped = await items().nth(1).textContent();
    expect(shipped).toContain('Apheresis nurse → Courier');
    expect(shipped).toContain('courier Cryo courier, shipper DS-1, temperature log TL-1');
    const released = await items().nth(6).textContent();
    expect(released).toContain('Out of specification');
    expect(released).toContain('Signed');
    expect(released).toContain('viability 66%');
    expect(released).toContain('released out of specification: “no alternative therapy”');
    expect(await items().nth(4).textContent()).toContain('from retained cells: insufficient T-cell expansion');
    expect(await page.getByTestId('custody-deviations').textContent()).toContain('Product released out of specification (viability)');
    expect(await page.getByTestId('custody-next').textContent()).toBe('Next: thaw of the product (PRODUCT_THAWED)');
  });

  it("records the receipt through the generated form, refusing another patient's bag in words with nothing written", async () => {
    await page.goto(`${base}/app/#/patients/${midway}`);
    await page.getByTestId('custody-timeline').waitFor();
    expect(await page.getByTestId('custody-next').textContent()).toBe('Next: receipt at the manufacturing site (APHERESIS_RECEIVED)');
    await page.getByTestId('event-item-APHERESIS_RECEIVED').getByRole('button').first().click();
    const form = page.getByTestId('event-form-APHERESIS_RECEIVED');
    const wrong = (await site.coiOf(other))!;
    await form.locator('#root_coi').fill(wrong);
    await form.locator('#root_handedOverBy').fill('Courier');
    await form.locator('#root_receivedBy').fill('Manufacturing intake');
    await form.locator('#root_location').fill('Manufacturing site');
    await form.locator('#root_temperatureInRange').check();
    const before = await fingerprint(t);
    await form.getByTestId('submit-event').click();
    const explanation = form.getByTestId('explanation');
    await explanation.waitFor();
    expect(await explanation.getAttribute('data-kind')).toBe('refused');
    expect(await explanation.textContent()).toContain(`${formatChainOfIdentityId(wrong)} is another patient's product`);
    expect(await fingerprint(t)).toEqual(before);

    await form.locator('#root_coi').fill((await site.coiOf(midway))!);
    await form.getByTestId('submit-event').click();
    await page.getByTestId('custody-timeline').locator('[data-type="APHERESIS_RECEIVED"]').waitFor();
    expect(await page.getByTestId('custody-next').textContent()).toBe('Next: start of manufacturing (MANUFACTURING_STARTED)');
  });

  it("counts what went wrong in the trial page's vein-to-vein table", async () => {
    await page.goto(`${base}/app/#/trials/cd19-rr-all`);
    const table = page.getByTestId('vein-to-vein-table');
    await table.waitFor();
    const row = async (label: string) => (await table.locator('tr', { hasText: label }).first().locator('td').nth(1).textContent())?.trim();
    expect(await row('Made again')).toBe('1');
    expect(await row('Released out of specification')).toBe('1');
    expect(await row('Manufacturing attempts')).toBe('2');
    expect(problems).toEqual([]);
  });
});
