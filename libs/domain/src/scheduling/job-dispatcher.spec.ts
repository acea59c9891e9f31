import type { Queue } from 'bullmq';
import { loadConfig } from '../config/config';
import { type Clock } from '../kernel/clock';
import { JobDispatcher } from './job-dispatcher';

const NOW = Date.parse('2026-03-01T00:00:00.000Z');
const DAY = 86_400_000;
const clock: Clock = { now: () => new Date(NOW) };

function build(env: Record<string, string> = {}) {
  const jobs = new Map<string, { id: string; state: string; isDelayed: jest.Mock; retry: jest.Mock; promote: jest.Mock }>();
  const failed = () => [...jobs.values()].filter((j) => j.state === 'failed');
  const timers = {
    addBulk: jest.fn().mockResolvedValue([]),
    remove: jest.fn().mockResolvedValue(1),
    getJob: jest.fn(async (id: string) => jobs.get(id)),
    getFailedCount: jest.fn(async () => failed().length),
    getFailed: jest.fn(async () => failed()),
  };
  const outbox = { addBulk: jest.fn().mockResolvedValue([]) };
  const webhooks = { addBulk: jest.fn().mockResolvedValue([]) };
  const sut = new JobDispatcher(timers as unknown as Queue, outbox as unknown as Queue, webhooks as unknown as Queue, loadConfig(env), clock);
  const job = (id: string, state: string) => {
    const j = { id, state, isDelayed: jest.fn().mockResolvedValue(state === 'delayed'), retry: jest.fn(), promote: jest.fn() };
    jobs.set(id, j);
    return j;
  };
  return { sut, mocks: { timers, outbox, webhooks, job } };
}

const at = (ms: number) => new Date(NOW + ms).toISOString();

describe('JobDispatcher', () => {
  it('enqueues only the timers due within the horizon, with the row id as job id and the wait as delay', async () => {
    const { sut, mocks } = build({ TIMER_HORIZON_DAYS: '7' });
    const count = await sut.enqueueTimers([
      { id: 'p.1.past', dueAt: at(-DAY) },
      { id: 'p.1.soon', dueAt: at(2 * DAY) },
      { id: 'p.1.later', dueAt: at(30 * DAY) },
    ]);
    expect(count).toBe(2);
    const jobs = mocks.timers.addBulk.mock.calls[0][0];
    expect(jobs.map((j: { opts: { jobId: string; delay: number } }) => [j.opts.jobId, j.opts.delay])).toEqual([
      ['timer-p.1.past', 0],
      ['timer-p.1.soon', 2 * DAY],
    ]);
    expect(jobs[0].data).toEqual({ timerId: 'p.1.past' });
  });

  it('divides the wait by TIME_SCALE, so a scaled demo day passes in a second', async () => {
    const { sut, mocks } = build({ TIME_SCALE: '86400' });
    await sut.enqueueTimers([{ id: 'p.1.d28', dueAt: at(28 * DAY) }]);
    expect(mocks.timers.addBulk.mock.calls[0][0][0].opts.delay).toBe(28_000);
  });

  it('enqueues webhook deliveries with the configured attempts and exponential backoff', async () => {
    const { sut, mocks } = build({ WEBHOOK_MAX_ATTEMPTS: '4', WEBHOOK_BACKOFF_MS: '100' });
    await sut.enqueueWebhookDeliveries(['o.1.w']);
    expect(mocks.webhooks.addBulk.mock.calls[0][0][0].opts).toMatchObject({ jobId: 'webhook-o.1.w', attempts: 4, backoff: { type: 'exponential', delay: 100 } });
  });

  it('never fails the caller when Redis is down: the rows stay pending for the reconciler', async () => {
    const { sut, mocks } = build();
    mocks.timers.addBulk.mockRejectedValue(new Error('ECONNREFUSED'));
    await expect(sut.afterCommit({ timers: [{ id: 'p.1.x', dueAt: at(0) }], cancelledTimerIds: [], outbox: [] })).resolves.toBeUndefined();
  });
});
