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
    expect(named).toMatchObject({ keyFile: '/keys/cart.pem', keyFileNamed: true, everyMs: 0, file: '/audit/site-a.jsonl', webhookUrl: 'https://sponsor.example/checkpoints', origin: 'site-a.example/cart' });
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
