import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { WebhookEntity } from '#domain';
import { launchBrowser } from './support/browser';
import { buildServices, stopAllStacks, withStack, eventually, sleep } from '#testing';
import { startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';

/**
 * The HTTP edge: rate limits keyed on the normalised token or the resolved address, a trusted
 * proxy setting, /health and /metrics outside the limits, webhook destinations (https, public
 * addresses, checked again at delivery, no redirects), the first admin's token kept out of the
 * logs, and a content security policy without inline scripts.
 */

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe.each(['postgres', 'sqlite'] as const)('rate limits on %s (RATE_LIMIT_PER_MINUTE 5)', (kind) => {
  let t: TestApp;
  afterEach(() => t.close());

  it('counts `Bearer T`, `bearer T`, `BEARER T` and `Bearer  T` as one caller', async () => {
    t = await startTestApp(kind, { RATE_LIMIT_PER_MINUTE: '5' });
    const forms = [`Bearer ${t.adminToken}`, `bearer ${t.adminToken}`, `BEARER ${t.adminToken}`, `Bearer  ${t.adminToken}`];
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await t.http.get('/protocols').set('Authorization', forms[i % forms.length])).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
  });

  it('keeps /health and /metrics outside the limits: a client that spent the address budget does not make them 429', async () => {
    t = await startTestApp(kind, { RATE_LIMIT_PER_MINUTE: '5' });
    // Probes spend nothing …
    for (let i = 0; i < 30; i++) expect((await t.http.get('/health')).status).toBe(200);
    expect((await t.http.get('/protocols').set(bearer(t.adminToken))).status).toBe(200);
    // … and are answered once the address has spent its budget (4 × 5) on made-up tokens.
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await t.http.get('/protocols').set(bearer(`made-up-${i}`))).status);
    expect(statuses.slice(-2)).toEqual([429, 429]);
    expect((await t.http.get('/protocols').set(bearer(t.adminToken))).status).toBe(429);
    for (let i = 0; i < 3; i++) {
      const health = await t.http.get('/health');
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('ok');
    }
    const metrics = await t.http.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('cart_');
  });

  it('ignores X-Forwarded-For without TRUST_PROXY: a new header on each request buys no new budget', async () => {
    t = await startTestApp(kind, { RATE_LIMIT_PER_MINUTE: '5' });
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      statuses.push(
        (
          await t.http
            .get('/protocols')
            .set(bearer(`made-up-${i}`))
            .set('X-Forwarded-For', `203.0.113.${i + 1}`)
        ).status,
      );
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
  });
});

describe('the trusted-proxy setting (TRUST_PROXY), PostgreSQL', () => {
  let t: TestApp;
  afterEach(() => t.close());

  /** Spends an address's whole budget (4 × 5) through the proxy, then asks as that address and as another. */
  async function spendThroughProxy(): Promise<{ spent: number; other: number }> {
    for (let i = 0; i < 20; i++)
      await t.http
        .get('/protocols')
        .set(bearer(`made-up-${i}`))
        .set('X-Forwarded-For', '203.0.113.7');
    const spent = (await t.http.get('/protocols').set(bearer('made-up-x')).set('X-Forwarded-For', '203.0.113.7')).status;
    const other = (await t.http.get('/protocols').set(bearer('made-up-y')).set('X-Forwarded-For', '198.51.100.9')).status;
    return { spent, other };
  }

  it('honours X-Forwarded-For from a trusted proxy: each client behind it has a budget and an address of its own', async () => {
    t = await startTestApp('postgres', { RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: 'loopback' });
    expect(await spendThroughProxy()).toEqual({ spent: 429, other: 401 });
    // The access audit records the client's address, not the proxy's.
    const site = await TrialSite.open(t, 'site-a');
    const patient = await site.register();
    await t.http.get(`/patients/${patient}`).set(bearer(site.coordinator)).set('X-Forwarded-For', '192.0.2.44, 198.51.100.20').set('X-Request-Id', 'via-proxy').expect(200);
    const records = (await t.http.get('/audit/access?action=patient.read').set(bearer(t.adminToken)).set('X-Forwarded-For', '192.0.2.45')).body.items;
    expect(records.find((r: { requestId: string }) => r.requestId === 'via-proxy')).toMatchObject({ address: '198.51.100.20' });
  });

  it('ignores X-Forwarded-For from a socket that is not a trusted proxy', async () => {
    t = await startTestApp('postgres', { RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: '10.0.0.1' });
    expect(await spendThroughProxy()).toEqual({ spent: 429, other: 429 });
  });
});

