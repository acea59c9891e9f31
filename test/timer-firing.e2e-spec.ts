import { Client } from 'pg';
import { buildServices, eventually, type ServiceStack, sleep, stopAllStacks, withStack, Site } from '#testing';

/**
 * How the worker fires timers on PostgreSQL (ADR 0023), against the real API and worker processes:
 * a timer whose patient row a request holds is fired once, after the request, without holding up
 * the timers of other patients; the reconciler adds the jobs missing from Redis and leaves the
 * others alone.
 */

const DAY = 86_400_000;

beforeAll(async () => {
  await buildServices();
}, 180_000);

afterAll(async () => {
  await stopAllStacks();
}, 60_000);

interface TimerRow {
  id: string;
  send_id: string;
  status: string;
  due_at: string;
  settled_at: string | null;
}

const dltTimer = async (stack: ServiceStack, patientId: string) =>
  (await stack.query<TimerRow>("SELECT id, send_id, status, due_at, settled_at FROM timers WHERE patient_id = $1 AND send_id = 'dlt-window'", [patientId]))[0];

const logOf = (stack: ServiceStack, patientId: string) =>
  stack.query<{ seq: number; type: string; recorded_at: string }>('SELECT seq, type, recorded_at FROM patient_events WHERE patient_id = $1 ORDER BY seq', [patientId]);

const pendingDue = async (stack: ServiceStack) =>
  Number((await stack.query<{ n: string }>("SELECT count(*) AS n FROM timers WHERE status = 'pending' AND due_at <= $1", [new Date().toISOString()]))[0].n);

/** The `duplicated` events BullMQ writes to the queue's event stream when a job is added under an id that exists. */
async function duplicatedEvents(stack: ServiceStack): Promise<string[]> {
  const entries = (await stack.redis.xrange(stack.queue('timers').keys.events, '-', '+')) as Array<[string, string[]]>;
  return entries.filter(([, fields]) => fields[0] === 'event' && fields[1] === 'duplicated').map(([, fields]) => fields[3]);
}

