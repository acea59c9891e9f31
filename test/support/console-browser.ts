import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { launchBrowser, type LaunchedBrowser } from './browser';
import type { TestApp } from './test-app';

const BUNDLE = resolve(__dirname, '..', '..', 'dist', 'web', 'index.html');
/** `SCREENSHOTS=1` writes the README's pictures to docs/screenshots; otherwise to a temporary folder. */
const SCREENSHOTS = process.env.SCREENSHOTS === '1' ? resolve(__dirname, '..', '..', 'docs', 'screenshots') : mkdtempSync(join(tmpdir(), 'console-screens-'));

/** The refusals the console explains in words: the browser logs each as a failed request, which is not a fault of the page. */
const EXPLAINED = /status of 40[139]|status of 422/;

/**
 * The web console in headless Chromium against a test app listening on a loopback port: one page,
 * the page's errors and console errors gathered in `problems` (a refusal the console explains is
 * not one, unless `strict`), signing in by token, and screenshots.
 */
export class ConsoleBrowser {
  readonly problems: string[] = [];

  private constructor(
    readonly base: string,
    readonly page: Page,
    private readonly launched: LaunchedBrowser,
  ) {}

  /** Needs the console built (`npm run build:web`); `strict` counts every failed request as a problem. */
  static async open(t: TestApp, { strict = false } = {}): Promise<ConsoleBrowser> {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build:web before this spec.`);
    await t.app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    const launched = await launchBrowser();
    const browser = new ConsoleBrowser(base, await launched.context.newPage(), launched);
    browser.page.on('pageerror', (e) => browser.problems.push(`page error: ${e.message}`));
    browser.page.on('console', (m) => {
      if (m.type() === 'error' && (strict || !EXPLAINED.test(m.text()))) browser.problems.push(`console error: ${m.text()}`);
    });
    return browser;
  }

  /** Signs out whoever is signed in, then in with `token`, and waits for the worklist. */
  async signInAs(token: string) {
    const { page } = this;
    await page.goto(`${this.base}/app/#/`);
    if (await page.getByRole('button', { name: 'Sign out' }).count()) await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByTestId('token-input').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Worklist' }).waitFor();
  }

  /** A picture of the whole page, or of one panel of it. */
  async shot(name: string, panel?: Locator) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await this.page.mouse.move(0, 0);
    const path = join(SCREENSHOTS, `${name}.png`);
    await (panel ? panel.screenshot({ path }) : this.page.screenshot({ path, fullPage: true }));
  }

  close() {
    return this.launched.close();
  }
}
