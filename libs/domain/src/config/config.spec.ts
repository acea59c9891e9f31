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
});
