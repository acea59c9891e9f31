import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { Queue, Worker, type Job } from 'bullmq';
import { freePort, PromptWorker } from '#domain';
import { eventually } from '#testing';

/**
 * A delayed job is taken when it falls due, not at Redis's next server tick (prompt-worker.ts).
 * The Redis here runs at `hz 1`: it ends a blocked command's timeout only about once a second, so
 * a plain BullMQ worker takes such a job up to a second late. That control runs too, so the test
 * fails if the Redis stops showing the delay it is about, as well as if the worker stops beating it.
 */
describe('PromptWorker', () => {
  let server: ChildProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    // dynamic-hz off: the server keeps its one tick a second whatever its client count.
    // prettier-ignore
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--hz', '1', '--dynamic-hz', 'no'], { stdio: 'ignore' });
    await eventually(async () => spawnSync('redis-cli', ['-p', String(port), 'PING'], { encoding: 'utf8' }).stdout.trim() === 'PONG', 10_000, 'the private redis-server to listen');
  });

  afterAll(async () => {
    server.kill('SIGKILL');
  });

  /** Lateness (ms past due) of each of `delays` delayed jobs, taken by a worker of class `Kind`. */
  async function lateness(Kind: typeof Worker, name: string, delays: number[]): Promise<number[]> {
    const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
    const queue = new Queue(name, { connection });
    const due = new Map<string, number>();
    const late: number[] = [];
    const worker = new Kind(
      name,
      async (job: Job) => {
        late.push(Date.now() - due.get(job.id!)!);
      },
      { connection, concurrency: 4 },
    );
    try {
      await worker.waitUntilReady();
      // Spread out, so the worker is idle and waiting before each falls due.
      for (const [i, delay] of delays.entries()) {
        const job = await queue.add('due', {}, { jobId: `j${i}`, delay });
        due.set(job.id!, job.timestamp + delay);
      }
      await eventually(async () => late.length === delays.length, 10_000, `all ${delays.length} jobs to run`);
      return late;
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  }

  const DELAYS = [400, 900, 1_400, 1_900, 2_400];

  it('takes every delayed job within 150 ms of its due time, where a plain worker is up to a second late', async () => {
    const plain = await lateness(Worker, 'plain', DELAYS);
    const prompt = await lateness(PromptWorker, 'prompt', DELAYS);
    // The control: at hz 1 the plain worker's wait ends at a server tick, a second apart.
    expect(Math.max(...plain)).toBeGreaterThan(150);
    expect(Math.max(...prompt)).toBeLessThan(150);
    // Never early: the nudge promotes only what is due.
    expect(Math.min(...prompt)).toBeGreaterThanOrEqual(-5);
  });

  it('leaves a job delayed past its due time alone: a nudge promotes only what is due', async () => {
    const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
    const queue = new Queue('notyet', { connection });
    const ran: string[] = [];
    const worker = new PromptWorker('notyet', async (job: Job) => void ran.push(job.id!), { connection });
    try {
      await worker.waitUntilReady();
      await queue.add('soon', {}, { jobId: 'soon', delay: 300 });
      await queue.add('later', {}, { jobId: 'later', delay: 60_000 });
      await eventually(async () => ran.includes('soon'), 5_000, 'the job due soon to run');
      // Wait past a nudge or two; the later job must still be delayed, and must not have run.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(ran).toEqual(['soon']);
      expect(await queue.getJobState('later')).toBe('delayed');
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
