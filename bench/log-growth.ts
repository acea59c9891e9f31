import { sleep, type ServiceStack } from '#testing';
import type { LoadResult } from './throughput';

/**
 * What a load really wrote: how much the logs of the loaded patients grew (the sum of their last
 * seq), to hold against the 200s the load generator counted. When a timed load stops, autocannon
 * drops the requests still in flight (one per client at most) without an answer; the API may still
 * apply them, so a correct engine logs at least every 200 and at most one more per client.
 */
export async function withLogGrowth<T extends LoadResult>(stack: ServiceStack, idPattern: string, load: () => Promise<T>): Promise<T & { logged: number }> {
  const before = await lastSeqSum(stack, idPattern);
  const result = await load();
  return { ...result, logged: (await settledLastSeqSum(stack, idPattern)) - before };
}

/** What is wrong with a load's log growth, if anything. */
export function logGrowthProblem(load: LoadResult, logged: number): string | undefined {
  if (logged < load.ok) return `${load.ok} events answered 200 but the logs grew by ${logged}`;
  if (logged > load.ok + load.clients) return `the logs grew by ${logged}: more than the ${load.ok} events answered 200 and ${load.clients} in flight at the end`;
  return undefined;
}

/** The sum of the last seq (the log length) of the patients whose id is, or is LIKE, `idPattern`. */
export async function lastSeqSum(stack: ServiceStack, idPattern: string): Promise<number> {
  const [{ n }] = await stack.query<{ n: string }>('SELECT coalesce(sum(last_seq), 0) AS n FROM patients WHERE id LIKE $1', [idPattern]);
  return Number(n);
}

/** The sum once the requests in flight at the end of a load have landed: two reads 200 ms apart that agree (5 s at most). */
async function settledLastSeqSum(stack: ServiceStack, idPattern: string): Promise<number> {
  let last = await lastSeqSum(stack, idPattern);
  for (let i = 0; i < 25; i++) {
    await sleep(200);
    const now = await lastSeqSum(stack, idPattern);
    if (now === last) return now;
    last = now;
  }
  return last;
}
