import { randomBytes } from 'node:crypto';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { type Clock, JobDispatcher, loadConfig, OUTBOX_QUEUE, Reconciler, TIMER_QUEUE, WEBHOOK_QUEUE } from '#domain';
import { deleteKeysUnder } from '#testing';

/**
 * What the reconciler asks of Redis (ADR 0023), on a real Redis: which jobs are missing, which wait
 * as delayed though their timer is due, which failed for good, and what it does to each of them.
 */
const NOW = Date.parse('2026-03-01T00:00:00.000Z');
const HOUR = 3_600_000;
/** The reconciler's row sources, stood in for: this spec is about what it asks of Redis. */
type ReconcilerRows = ConstructorParameters<typeof Reconciler>;
const at = (ms: number) => new Date(NOW + ms).toISOString();

describe('row jobs on a real Redis', () => {
  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  const prefix = `medium-${randomBytes(5).toString('hex')}`;
  const clock: Clock = { now: () => new Date(NOW) };
  const queues = [TIMER_QUEUE, OUTBOX_QUEUE, WEBHOOK_QUEUE].map((name) => new Queue(name, { connection: redis, prefix }));
  const [timers] = queues;
  const dispatcher = new JobDispatcher(queues[0], queues[1], queues[2], loadConfig({ TIMER_HORIZON_DAYS: '7' }), clock);

  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
    await deleteKeysUnder(redis, prefix);
    await redis.quit();
  });

  it('adds only the jobs that are not in Redis, and never a second one of a row', async () => {
    // Due in an hour by the engine's clock: delayed for an hour of real time.
    expect(await dispatcher.enqueueAbsentTimers([{ id: 'p.1.a', dueAt: at(HOUR) }])).toBe(1);
    expect(
      await dispatcher.enqueueAbsentTimers([
        { id: 'p.1.a', dueAt: at(HOUR) },
        { id: 'p.1.b', dueAt: at(HOUR) },
      ]),
    ).toBe(1);
    expect((await timers.getDelayed()).map((j) => j.id).sort()).toEqual(['timer-p.1.a', 'timer-p.1.b']);
  });

  it('promotes a due timer whose job waits as delayed (the clock jumped), and nothing else', async () => {
    // The engine's clock moves two hours on: both timers are due, their jobs still wait for real time.
    const due = await dispatcher.revive(TIMER_QUEUE, ['p.1.a'], { promoteDelayed: true });
    expect(due).toBe(1);
    expect(await timers.getJobState('timer-p.1.a')).toBe('waiting');
    // Not named (not yet due, or settled): left delayed.
    expect(await timers.getJobState('timer-p.1.b')).toBe('delayed');
    // Named but already waiting, or with no job at all: nothing to do, no error.
    expect(await dispatcher.revive(TIMER_QUEUE, ['p.1.a', 'p.1.gone'], { promoteDelayed: true })).toBe(0);
    expect(await timers.getJobState('timer-p.1.a')).toBe('waiting');
  });

  it('retries a failed job of a row still pending, leaves another row’s failed job alone', async () => {
    await dispatcher.enqueueAbsentTimers([
      { id: 'p.2.fails', dueAt: at(0) },
      { id: 'p.2.settled', dueAt: at(0) },
    ]);
    // Their retries ran out (the database was unreachable for longer than the backoff lasts).
    const connection = redis.duplicate();
    const worker = new Worker(
      TIMER_QUEUE,
      async (job) => {
        if (job.id?.startsWith('timer-p.2.')) throw new UnrecoverableError('database unreachable');
      },
      { connection, prefix },
    );
    const failedBoth = async () => (await timers.getFailed()).filter((j) => j.id?.startsWith('timer-p.2.')).length === 2;
    for (const deadline = Date.now() + 10_000; !(await failedBoth());) {
      if (Date.now() > deadline) throw new Error('the jobs did not fail');
      await new Promise((r) => setTimeout(r, 50));
    }
    await worker.close();
    await connection.quit();
    expect(await dispatcher.revive(TIMER_QUEUE, ['p.2.fails'], { promoteDelayed: true })).toBe(1);
    expect(await timers.getJobState('timer-p.2.fails')).toBe('waiting');
    expect(await timers.getJobState('timer-p.2.settled')).toBe('failed');
    // A failed job is in Redis: the reconciler's add does not add a second one beside it.
    expect(await dispatcher.enqueueAbsentTimers([{ id: 'p.2.settled', dueAt: at(0) }])).toBe(0);
  });

  it('the reconciler promotes the job of a timer the clock has just reached, not one still to come', async () => {
    // The engine's clock stands exactly on one timer's due time (a test's clock, a corrected system
    // clock): 0 ms overdue. Its job, added when the timer was an hour away, waits for real time.
    await dispatcher.enqueueAbsentTimers([
      { id: 'p.3.now', dueAt: at(HOUR) },
      { id: 'p.3.later', dueAt: at(HOUR + 1) },
    ]);
    const jumped: Clock = { now: () => new Date(NOW + HOUR) };
    const rows = [
      { id: 'p.3.later', dueAt: at(HOUR + 1) },
      { id: 'p.3.now', dueAt: at(HOUR) },
    ].sort((a, b) => a.id.localeCompare(b.id));
    const timerRows = { pendingDueBy: async (_horizon: string, afterId: string) => rows.filter((r) => r.id > afterId) };
    const outboxRows = { pendingIds: async () => [], pendingDeliveryIds: async () => [] };
    const config = loadConfig({ TIMER_HORIZON_DAYS: '7' });
    const reconciler = new Reconciler(
      timerRows as unknown as ReconcilerRows[0],
      outboxRows as unknown as ReconcilerRows[1],
      new JobDispatcher(queues[0], queues[1], queues[2], config, jumped),
      jumped,
      config,
    );
    expect(await reconciler.run()).toEqual({ timers: 0, outbox: 0, promoted: 1 });
    expect(await timers.getJobState('timer-p.3.now')).toBe('waiting');
    expect(await timers.getJobState('timer-p.3.later')).toBe('delayed');
  });
});
