import { Progress } from '../bench/progress';
import { markdownTable } from '../bench/report';
import { runBench, SMOKE } from '../bench/run';
import { buildServices, stopAllStacks } from '#testing';

/**
 * The benchmark's smoke version (`npm run bench -- --smoke --apis 2 --workers 2`): every part of
 * `npm run bench` at a few seconds' size, against two API and two worker processes, PostgreSQL,
 * Redis and pgbench, so the benchmark (and its deployment of more than one process) cannot rot.
 * Speed is not judged here (docs/benchmarks.md is); correctness is.
 */

beforeAll(() => buildServices(), 180_000);
afterAll(() => stopAllStacks(), 60_000);

/** Every 200 is in the log; beyond them, at most the requests in flight when the load stopped (one per client). */
function expectLogged(ok: number, clients: number, logged: number): void {
  expect(logged).toBeGreaterThanOrEqual(ok);
  expect(logged).toBeLessThanOrEqual(ok + clients);
}

test('the smoke benchmark measures every part and finds nothing lost, doubled or refused', async () => {
  const result = await runBench({ sizes: SMOKE, runs: 1, progress: new Progress(true), apis: 2, workers: 2 });
  expect(result.violations).toEqual([]);
  expect(result.deployment).toBe('2 APIs + 2 workers');

  // The loads before the measures (the long history, the warm-up) too: all 200, all logged.
  for (const { load, logged } of result.preparation) {
    expect(load.failures).toEqual({});
    expectLogged(load.ok, load.clients, logged);
  }

  const [run] = result.runs;
  expect(run.load.map((l) => l.clients)).toEqual(SMOKE.clients);
  for (const load of run.load) {
    expect(load.ok).toBeGreaterThan(0);
    expect(load.failures).toEqual({});
    expect(load.pgbenchTps).toBeGreaterThan(0);
    expectLogged(load.ok, load.clients, load.logged);
    // Every kind of process worked for the events, the APIs most of all.
    expect(load.cpu).toEqual({ api: expect.any(Number), worker: expect.any(Number), postgres: expect.any(Number), loadGenerator: expect.any(Number) });
    expect(load.cpu!.api).toBeGreaterThan(0);
    expect(load.cpu!.postgres).toBeGreaterThan(0);
  }
  expect(run.rss.peakMiB).toBeGreaterThan(20);

  // The lab's MLLP burst: every message acknowledged AA, logged and recorded once; the resent ones wrote nothing.
  expect(run.mllp).toMatchObject({
    messages: SMOKE.mllpMessages,
    acks: { AA: SMOKE.mllpMessages },
    logged: SMOKE.mllpMessages,
    recorded: SMOKE.mllpMessages,
    resent: SMOKE.mllpResend,
    resentAcks: { AA: SMOKE.mllpResend },
    resentLogged: 0,
  });
  expect(run.mllp.messagesPerSecond).toBeGreaterThan(0);

  // The long patient's log, counted in the database (last seq), reached the size asked for.
  expect(run.history.longEvents).toBe(SMOKE.historyEvents);
  expect(run.history.ratio).toBeGreaterThan(0);

  expect(run.timers).toMatchObject({ timers: SMOKE.timers, fired: SMOKE.timers, lost: 0, firedTwice: 0, skipped: 0, early: 0 });

  const [redis] = result.redis;
  expect(redis.patients).toBe(SMOKE.redisPatients);
  // Only what falls due within the horizon is in Redis, and all of it is.
  expect(redis.withinHorizon).toBeGreaterThan(0);
  expect(redis.withinHorizon).toBeLessThan(redis.pendingTimers);
  expect(redis.jobs).toBe(redis.withinHorizon);
  expect(redis.beyondHorizon).toBe(0);

  const table = markdownTable(result.rows);
  for (const measure of [
    'engine / pgbench',
    '4 clients: CPU per event, API processes',
    'MLLP burst of 200 ORU^R01, 4 connections: / engine events/s at 4 clients',
    'long / short history',
    'timer lateness p99',
    'Redis: jobs beyond the horizon',
  ]) {
    expect(table).toContain(measure);
  }
}, 240_000);