/** A receiver on this machine that records what it gets and answers with `status` (and `location`). */
async function receiver(status = 204, location?: string) {
  const received: Array<{ method: string; url: string }> = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '' });
      res.writeHead(status, location ? { Location: location } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { port, url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe.each(['postgres', 'sqlite'] as const)('webhook destinations on %s', (kind) => {
  const apps: TestApp[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });
  const start = async (env: Record<string, string>) => {
    const t = await startTestApp(kind, { WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_BACKOFF_MS: '50', ...env });
    apps.push(t);
    return t;
  };

  async function dltOn(t: TestApp, site: TrialSite) {
    const patient = await site.infused();
    await site.record(patient, 'ADVERSE_EVENT_REPORTED', { term: 'Encephalopathy', grade: 3, onset: t.clock.now().toISOString(), related: true, serious: true });
  }

  const deliveries = async (t: TestApp) =>
    (await t.http.get('/webhooks/deliveries?limit=500').set(bearer(t.adminToken))).body as Array<{ webhookId: string; status: string; attempts: number; lastError: string | null }>;

  it('refuses at registration (422, nothing written) a URL that is not https or leads to a non-public address', async () => {
    const t = await start({});
    const refused: Array<[string, RegExp]> = [
      ['http://169.254.169.254/latest/meta-data/iam/', /must be https/],
      ['https://169.254.169.254/latest/meta-data/iam/', /link-local/],
      ['https://127.0.0.1:8443/hook', /loopback/],
      ['https://[::1]/hook', /loopback/],
      ['https://[::ffff:169.254.169.254]/hook', /link-local/],
      ['https://[fd00:ec2::254]/hook', /unique-local/],
      ['https://0.0.0.0/hook', /"this network"/],
      ['https://10.0.0.5/hook', /private/],
      ['https://192.168.1.1/hook', /private/],
      ['https://localhost/hook', /loopback/],
    ];
    for (const [url, why] of refused) {
      const res = await t.http.post('/webhooks').set(bearer(t.adminToken)).send({ url });
      expect({ url, status: res.status, error: res.body.error }).toEqual({ url, status: 422, error: 'refused' });
      expect(res.body.reasons.join(' ')).toMatch(why);
    }
    expect((await t.http.get('/webhooks').set(bearer(t.adminToken))).body).toEqual([]);
    expect((await t.http.get('/audit/access?action=webhook.create').set(bearer(t.adminToken))).body.total).toBe(0);
  });

  it('opens exactly what WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOWED_NETWORKS name', async () => {
    const t = await start({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1' });
    expect((await t.http.post('/webhooks').set(bearer(t.adminToken)).send({ url: 'http://127.0.0.1:9/hook' })).status).toBe(201);
    expect((await t.http.post('/webhooks').set(bearer(t.adminToken)).send({ url: 'http://127.0.0.2:9/hook' })).status).toBe(422);
    expect((await t.http.post('/webhooks').set(bearer(t.adminToken)).send({ url: 'http://169.254.169.254/' })).status).toBe(422);
  });

  it('follows no redirect: a 3xx is a failed attempt, and the place it points to gets nothing', async () => {
    const t = await start({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1' });
    const target = await receiver(204);
    const redirecting = await receiver(307, `${target.url}/stolen`);
    try {
      const site = await TrialSite.open(t, 'site-a');
      const hook = await t.http.post('/webhooks').set(bearer(t.adminToken)).send({ url: redirecting.url });
      expect(hook.status).toBe(201);
      await dltOn(t, site);
      const [dead] = await eventually(
        async () => {
          const list = (await deliveries(t)).filter((d) => d.webhookId === hook.body.id && d.status === 'dead');
          return list.length ? list : undefined;
        },
        15_000,
        'the dead delivery',
      );
      expect(dead).toMatchObject({ attempts: 2, lastError: expect.stringMatching(/answered 307, a redirect \(redirects are not followed\)/) });
      expect(redirecting.received).toHaveLength(2);
      expect(target.received).toEqual([]);
    } finally {
      await target.close();
      await redirecting.close();
    }
  });

  it('checks again at delivery, after resolving the name: a webhook whose address became a refused one gets nothing', async () => {
    // http:// allowed, no network: loopback is refused. The rows are written behind the API's back,
    // as a name that resolved to a public address at registration and to this machine later would be.
    const t = await start({ WEBHOOK_ALLOW_HTTP: 'true' });
    const byName = await receiver(204);
    const byAddress = await receiver(204);
    try {
      const site = await TrialSite.open(t, 'site-a');
      const rows = [`http://localhost:${byName.port}/hook`, byAddress.url].map((url) => ({
        id: randomUUID(),
        url,
        secret: `whsec_${randomBytes(8).toString('hex')}`,
        siteIds: [],
        kinds: [],
        createdAt: new Date().toISOString(),
        revokedAt: null,
      }));
      await t.app
        .get(DataSource)
        .getRepository(WebhookEntity)
        .insert(rows as never);
      await dltOn(t, site);
      const dead = await eventually(
        async () => {
          const list = (await deliveries(t)).filter((d) => d.status === 'dead');
          return list.length === 2 ? list : undefined;
        },
        15_000,
        'both deliveries dead',
      );
      for (const delivery of dead) expect(delivery.lastError).toMatch(/loopback address; only public addresses are allowed/);
      await sleep(200);
      expect(byName.received).toEqual([]);
      expect(byAddress.received).toEqual([]);
    } finally {
      await byName.close();
      await byAddress.close();
    }
  });
});

describe('the first admin (API process, PostgreSQL)', () => {
  beforeAll(() => buildServices(), 180_000);
  afterAll(() => stopAllStacks(), 60_000);

  it('prints the token on a line of its own to the terminal, in no log line, and only at the first start', async () => {
    await withStack('first-admin', { env: { ADMIN_TOKEN: '', LOG_LEVEL: 'info' } }, async (stack) => {
      const api = await stack.startApi();
      const lines = api.output().split('\n');
      const tokenLines = lines.filter((l) => /^ct_[A-Za-z0-9_-]{32}$/.test(l));
      expect(tokenLines).toHaveLength(1);
      const token = tokenLines[0];
      expect(lines[lines.indexOf(token) - 1]).toMatch(/^Created the first admin\. Its bearer token, shown this once \(it expires at \d{4}-/);
      for (const line of lines.filter((l) => l.startsWith('{'))) expect(line).not.toContain(token);
      expect(lines.filter((l) => l.includes(token))).toEqual([token]);
      const users = await fetch(`${api.url}/users`, { headers: bearer(token) });
      expect(users.status).toBe(200);
      expect(await users.json()).toEqual([expect.objectContaining({ role: 'admin', tokenExpiresAt: expect.any(String) })]);
      const again = await stack.startApi('api-2');
      expect(again.output()).not.toMatch(/^ct_/m);
      expect(again.output()).not.toContain('first admin');
    });
  }, 120_000);
});

describe('the content security policy', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await startTestApp('postgres');
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(() => t.close());

  const directive = (policy: string, name: string) =>
    policy
      .split(';')
      .map((d) => d.trim())
      .find((d) => d.startsWith(`${name} `)) ?? '';

  it('allows scripts from this origin only, never inline, on every page', async () => {
    for (const path of ['/app/', '/docs', '/health', '/patients']) {
      const policy = (await t.http.get(path)).headers['content-security-policy'] as string;
      expect(directive(policy, 'script-src')).toBe("script-src 'self'");
      expect(directive(policy, 'script-src-attr')).toBe("script-src-attr 'none'");
      expect(directive(policy, 'default-src')).toBe("default-src 'self'");
    }
  });

  it('leads GET / to the console', async () => {
    const root = await t.http
      .get('/')
      .redirects(0)
      .ok(() => true);
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/app/');
    expect(directive(root.headers['content-security-policy'] as string, 'script-src')).toBe("script-src 'self'");
  });

  it('renders the OpenAPI page under it without a violation, and blocks an inline script there', async () => {
    const launched = await launchBrowser();
    try {
      const page = await launched.context.newPage();
      const violations: string[] = [];
      await page.exposeFunction('reportViolation', (v: string) => violations.push(v));
      await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI));`);
      await page.goto(`${base}/docs`);
      await page.locator('.swagger-ui .info .title').filter({ hasText: 'CAR-T trial workflow engine' }).waitFor({ timeout: 30_000 });
      await page.locator('.opblock-tag', { hasText: 'patients' }).first().waitFor();
      expect(violations).toEqual([]);
      await page.evaluate(() => {
        const doc = (globalThis as unknown as { document: { createElement(t: string): { textContent: string }; head: { appendChild(n: unknown): void } } }).document;
        const script = doc.createElement('script');
        script.textContent = 'window.inlineScriptRan = true';
        doc.head.appendChild(script);
      });
      await eventually(async () => violations.length > 0, 5_000, 'the violation report');
      expect(violations).toEqual([expect.stringMatching(/^script-src(-elem)? inline$/)]);
      expect(await page.evaluate(() => (globalThis as unknown as { inlineScriptRan?: boolean }).inlineScriptRan)).toBeUndefined();
    } finally {
      await launched.close();
    }
  }, 120_000);
});