describe('timer firing (PostgreSQL)', () => {
  it('fires a timer whose patient row a request holds once, after the request, and meanwhile fires the timers of other patients', async () => {
    // One timer at a time: a worker slot waiting behind the lock would hold up every other timer.
    await withStack('timer-row-busy', { env: { TIMER_CONCURRENCY: '1' } }, async (stack) => {
      const api = await stack.startApi();
      await stack.startWorker();
      const site = await Site.open(stack, api);
      // The DLT windows close at `due` (the held patient) and 2 s later (the other one).
      const due = Date.now() + 15_000;
      const held = await site.infused(api, new Date(due - 28 * DAY));
      const other = await site.infused(api, new Date(due + 2_000 - 28 * DAY));
      await eventually(async () => (await pendingDue(stack)) === 0, 15_000, 'the past-due visit timers to fire');
      expect(Date.now()).toBeLessThan(due - 1_000);
      const logBefore = await logOf(stack, held);

      // The fault: a transaction holds the patient's row, as a request does while it applies an event
      // under the lock, from before the timer falls due until 5 s after.
      const request = new Client({ connectionString: stack.databaseUrl });
      await request.connect();
      try {
        await request.query('BEGIN');
        await request.query('SELECT id FROM patients WHERE id = $1 FOR UPDATE', [held]);
        await sleep(due + 4_000 - Date.now());
        // The other patient's timer fired on time through the one worker slot; the held one waits, unwritten.
        const otherDlt = await dltTimer(stack, other);
        expect(otherDlt.status).toBe('fired');
        expect(Date.parse(otherDlt.settled_at!) - Date.parse(otherDlt.due_at)).toBeLessThan(1_500);
        const heldDlt = await dltTimer(stack, held);
        expect(heldDlt.status).toBe('pending');
        expect(await logOf(stack, held)).toEqual(logBefore);
        // Its job is still there, not failed: it is tried again until the row is free.
        const job = await stack.queue('timers').getJob(`timer-${heldDlt.id}`);
        expect(['delayed', 'waiting', 'active', 'prioritized']).toContain(await job!.getState());
        expect(job!.attemptsMade).toBe(0);
        await sleep(1_000);
      } finally {
        await request.query('ROLLBACK');
        await request.end();
      }
      const releasedAt = Date.now();

      await eventually(async () => (await dltTimer(stack, held)).status === 'fired', 10_000, 'the held timer to fire once the row is free');
      const firedAfter = Date.parse((await dltTimer(stack, held)).settled_at!) - releasedAt;
      // Fired shortly after the request let go: within a second, not at the reconciler's next beats.
      expect(firedAfter).toBeGreaterThanOrEqual(-50);
      expect(firedAfter).toBeLessThan(1_000);
      await sleep(2_500); // more retries and reconciler beats: none may fire it again
      const log = await logOf(stack, held);
      expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
      expect(log.slice(logBefore.length).map((e) => e.type)).toEqual(['DLT_WINDOW_CLOSED']);
      expect(log.filter((e) => e.type === 'DLT_WINDOW_CLOSED')).toHaveLength(1);
      expect((await logOf(stack, other)).filter((e) => e.type === 'DLT_WINDOW_CLOSED')).toHaveLength(1);
      const [patient] = await stack.query<{ version: number; last_seq: number }>('SELECT version, last_seq FROM patients WHERE id = $1', [held]);
      expect(patient.last_seq).toBe(log.length);
      expect(patient.version).toBe(log.length);
    });
  }, 120_000);

  it('re-adds the job of a pending timer deleted from Redis, and adds none of the jobs that are there', async () => {
    await withStack('timer-reconcile-absent', {}, async (stack) => {
      const api = await stack.startApi();
      await stack.startWorker();
      const site = await Site.open(stack, api);
      // Infused an hour ago: the visit timers of the next 7 days wait in Redis as delayed jobs.
      const id = await site.infused(api, new Date(Date.now() - 3_600_000));
      const timers = await stack.query<TimerRow>(
        "SELECT id, send_id, status, due_at, settled_at FROM timers WHERE patient_id = $1 AND status = 'pending' AND due_at <= $2 ORDER BY due_at",
        [id, new Date(Date.now() + 7 * DAY).toISOString()],
      );
      expect(timers.length).toBeGreaterThan(1);
      const queue = stack.queue('timers');
      await eventually(async () => (await queue.getDelayedCount()) >= timers.length, 10_000, 'the timers to wait as delayed jobs');
      const jobs = new Map((await queue.getDelayed()).map((j) => [j.id!, j]));
      await sleep(2_500); // reconciler beats (1 s) over jobs that are all there
      expect(await duplicatedEvents(stack)).toEqual([]);

      // The fault: one job is gone from Redis, its row still pending.
      const [lost, ...kept] = timers;
      await queue.remove(`timer-${lost.id}`);
      expect(await queue.getJob(`timer-${lost.id}`)).toBeUndefined();
      await eventually(async () => Boolean(await queue.getJob(`timer-${lost.id}`)), 10_000, 'the reconciler to add the missing job');
      const readded = (await queue.getJob(`timer-${lost.id}`))!;
      expect(await readded.getState()).toBe('delayed');
      expect(readded.data).toEqual({ timerId: lost.id });
      // It waits until its timer's due time.
      expect(Math.abs(readded.timestamp + readded.delay - Date.parse(lost.due_at))).toBeLessThan(1_000);
      await sleep(2_500);

      // The others were not added again (BullMQ records an add under an existing id as `duplicated`) nor changed.
      expect(await duplicatedEvents(stack)).toEqual([]);
      for (const t of kept) {
        const job = (await queue.getJob(`timer-${t.id}`))!;
        const before = jobs.get(`timer-${t.id}`)!;
        expect([job.timestamp, job.delay, job.attemptsStarted, await job.getState()]).toEqual([before.timestamp, before.delay, before.attemptsStarted, 'delayed']);
      }
      expect(await queue.getDelayedCount()).toBe(jobs.size);
      const pending = await stack.query<{ n: string }>("SELECT count(*) AS n FROM timers WHERE patient_id = $1 AND status = 'pending'", [id]);
      expect(Number(pending[0].n)).toBeGreaterThanOrEqual(timers.length);
    });
  }, 120_000);
});
