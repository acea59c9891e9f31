import { ConfigurationError, loadConfig } from './config';
import { clockFor, ScaledClock, SystemClock } from '../kernel/clock';

describe('configuration', () => {
  it('defaults to the embedded SQLite file and local Redis', () => {
    const config = loadConfig({});
    expect(config.database).toEqual({ type: 'sqlite', path: 'data/trials.sqlite' });
    expect(config).toMatchObject({ port: 3000, redisUrl: 'redis://127.0.0.1:6379', queuePrefix: 'cart', timeScale: 1 });
  });

  it('switches to PostgreSQL with DATABASE_URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db' }).database).toEqual({ type: 'postgres', url: 'postgres://u@h:5432/db' });
  });

  it('stops with one plain sentence on a malformed value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigurationError);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL must be a postgres:\/\/ URL/);
    expect(() => loadConfig({ ADMIN_TOKEN: 'short' })).toThrow(/ADMIN_TOKEN must be at least 16 characters/);
    expect(() => loadConfig({ QUEUE_PREFIX: 'a:b' })).toThrow(/QUEUE_PREFIX/);
    expect(() => loadConfig({ TIME_SCALE: '0' })).toThrow(/TIME_SCALE/);
    expect(() => loadConfig({ CLOCK_ORIGIN: 'yesterday' })).toThrow(/CLOCK_ORIGIN must be an ISO 8601 instant/);
  });

  it('runs the clock at TIME_SCALE from CLOCK_ORIGIN when one is given, else reads the wall clock', () => {
    expect(clockFor(loadConfig({ TIME_SCALE: '86400' }))).toBeInstanceOf(SystemClock);
    const origin = new Date(Date.now() - 2_000).toISOString();
    const config = loadConfig({ TIME_SCALE: '86400', CLOCK_ORIGIN: origin });
    expect(config.clockOrigin).toBe(Date.parse(origin));
    const clock = clockFor(config);
    expect(clock).toBeInstanceOf(ScaledClock);
    // Two seconds of wall time since the origin are two study days (and a little more) on this clock.
    const days = (clock.now().getTime() - Date.parse(origin)) / 86_400_000;
    expect(days).toBeGreaterThanOrEqual(2);
    expect(days).toBeLessThan(3);
  });

  it('reads the token lifetime, the signing lockout, the trusted proxies and the webhook network rules', () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({ tokenTtlMs: 30 * 86_400_000, signingMaxFailures: 5, trustProxy: [] });
    expect(defaults.webhook).toMatchObject({ allowHttp: false, allowedNetworks: [] });
    expect(loadConfig({ TOKEN_TTL: '90s' }).tokenTtlMs).toBe(90_000);
    expect(loadConfig({ TOKEN_TTL: '12h' }).tokenTtlMs).toBe(12 * 3_600_000);
    expect(loadConfig({ TOKEN_TTL: '365d' }).tokenTtlMs).toBe(365 * 86_400_000);
    expect(loadConfig({ SIGNING_MAX_FAILURES: '3' }).signingMaxFailures).toBe(3);
    expect(defaults.isbtFin).toBe('A9999');
    expect(loadConfig({ ISBT_FIN: 'W1234' }).isbtFin).toBe('W1234');
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,fd00::/8' }).trustProxy).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8']);
    const webhook = loadConfig({ WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1,192.168.1.0/24' }).webhook;
    expect(webhook).toMatchObject({ allowHttp: true, allowedNetworks: ['127.0.0.1', '192.168.1.0/24'] });
  });

  it('refuses a token lifetime, lockout, proxy or network it cannot read, in one sentence', () => {
    expect(() => loadConfig({ TOKEN_TTL: '30' })).toThrow(/^Configuration error: TOKEN_TTL must be a duration such as 12h or 30d/);
    expect(() => loadConfig({ TOKEN_TTL: '0d' })).toThrow(/TOKEN_TTL must be a duration/);
    expect(() => loadConfig({ TOKEN_TTL: '366d' })).toThrow(/TOKEN_TTL must be at most 365d/);
    expect(() => loadConfig({ SIGNING_MAX_FAILURES: '0' })).toThrow(/SIGNING_MAX_FAILURES/);
    expect(() => loadConfig({ SIGNING_MAX_FAILURES: '21' })).toThrow(/SIGNING_MAX_FAILURES/);
    for (const fin of ['O1234', 'w1234', 'W123', 'W12345', '12345']) {
      expect(() => loadConfig({ ISBT_FIN: fin })).toThrow(/ISBT_FIN must be an ISBT 128 FIN: a capital letter A–N or P–Z and four digits/);
    }
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY must be a comma-separated list of addresses or CIDR blocks \(or loopback, linklocal, uniquelocal\)/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ WEBHOOK_ALLOW_HTTP: 'yes' })).toThrow(/WEBHOOK_ALLOW_HTTP must be true or false/);
    expect(() => loadConfig({ WEBHOOK_ALLOWED_NETWORKS: 'localhost' })).toThrow(/WEBHOOK_ALLOWED_NETWORKS must be a comma-separated list of addresses or CIDR blocks\./);
    expect(() => loadConfig({ WEBHOOK_ALLOWED_NETWORKS: '::1/129' })).toThrow(/WEBHOOK_ALLOWED_NETWORKS/);
  });

  it('keeps up to a million patients of outcome readings in memory, and says so past it', () => {
    expect(loadConfig({}).outcomesMemoPatients).toBe(20_000);
    expect(loadConfig({ OUTCOMES_MEMO_PATIENTS: '0' }).outcomesMemoPatients).toBe(0);
    expect(loadConfig({ OUTCOMES_MEMO_PATIENTS: '1000000' }).outcomesMemoPatients).toBe(1_000_000);
    expect(() => loadConfig({ OUTCOMES_MEMO_PATIENTS: '1000001' })).toThrow(
      'Configuration error: OUTCOMES_MEMO_PATIENTS must be at most 1000000 (about 9 GB of readings kept in memory).',
    );
    expect(() => loadConfig({ OUTCOMES_MEMO_PATIENTS: '-1' })).toThrow('Configuration error: OUTCOMES_MEMO_PATIENTS must be 0 (keep none) or more.');
    expect(() => loadConfig({ OUTCOMES_MEMO_PATIENTS: 'all' })).toThrow(/OUTCOMES_MEMO_PATIENTS/);
  });

  it('keeps checkpoints in DATA_DIR by default, every 10 minutes, signed by a key file there', () => {
    expect(loadConfig({ DATA_DIR: '/srv/cart' }).checkpoint).toEqual({
      keyFile: '/srv/cart/checkpoint-signing-key.pem',
      keyFileNamed: false,
      key: undefined,
      everyMs: 600_000,
      file: '/srv/cart/checkpoints.jsonl',
      webhookUrl: undefined,
      origin: 'cart-trial-engine',
    });
    const named = loadConfig({
      CHECKPOINT_KEY_FILE: '/keys/cart.pem',
      CHECKPOINT_EVERY_MS: '0',
      CHECKPOINT_FILE: '/audit/site-a.jsonl',
      CHECKPOINT_WEBHOOK_URL: 'https://sponsor.example/checkpoints',
      CHECKPOINT_ORIGIN: 'site-a.example/cart',
    }).checkpoint;
    expect(named).toMatchObject({
      keyFile: '/keys/cart.pem',
      keyFileNamed: true,
      everyMs: 0,
      file: '/audit/site-a.jsonl',
      webhookUrl: 'https://sponsor.example/checkpoints',
      origin: 'site-a.example/cart',
    });
    expect(loadConfig({ CHECKPOINT_KEY: '-----BEGIN PRIVATE KEY-----' }).checkpoint.key).toBe('-----BEGIN PRIVATE KEY-----');
  });

  it('refuses checkpoint settings out of bounds, one sentence each', () => {
    expect(() => loadConfig({ CHECKPOINT_EVERY_MS: '999' })).toThrow('Configuration error: CHECKPOINT_EVERY_MS must be 0 (no scheduled checkpoints) or at least 1000.');
    expect(() => loadConfig({ CHECKPOINT_EVERY_MS: '-1' })).toThrow(/CHECKPOINT_EVERY_MS/);
    expect(() => loadConfig({ CHECKPOINT_WEBHOOK_URL: 'ftp://sponsor.example/' })).toThrow('Configuration error: CHECKPOINT_WEBHOOK_URL must be an http:// or https:// URL.');
    expect(() => loadConfig({ CHECKPOINT_ORIGIN: 'site a' })).toThrow(/CHECKPOINT_ORIGIN may hold only visible ASCII characters other than "\+"/);
    expect(() => loadConfig({ CHECKPOINT_ORIGIN: 'a+b' })).toThrow(/CHECKPOINT_ORIGIN/);
    expect(() => loadConfig({ CHECKPOINT_KEY: 'k', CHECKPOINT_KEY_FILE: '/k.pem' })).toThrow('Configuration error: CHECKPOINT_KEY and CHECKPOINT_KEY_FILE are both set; set one.');
  });
});
