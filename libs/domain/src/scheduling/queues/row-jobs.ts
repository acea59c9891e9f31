import type { Queue } from 'bullmq';

/**
 * What the timers, outbox and webhooks queues share: each job stands for a database row, its id is
 * the row id behind the queue's prefix (never a bare integer, never a `:`), so a repeat is a no-op.
 */
export const ROW_JOB_OPTIONS = {
  removeOnComplete: true,
  removeOnFail: { count: 10_000 },
  attempts: 8,
  backoff: { type: 'exponential', delay: 500 },
} as const;

/**
 * The ids of these jobs that are not in Redis in any state (waiting, delayed, active, failed), by one
 * pipelined EXISTS per job key: what the reconciler adds. Adding a job that exists is a no-op, but a
 * costly one (a Lua script per job, on the Redis the worker is taking jobs from), and the reconciler
 * would otherwise make it for every pending row on every beat.
 */
export async function absentJobIds<T>(queue: Queue<T>, jobIds: string[]): Promise<Set<string>> {
  return pickJobIds(
    queue,
    jobIds,
    (id) => ['exists', [queue.toKey(id)]],
    (found) => found === 0,
  );
}

/** The ids of these jobs that wait in the queue's delayed set, by one pipelined ZSCORE per job. */
export async function delayedJobIds<T>(queue: Queue<T>, jobIds: string[]): Promise<Set<string>> {
  return pickJobIds(
    queue,
    jobIds,
    (id) => ['zscore', [queue.keys.delayed, id]],
    (score) => score !== null,
  );
}

async function pickJobIds<T>(queue: Queue<T>, jobIds: string[], command: (id: string) => [string, string[]], keep: (answer: unknown) => boolean): Promise<Set<string>> {
  const picked = new Set<string>();
  if (!jobIds.length) return picked;
  const pipeline = (await queue.getBackend().client).pipeline();
  for (const id of jobIds) pipeline.runCommand(...command(id));
  const answers = (await pipeline.exec()) ?? [];
  answers.forEach(([error, answer], i) => {
    if (error) throw error;
    if (keep(answer)) picked.add(jobIds[i]);
  });
  return picked;
}

/**
 * Jobs of rows still pending that will not run by themselves: a due timer whose job waits as
 * delayed (the clock jumped, a promotion was lost, a busy retry waits) is promoted; a job that failed for good (its retries ran out while the
 * database was unreachable) is retried. A plain re-add would be a no-op: the job id still exists.
 */
export async function reviveJobs<T>(queue: Queue<T>, jobIds: string[], options: { promoteDelayed: boolean }): Promise<number> {
  if (!jobIds.length) return 0;
  const wanted = new Set(jobIds);
  let revived = 0;
  // Failed jobs are rare and kept at most 10,000 (removeOnFail): one read of the failed set, not a lookup per pending row.
  if ((await queue.getFailedCount()) > 0) {
    for (const job of await queue.getFailed()) {
      if (job.id && wanted.has(job.id) && (await movedOn(() => job.retry('failed')))) revived += 1;
    }
  }
  if (options.promoteDelayed) {
    // One pipelined look at the delayed set for all of them; a job is fetched only to be promoted.
    for (const id of await delayedJobIds(queue, jobIds)) {
      const job = await queue.getJob(id);
      if (job && (await movedOn(() => job.promote()))) revived += 1;
    }
  }
  return revived;
}

/**
 * Runs a move of a job out of the delayed or failed set; false when the job had already left that
 * set between the look and the move (BullMQ's "is not in the delayed state": its own promotion, a
 * worker taking it, a retry re-delaying it). Such a job is on its way and needs nothing more.
 */
async function movedOn(move: () => Promise<unknown>): Promise<boolean> {
  try {
    await move();
    return true;
  } catch (error) {
    if (error instanceof Error && /is not in the (delayed|failed) state/.test(error.message)) return false;
    throw error;
  }
}
