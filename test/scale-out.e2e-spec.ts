import { buildServices, call, eventually, type ServiceProcess, Site, sleep, stopAllStacks, withStack } from '#testing';
import { driveLoad, ledgerProblems, timerProblems } from './support/load-ledger';

/**
 * More than one machine, simulated on one (docs/scaling.md): three API processes and two workers
 * from the compiled code on one PostgreSQL database and one Redis key prefix. Patients are walked
 * to their infusion through all three APIs while the workers fire their past-due timers; then
 * clients bound round-robin to the three APIs post lab results under idempotency keys, replaying
 * some on another API and racing some on two, while more timers fall due. The clients' ledger is
 * then checked against the database (test/support/load-ledger.ts): nothing lost, doubled or
 * reordered, every due timer fired once.
 */

const DAY = 86_400_000;
const PATIENTS = 16;
const LATE_COMERS = 6;
const LOAD_SECONDS = 8;

beforeAll(() => buildServices(), 180_000);
afterAll(() => stopAllStacks(), 60_000);

/** Runs `work` over `items`, at most `limit` at a time. */
async function inBatches<T, R>(items: T[], limit: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i], i);
      }
    }),
  );
  return results;
}

test('three APIs and two workers under load lose, double and reorder nothing; every due timer fires once', async () => {
  await withStack('scale-out', { prefix: 'e2e-scale' }, async (stack) => {
    // One after the other: the first runs the migrations alone, and five Node processes booting at
    // once on two cores would each take longer than the health check waits.
    const apis: ServiceProcess[] = [];
    for (const label of ['api-1', 'api-2', 'api-3']) apis.push(await stack.startApi(label));
    await stack.startWorker('worker-1');
    await stack.startWorker('worker-2');
    const [first, second, third] = apis;
    expect(await stack.workerConnections()).toBe(2);
    const site = await Site.open(stack, first);

    // The first patients, walked to their infusion through the three APIs while the workers fire
    // the past-due visit timers each walk leaves (infused 29 days ago).
    const walkStarted = Date.now();
    const infuse = (n: number, infusedAt: () => Date) =>
      inBatches(
        Array.from({ length: n }, (_, i) => i),
        6,
        (_, i) => site.infused(apis[i % apis.length], infusedAt()),
      );
    const patients = await infuse(PATIENTS, () => new Date(Date.now() - 29 * DAY));
    const walkedInMs = Date.now() - walkStarted;

    // The load on them, while more patients are walked beside it: each of these is infused 28 days
    // ago less a few seconds, so its past-due timers and then its DLT window (Day 28) fall due
    // while the load runs, whatever the speed of the machine.
    const [ledger, lateComers] = await Promise.all([
      driveLoad({
        apis,
        token: site.coordinator,
        patients,
        clients: 12,
        seconds: LOAD_SECONDS,
        atLeast: { acked: 120, repeats: 6, maxSeconds: 40 },
        at: new Date(Date.now() - 60_000).toISOString(),
        replayEvery: 7,
        raceEvery: 11,
      }),
      infuse(LATE_COMERS, () => new Date(Date.now() - 28 * DAY + 2000)),
    ]);
    const loadEnded = new Date().toISOString();
    const everyone = [...patients, ...lateComers];
    const latencies = ledger.acked.map((w) => w.ackedAt - w.sentAt).sort((x, y) => x - y);
    console.log(
      `scale-out: ${PATIENTS} patients walked in ${walkedInMs} ms; ${ledger.acked.length} writes acknowledged in ${ledger.seconds.toFixed(1)} s ` +
        `(per API ${ledger.perApi.join('/')} requests, p50 ${latencies[latencies.length >> 1]?.toFixed(0)} ms, max ${latencies.at(-1)?.toFixed(0)} ms), ` +
        `${ledger.repeats.length} replays and races`,
    );

    // Every request answered 200, on every API; the replays and races happened.
    expect(ledger.refused).toEqual([]);
    // (The load goes on past LOAD_SECONDS on a machine busy with other work until it has these.)
    expect(ledger.perApi.every((n) => n >= 20)).toBe(true);
    expect(ledger.acked.length).toBeGreaterThanOrEqual(100);
    expect(ledger.repeats.filter((r) => r.kind === 'replay').length).toBeGreaterThanOrEqual(5);
    expect(ledger.repeats.filter((r) => r.kind === 'race').length).toBeGreaterThanOrEqual(5);

    // Every timer due by the end of the load fires, once, with two workers taking jobs.
    await eventually(
      async () => Number((await stack.query<{ n: string }>("SELECT count(*) AS n FROM timers WHERE status = 'pending' AND due_at <= $1", [loadEnded]))[0].n) === 0,
      40_000,
      'every timer due by the end of the load to fire',
    );
    await sleep(1000); // room for a duplicate to show up, if a job were to fire a timer again
    const timers = await timerProblems(stack, everyone, loadEnded);
    expect(timers.problems).toEqual([]);
    // The past-due visits (at least the Day 7 reminder and missed visits, Day 14) and the DLT window of each patient.
    expect(timers.fired).toBeGreaterThanOrEqual(everyone.length * 4);
    const dltClosed = await stack.query("SELECT patient_id FROM patient_events WHERE type = 'DLT_WINDOW_CLOSED' AND patient_id = ANY($1)", [everyone]);
    expect(dltClosed).toHaveLength(everyone.length);

    // The ledger against the database, the records read through the third API.
    expect(await ledgerProblems(stack, ledger, patients, { api: third, token: site.coordinator })).toEqual([]);

    // The checker itself finds a lost write, a doubled answer and a reordering when shown one.
    const lost = { ...ledger, acked: ledger.acked.slice(1) };
    expect((await ledgerProblems(stack, lost, patients, { api: first, token: site.coordinator })).join('\n')).toMatch(/logged but never acknowledged/);
    const [a, b] = ledger.acked.filter((w) => w.patientId === ledger.acked[0].patientId).sort((x, y) => x.seq - y.seq);
    const swapped = { ...ledger, acked: ledger.acked.map((w) => (w === a ? { ...a, sentAt: b.ackedAt + 1, ackedAt: b.ackedAt + 2 } : w)) };
    expect((await ledgerProblems(stack, swapped, patients, { api: first, token: site.coordinator })).join('\n')).toMatch(/yet logged before it/);

    // The whole record's hash chains and snapshots verify, read through another API.
    const verify = await call(second.url!, 'GET', '/audit/verify', stack.adminToken, undefined, {}, 60_000);
    const [{ n: entries }] = await stack.query<{ n: string }>('SELECT count(*) AS n FROM patient_events');
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true, broken: [], entriesChecked: Number(entries) });

    expect(stack.processes.filter((p) => !p.isRunning()).map((p) => p.name)).toEqual([]);
    expect(await stack.workerConnections()).toBe(2);
    console.log(`scale-out: ${timers.fired} timers fired once; ${entries} entries verified`);
  });
}, 180_000);
