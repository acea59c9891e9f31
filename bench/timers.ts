import { readFileSync } from 'node:fs';
import { clockFor, loadConfig, TimerJobs } from '#domain';
import { sleep, type ServiceStack } from '#testing';
import type { Phase } from './progress';
import { Latency } from './report';
import { clonePatients } from './seed';

export interface TimerResult {
  timers: number;
  fired: number;
  /** Timers still pending when the wait ended. */
  lost: number;
  /** Scheduler events logged beyond one per timer. */
  firedTwice: number;
  skipped: number;
  /** Timers fired before they were due (beyond EARLY_SLACK_MS): a correct scheduler never does. */
  early: number;
  /** From due to fired; a timer fired early (or within the slack) counts as 0 here and in `early` when beyond the slack. */
  latenessMs: { p50: number; p99: number; max: number };
  /** Timers fired over the span from the first to the last firing, and the busiest second. */
  firedPerSecond: number;
  peakPerSecond: number;
  /** The worker process's CPU (user + system) from the rows' insert until every timer and its notification settled, per 1,000 timers fired. */
  workerCpuMsPer1000: number;
}

/** A process's CPU time so far (user + system), in ms, from /proc (clock ticks of 10 ms on Linux). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /s, '')
    .split(' ');
  // After the command name: state is field 3, utime field 14, stime field 15 (proc(5)).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Timer jobs added per `addBulk`: one commit's worth is a handful; the bench adds 10,000 within its lead time. */
const ENQUEUE_BATCH = 500;

/** How far before its due time a timer may seem to fire and still count as on time: rounding of the stored milliseconds, clock reads. */
export const EARLY_SLACK_MS = 5;

/**
 * `count` patients (copies of an infused template) each get one visit-reminder timer row, due at
 * evenly spread moments within `spreadMs`, starting `leadMs` from now, and its delayed job, added
 * as the engine adds a timer's job after the commit that wrote the row (`TimerJobs.add`, the
 * JobDispatcher's producer); the worker fires each through the engine. The reconciler runs at the
 * stack's beat beside it, as in production, and finds nothing missing. Lateness is the fired event's
 * recordedAt (when the worker took the job) minus the timer's due time.
 */
export async function timerFiring(options: {
  stack: ServiceStack;
  templateId: string;
  idPrefix: string;
  count: number;
  leadMs: number;
  spreadMs: number;
  phase: Phase;
  /** The process that fires the timers (the worker, or the API with `--one-process`). */
  workerPid: number;
}): Promise<TimerResult> {
  const { stack, count } = options;
  const [template] = await stack.query<{ send_id: string; event_data: string }>(
    `SELECT send_id, event_data FROM timers WHERE patient_id = $1 AND event_type = 'VISIT_REMINDER' AND status = 'pending' ORDER BY due_at LIMIT 1`,
    [options.templateId],
  );
  if (!template) throw new Error('the timer template patient has no pending visit reminder');
  await clonePatients(stack, options.templateId, options.idPrefix, count);
  const start = Date.now() + options.leadMs;
  const cpuBefore = cpuMs(options.workerPid);
  const inserted = await stack.query<{ id: string; due_at: string }>(
    `INSERT INTO timers (id, patient_id, send_id, event_type, event_data, due_at, status, created_seq, settled_seq, settled_at)
     SELECT p.id || '.' || p.last_seq || '.bench.' || $2, p.id, $2, 'VISIT_REMINDER', $3,
            to_char((to_timestamp($4::double precision / 1000) + (p.n - 1) * ($5::double precision / $6) * interval '1 millisecond')
                    AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            'pending', p.last_seq, NULL, NULL
       FROM (SELECT id, last_seq, row_number() OVER (ORDER BY id) AS n FROM patients WHERE id LIKE $1 || '%') p
     RETURNING id, due_at`,
    [options.idPrefix, template.send_id, template.event_data, start, options.spreadMs, count],
  );
  // The worker's own settings (horizon, time scale), so each job's delay is the one the engine would give it.
  const config = loadConfig(stack.env);
  const jobs = new TimerJobs(stack.queue('timers'), config, clockFor(config));
  for (let i = 0; i < inserted.length; i += ENQUEUE_BATCH) {
    await jobs.add(inserted.slice(i, i + ENQUEUE_BATCH).map((t) => ({ id: t.id, dueAt: t.due_at })));
  }
  const deadline = start + options.spreadMs + 60_000;
  let settled = 0;
  while (Date.now() < deadline) {
    const [{ n }] = await stack.query<{ n: string }>(`SELECT count(*) AS n FROM timers WHERE patient_id LIKE $1 || '%' AND status <> 'pending'`, [options.idPrefix]);
    settled = Number(n);
    options.phase.update(settled);
    if (settled >= count) break;
    await sleep(250);
  }
  // The reminders' notifications are still being fanned out: let the worker finish before the next measure.
  for (const until = Date.now() + 120_000; Date.now() < until; await sleep(250)) {
    const [{ n }] = await stack.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE patient_id LIKE $1 || '%' AND status = 'pending'`, [options.idPrefix]);
    if (Number(n) === 0) break;
  }
  const workerCpu = cpuMs(options.workerPid) - cpuBefore;
  const rows = await stack.query<{ status: string; late_ms: string | null; settled_ms: string | null }>(
    `SELECT status,
            extract(epoch FROM (settled_at::timestamptz - due_at::timestamptz)) * 1000 AS late_ms,
            extract(epoch FROM settled_at::timestamptz) * 1000 AS settled_ms
       FROM timers WHERE patient_id LIKE $1 || '%'`,
    [options.idPrefix],
  );
  const lateness = new Latency();
  const perSecond = new Map<number, number>();
  let fired = 0;
  let skipped = 0;
  let early = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const row of rows) {
    if (row.status === 'skipped') skipped += 1;
    if (row.status !== 'fired') continue;
    fired += 1;
    const lateMs = Number(row.late_ms);
    if (lateMs < -EARLY_SLACK_MS) early += 1;
    lateness.record(Math.max(0, lateMs));
    const at = Number(row.settled_ms);
    first = Math.min(first, at);
    last = Math.max(last, at);
    perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
  }
  const [{ logged, patients }] = await stack.query<{ logged: string; patients: string }>(
    `SELECT count(*) AS logged, count(DISTINCT patient_id) AS patients FROM patient_events WHERE patient_id LIKE $1 || '%' AND type = 'VISIT_REMINDER'`,
    [options.idPrefix],
  );
  const l = lateness.summary();
  return {
    timers: count,
    fired,
    lost: rows.filter((r) => r.status === 'pending').length,
    firedTwice: Number(logged) - Number(patients),
    skipped,
    early,
    latenessMs: { p50: l.p50, p99: l.p99, max: l.max },
    firedPerSecond: fired > 1 ? fired / ((last - first) / 1000) : fired,
    peakPerSecond: Math.max(0, ...perSecond.values()),
    workerCpuMsPer1000: fired ? (workerCpu / fired) * 1000 : Number.NaN,
  };
}
