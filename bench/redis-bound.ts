import { sleep, type ServiceStack } from '#testing';
import type { Phase } from './progress';
import { clonePatients } from './seed';

const DAY = 86_400_000;

export interface RedisBoundSeed {
  patients: number;
  pendingTimers: number;
}

export interface RedisBoundResult {
  patients: number;
  /** Pending timer rows in the database, and those due within the horizon. */
  pendingTimers: number;
  withinHorizon: number;
  /** Timer jobs in Redis once the reconciler has run, and those due beyond the horizon (must be 0). */
  jobs: number;
  beyondHorizon: number;
  redisMiB: number;
  bytesPerJob: number;
  /** From the worker's start until Redis held every job due within the horizon. */
  fillSeconds: number;
}

/**
 * `count` patients on a 24-month schedule: copies of a template patient whose Day 0 falls evenly
 * over the last 24 months, each keeping the template's timers still ahead of it (shifted by its
 * Day 0). Nothing of this goes through Redis until the worker's reconciler runs.
 */
export async function seedLongSchedules(stack: ServiceStack, templateId: string, idPrefix: string, count: number): Promise<RedisBoundSeed> {
  await clonePatients(stack, templateId, idPrefix, count);
  const span = 730 * DAY;
  const inserted = await stack.query<{ n: string }>(
    `WITH t AS (
       SELECT send_id, event_type, event_data, due_at::timestamptz AS due, created_seq FROM timers WHERE patient_id = $1 AND status = 'pending'),
     p AS (SELECT id, (row_number() OVER (ORDER BY id) - 1) * ($3::double precision / $4) * interval '1 millisecond' AS shift
             FROM patients WHERE id LIKE $2 || '%'),
     ins AS (
       INSERT INTO timers (id, patient_id, send_id, event_type, event_data, due_at, status, created_seq, settled_seq, settled_at)
       SELECT p.id || '.' || t.created_seq || '.' || t.send_id, p.id, t.send_id, t.event_type, t.event_data,
              to_char((t.due - p.shift) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'pending', t.created_seq, NULL, NULL
         FROM p CROSS JOIN t WHERE t.due - p.shift > now() + interval '1 minute'
       RETURNING 1)
     SELECT count(*) AS n FROM ins`,
    [templateId, idPrefix, span, count],
  );
  await stack.query('ANALYZE timers');
  return { patients: count, pendingTimers: Number(inserted[0].n) };
}

/**
 * One fill of an empty Redis: the worker is started on a wiped key prefix, and its reconciler
 * enqueues what the database holds. Measured: jobs, their due times against the horizon, memory.
 */
export async function redisFill(options: { stack: ServiceStack; seed: RedisBoundSeed; horizonDays: number; phase: Phase }): Promise<RedisBoundResult> {
  const { stack } = options;
  for (const worker of stack.processes.filter((p) => p.kind === 'worker' && p.isRunning())) await worker.stop();
  await stack.wipeRedis();
  const before = await usedMemory(stack);
  const horizonIso = new Date(Date.now() + options.horizonDays * DAY).toISOString();
  const [{ pending, within }] = await stack.query<{ pending: string; within: string }>(
    `SELECT count(*) AS pending, count(*) FILTER (WHERE due_at <= $1) AS within FROM timers WHERE status = 'pending'`,
    [horizonIso],
  );
  const started = Date.now();
  await stack.startWorker();
  const timers = stack.queue('timers');
  let jobs = 0;
  let stableSince = Date.now();
  for (const deadline = Date.now() + 300_000; Date.now() < deadline;) {
    const counts = await timers.getJobCounts('delayed', 'waiting', 'active', 'prioritized');
    const now = Object.values(counts).reduce((a, b) => a + b, 0);
    if (now !== jobs) stableSince = Date.now();
    jobs = now;
    options.phase.update(jobs);
    if (jobs >= Number(within) || Date.now() - stableSince > 5_000) break;
    await sleep(200);
  }
  const fillSeconds = (Date.now() - started) / 1000;
  const after = await usedMemory(stack);
  const delayedKey = `${stack.prefix}:timers:delayed`;
  const beyondHorizon = await stack.redis.zcount(delayedKey, `(${(Date.now() + options.horizonDays * DAY) * 0x1000 + 0xfff}`, '+inf');
  return {
    patients: options.seed.patients,
    pendingTimers: Number(pending),
    withinHorizon: Number(within),
    jobs,
    beyondHorizon,
    redisMiB: (after - before) / 1024 / 1024,
    bytesPerJob: jobs ? (after - before) / jobs : 0,
    fillSeconds,
  };
}

async function usedMemory(stack: ServiceStack): Promise<number> {
  const info = await stack.redis.info('memory');
  return Number(info.match(/^used_memory:(\d+)/m)?.[1] ?? Number.NaN);
}
