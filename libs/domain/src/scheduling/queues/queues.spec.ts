import { DelayedError, type Job, type Queue, UnrecoverableError } from 'bullmq';
import { loadConfig } from '../../config/config';
import { type Clock } from '../../kernel/clock';
import { OutboxJobs, OutboxProcessor } from './outbox-queue';
import { TimerJobs, TimerProcessor } from './timer-queue';
import { WebhookJobs, WebhookProcessor } from './webhook-queue';

const clock: Clock = { now: () => new Date('2026-03-01T00:00:00.000Z') };

/** A queue that keeps the jobs its producer adds, so its consumer can be handed them. */
function recordingQueue() {
  const added: Array<{ name: string; data: unknown; opts: { jobId: string } }> = [];
  const queue = { addBulk: jest.fn(async (jobs: typeof added) => void added.push(...jobs)), remove: jest.fn() };
  const asJob = (i: number) => ({ ...added[i], id: added[i].opts.jobId }) as unknown as Job;
  return { queue: queue as unknown as Queue, added, asJob };
}

const foreignJob = (data: unknown) => ({ name: 'something-else', data }) as unknown as Job;

describe('each queue file', () => {
  it('timers: the consumer runs the job its producer added, with the row id', async () => {
    const { queue, asJob } = recordingQueue();
    await new TimerJobs(queue, loadConfig({}), clock).add([{ id: 'p.1.dlt-window', dueAt: clock.now().toISOString() }]);
    const handler = { fire: jest.fn().mockResolvedValue({ fired: 1, skipped: 0, early: 0 }) };
    const consumer = new TimerProcessor(handler, loadConfig({}), clock);
    expect(await consumer.process(asJob(0))).toEqual({ fired: 1, skipped: 0, early: 0 });
    expect(handler.fire).toHaveBeenCalledWith('p.1.dlt-window');
  });

  it('timers: a job that runs before its timer is due waits, the same job, until the timer falls due', async () => {
    const inTwoHours = new Date(clock.now().getTime() + 2 * 3_600_000).toISOString();
    const handler = { fire: jest.fn().mockResolvedValue({ fired: 0, skipped: 0, early: 1, notBefore: inTwoHours }) };
    const moveToDelayed = jest.fn().mockResolvedValue(undefined);
    const job = { name: 'fire', id: 'timer-p.1.visit', data: { timerId: 'p.1.visit' }, moveToDelayed } as unknown as Job;
    const before = Date.now();
    // DelayedError tells BullMQ the job was moved to the delayed set, not completed or failed.
    await expect(new TimerProcessor(handler, loadConfig({}), clock).process(job, 'token-1')).rejects.toThrow(DelayedError);
    expect(moveToDelayed).toHaveBeenCalledTimes(1);
    const [until, token] = moveToDelayed.mock.calls[0] as [number, string];
    expect(token).toBe('token-1');
    expect(until - before).toBeGreaterThanOrEqual(2 * 3_600_000);
    expect(until - Date.now()).toBeLessThanOrEqual(2 * 3_600_000);
    // On a scaled clock the wait is scaled like the producer's.
    const scaled = { ...job, moveToDelayed: jest.fn().mockResolvedValue(undefined) } as unknown as Job;
    await expect(new TimerProcessor(handler, loadConfig({ TIME_SCALE: '3600' }), clock).process(scaled, 't')).rejects.toThrow(DelayedError);
    const [scaledUntil] = (scaled.moveToDelayed as jest.Mock).mock.calls[0] as [number];
    expect(scaledUntil - before).toBeGreaterThanOrEqual(2_000);
    expect(scaledUntil - Date.now()).toBeLessThanOrEqual(2_000);
  });

  it('timers: a due timer completes its job; nothing is delayed', async () => {
    const handler = { fire: jest.fn().mockResolvedValue({ fired: 1, skipped: 0, early: 0 }) };
    const moveToDelayed = jest.fn();
    const job = { name: 'fire', id: 'timer-p.1.visit', data: { timerId: 'p.1.visit' }, moveToDelayed } as unknown as Job;
    expect(await new TimerProcessor(handler, loadConfig({}), clock).process(job, 't')).toEqual({ fired: 1, skipped: 0, early: 0 });
    expect(moveToDelayed).not.toHaveBeenCalled();
  });

  it('outbox: the consumer runs the job its producer added, with the row id', async () => {
    const { queue, asJob } = recordingQueue();
    await new OutboxJobs(queue).add([{ id: 'p.1.notify' }]);
    const handler = { deliver: jest.fn().mockResolvedValue(true) };
    expect(await new OutboxProcessor(handler, loadConfig({})).process(asJob(0))).toEqual({ delivered: true });
    expect(handler.deliver).toHaveBeenCalledWith('p.1.notify');
  });

  it('webhooks: the consumer runs the job its producer added, with the row id', async () => {
    const { queue, asJob } = recordingQueue();
    await new WebhookJobs(queue, loadConfig({}).webhook).add(['o.1.w']);
    const handler = { send: jest.fn().mockResolvedValue('delivered') };
    expect(await new WebhookProcessor(handler).process(asJob(0))).toEqual({ outcome: 'delivered' });
    expect(handler.send).toHaveBeenCalledWith('o.1.w');
  });

  it('a consumer refuses a job of another name for good, and runs nothing', async () => {
    const handlers = { fire: jest.fn(), deliver: jest.fn(), send: jest.fn() };
    await expect(new TimerProcessor(handlers, loadConfig({}), clock).process(foreignJob({ timerId: 'x' }))).rejects.toThrow(UnrecoverableError);
    await expect(new OutboxProcessor(handlers, loadConfig({})).process(foreignJob({ outboxId: 'x' }))).rejects.toThrow(/no handler for outbox job "something-else"/);
    await expect(new WebhookProcessor(handlers).process(foreignJob({ deliveryId: 'x' }))).rejects.toThrow(UnrecoverableError);
    expect(handlers.fire).not.toHaveBeenCalled();
    expect(handlers.deliver).not.toHaveBeenCalled();
    expect(handlers.send).not.toHaveBeenCalled();
  });
});
