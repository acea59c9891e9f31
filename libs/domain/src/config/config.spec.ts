import { ConfigurationError, loadConfig } from './config';
import { clockFor, ScaledClock, SystemClock } from '../engine/clock';

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
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY must be a comma-separated list of addresses or CIDR blocks \(or loopback, linklocal, uniquelocal\)/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/33' })).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ WEBHOOK_ALLOW_HTTP: 'yes' })).toThrow(/WEBHOOK_ALLOW_HTTP must be true or false/);
    expect(() => loadConfig({ WEBHOOK_ALLOWED_NETWORKS: 'localhost' })).toThrow(/WEBHOOK_ALLOWED_NETWORKS must be a comma-separated list of addresses or CIDR blocks\./);
    expect(() => loadConfig({ WEBHOOK_ALLOWED_NETWORKS: '::1/129' })).toThrow(/WEBHOOK_ALLOWED_NETWORKS/);
  });
});
