import { buildServices, clockControl, type ServiceProcess, ServiceStack, stopAllStacks, withStack, eventually, sleep, call, Site } from '#testing';

/**
 * Faults injected for real into the real services: the API and the worker run as separate OS
 * processes from the compiled code, each test on a PostgreSQL database and a Redis key prefix of
 * its own. See docs/reliability.md for what each test injects and checks.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;

let outage: Promise<Outage> | undefined;
const background = new AbortController();

beforeAll(async () => {
  await buildServices();
  // The slowest fault (the database refusing connections until a timer job has used up its
  // retries, ~70 s) runs in the background while the other tests run; its tests come last.
  outage = databaseOutage();
  outage.catch(() => undefined);
}, 180_000);

afterAll(async () => {
  // The background outage may still run (when its tests were filtered out): stop it before the stacks.
  background.abort();
  await outage?.catch(() => undefined);
  await stopAllStacks();
  if (process.env.FAULTS_VERBOSE) console.log(`What the faults did:\n${facts.join('\n')}`);
}, 60_000);

/** Measurements of each fault (how many requests failed, how long recovery took), printed with FAULTS_VERBOSE=1. */
const facts: string[] = [];
const note = (fact: string) => facts.push(fact);

/** Runs `work` over `items`, at most `limit` at a time. */
async function inBatches<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await work(items[i]);
      }
    }),
  );
  return results;
}

// ---------------------------------------------------------------------------------------------
// Invariants read straight from the database

interface LogRow {
  patient_id: string;
  seq: number;
  type: string;
  data: string;
  actor: string;
  occurred_at: string;
  idempotency_key: string | null;
}

interface TimerRow {
  id: string;
  patient_id: string;
  send_id: string;
  event_type: string;
  event_data: string;
  due_at: string;
  status: string;
  created_seq: number;
  settled_seq: number | null;
}

async function logOf(stack: ServiceStack, patientId: string): Promise<LogRow[]> {
  return stack.query<LogRow>('SELECT patient_id, seq, type, data, actor, occurred_at, idempotency_key FROM patient_events WHERE patient_id = $1 ORDER BY seq', [patientId]);
}

async function timersOf(stack: ServiceStack, patientId: string): Promise<TimerRow[]> {
  return stack.query<TimerRow>('SELECT * FROM timers WHERE patient_id = $1 ORDER BY due_at, created_seq, id', [patientId]);
}

const visitOf = (data: string): string | undefined => (JSON.parse(data) as { visit?: string }).visit;

/**
 * The log is whole: seqs 1..n with no gap, the patient row's version and last_seq equal n (every
 * entry bumped the version, nothing bumped it without an entry), the hash chain verifies, and
 * every timer, outbox and idempotency row refers to a seq that is in the log.
 */
async function expectWholeLog(stack: ServiceStack, api: ServiceProcess, patientId: string): Promise<LogRow[]> {
  const log = await logOf(stack, patientId);
  expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
  const [patient] = await stack.query<{ version: number; last_seq: number }>('SELECT version, last_seq FROM patients WHERE id = $1', [patientId]);
  expect({ version: patient.version, lastSeq: patient.last_seq }).toEqual({ version: log.length, lastSeq: log.length });
  const seqs = new Set(log.map((e) => e.seq));
  const bySeq = new Map(log.map((e) => [e.seq, e]));
  for (const timer of await timersOf(stack, patientId)) {
    expect({ timer: timer.id, createdSeqInLog: seqs.has(timer.created_seq) }).toEqual({ timer: timer.id, createdSeqInLog: true });
    if (timer.settled_seq !== null) {
      expect({ timer: timer.id, settledSeqInLog: seqs.has(timer.settled_seq) }).toEqual({ timer: timer.id, settledSeqInLog: true });
    }
    if (timer.status === 'fired') {
      // The entry that settled a fired timer is that timer's event, raised by the scheduler at its dueAt.
      const entry = bySeq.get(timer.settled_seq!)!;
      expect({ timer: timer.id, type: entry.type, actor: entry.actor, occurredAt: entry.occurred_at, visit: visitOf(entry.data) }).toEqual({
        timer: timer.id,
        type: timer.event_type,
        actor: 'system:scheduler',
        occurredAt: timer.due_at,
        visit: visitOf(timer.event_data),
      });
    }
  }
  for (const row of await stack.query<{ id: string; seq: number }>('SELECT id, seq FROM outbox WHERE patient_id = $1', [patientId])) {
    expect({ outbox: row.id, seqInLog: seqs.has(row.seq) }).toEqual({ outbox: row.id, seqInLog: true });
  }
  for (const row of await stack.query<{ key: string; seq: number }>('SELECT key, seq FROM idempotency_keys WHERE patient_id = $1', [patientId])) {
    expect({ key: row.key, entryKey: bySeq.get(row.seq)?.idempotency_key }).toEqual({ key: row.key, entryKey: row.key });
  }
  const verify = await call(api.url!, 'GET', `/audit/verify?patientId=${patientId}`, stack.adminToken);
  expect(verify.status).toBe(200);
  expect(verify.body).toMatchObject({ ok: true, entriesChecked: log.length });
  return log;
}

/**
 * The timers the walk to infusion (`Site.infused`) cancels itself, each by the hand-off its custody
 * watch waits for: the apheresis-stability watch by the receipt at the manufacturing site, the
 * post-thaw watch by the infusion. Every other timer of a walked patient stays pending until it
 * fires.
 */
const CANCELLED_BY_THE_WALK = [
  ['apheresis-stability', 'cancelled', 'APHERESIS_RECEIVED'],
  ['post-thaw-limit', 'cancelled', 'INFUSION_COMPLETED'],
];

/** The patient's timers that are neither pending nor fired, by send id: each with its status and the type of the entry that settled it. */
async function settledUnfired(stack: ServiceStack, patientId: string): Promise<Array<[string, string, string | undefined]>> {
  const bySeq = new Map((await logOf(stack, patientId)).map((e) => [e.seq, e.type]));
  return (await timersOf(stack, patientId))
    .filter((t) => t.status !== 'pending' && t.status !== 'fired')
    .map((t): [string, string, string | undefined] => [t.send_id, t.status, t.settled_seq === null ? undefined : bySeq.get(t.settled_seq)])
    .sort(([a], [b]) => a.localeCompare(b));
}

/**
 * Every timer due by `now` fired, once: its row is `fired`, each scheduler event of the log belongs
 * to exactly one fired timer, no (type, visit) twice; and the patient's scheduler events are in the
 * order the timers fell due. The custody watches the walk cancelled (CANCELLED_BY_THE_WALK) stay
 * cancelled, whenever they were due, and are all that is cancelled: a timer that fired although
 * cancelled would be one scheduler event too many. Returns the scheduler events' names
 * (`VISIT_MISSED D7`) in log order.
 */
async function expectDueTimersFiredOnce(stack: ServiceStack, patientId: string, now: string) {
  expect(await settledUnfired(stack, patientId)).toEqual(CANCELLED_BY_THE_WALK);
  // In due order: due_at, created_seq, id, as the worker fires them.
  const timers = (await timersOf(stack, patientId)).filter((t) => t.status !== 'cancelled');
  const due = timers.filter((t) => t.due_at <= now);
  expect(due.map((t) => [t.send_id, t.status])).toEqual(due.map((t) => [t.send_id, 'fired']));
  expect(timers.filter((t) => t.due_at > now && t.status !== 'pending')).toEqual([]);
  const scheduled = (await logOf(stack, patientId)).filter((e) => e.actor === 'system:scheduler');
  const name = (type: string, data: string) => `${type}${visitOf(data) ? ` ${visitOf(data)}` : ''}`;
  const names = scheduled.map((e) => name(e.type, e.data));
  expect(new Set(names).size).toBe(names.length);
  // One log entry per due timer, in the order the timers fell due (the log's seq order = dueAt order).
  expect(names).toEqual(due.map((t) => name(t.event_type, t.event_data)));
  expect(scheduled.map((e) => e.seq)).toEqual(due.map((t) => t.settled_seq!));
  const occurred = scheduled.map((e) => e.occurred_at);
  expect(occurred).toEqual([...occurred].sort());
  return { scheduled: names, due: due.length };
}

const pendingDue = async (stack: ServiceStack, now: string) =>
  Number((await stack.query<{ n: string }>("SELECT count(*) AS n FROM timers WHERE status = 'pending' AND due_at <= $1", [now]))[0].n);

interface Outage {
  stack: ServiceStack;
  api: ServiceProcess;
  site: Site;
  patientId: string;
  timerId: string;
  pendingWhenDown: boolean;
  failedJob: { attemptsMade: number; failedReason: string };
  /** Read while the database still refused the services' connections. */
  timerStatusWhenFailed: string;
  logLengthBefore: number;
  logLengthWhenFailed: number;
  restoredAt: number;
}

/**
 * PostgreSQL refuses every connection of the deployment (ALLOW_CONNECTIONS false, and its backends
 * terminated) from just before a timer falls due until the timer's job has used up its retries
 * (8 attempts, exponential backoff from 500 ms: ~70 s), then accepts them again. The test's own
 * connection, opened before, keeps reading.
 */
async function databaseOutage(): Promise<Outage> {
  const stack = await ServiceStack.create('db-outage');
  try {
    const api = await stack.startApi();
    await stack.startWorker();
    const site = await Site.open(stack, api);
    const patientId = await site.infused(api, new Date(Date.now() - 28 * DAY + 6_000));
    await eventually(async () => (await pendingDue(stack, new Date().toISOString())) === 0, 20_000, 'the past-due timers to fire');
    const timer = (await timersOf(stack, patientId)).find((t) => t.send_id === 'dlt-window')!;
    const logLengthBefore = (await logOf(stack, patientId)).length;
    const [{ datname }] = await stack.query<{ datname: string }>('SELECT current_database() AS datname');
    await stack.adminQuery(`ALTER DATABASE ${datname} WITH ALLOW_CONNECTIONS false`);
    let failedJob: Outage['failedJob'];
    let pendingWhenDown: boolean;
    let timerStatusWhenFailed: string;
    let logLengthWhenFailed: number;
    try {
      await stack.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [datname]);
      pendingWhenDown = (await timersOf(stack, patientId)).find((t) => t.id === timer.id)!.status === 'pending' && timer.due_at > new Date().toISOString();
      if (!pendingWhenDown) throw new Error('the DLT timer fell due before the database went down: the set-up was too slow');
      const jobId = `timer-${timer.id}`;
      const startedAt = Date.now();
      const job = await eventually(
        async () => {
          if (background.signal.aborted) throw new Error('the outage was stopped: the test run is over');
          return (await stack.queue('timers').getFailed()).find((j) => j.id === jobId);
        },
        150_000,
        'the timer job to use up its attempts',
        500,
      );
      failedJob = { attemptsMade: job.attemptsMade, failedReason: job.failedReason };
      timerStatusWhenFailed = (await timersOf(stack, patientId)).find((t) => t.id === timer.id)!.status;
      logLengthWhenFailed = (await logOf(stack, patientId)).length;
      note(`database refused connections: the timer's job used up its retries after ${Date.now() - startedAt} ms (${job.failedReason})`);
    } finally {
      await stack.adminQuery(`ALTER DATABASE ${datname} WITH ALLOW_CONNECTIONS true`);
    }
    return {
      stack,
      api,
      site,
      patientId,
      timerId: timer.id,
      pendingWhenDown,
      failedJob,
      timerStatusWhenFailed,
      logLengthBefore,
      logLengthWhenFailed,
      restoredAt: Date.now(),
    };
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    e.message += `\n\nService output of db-outage:\n${stack.diagnostics()}`;
    await stack.stop().catch(() => undefined);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------

describe('faults injected into the real processes', () => {
  it('loses and doubles no timer when the worker is SIGKILLed mid-transaction while firing a backlog', async () => {
    await withStack('worker-killed', {}, async (stack) => {
      const api = await stack.startApi();
      const site = await Site.open(stack, api);
      // Ten infusions entered 29 days late, with no worker running: each leaves ~9 past-due timers
      // whose jobs (delay 0) pile up in Redis, each patient's together, in due order, the DLT
      // window's last.
      const late = new Date(Date.now() - 29 * DAY);
      const patients: string[] = [];
      for (let i = 0; i < 10; i++) patients.push(await site.infused(api, late));
      const now = new Date().toISOString();
      // The custody watches the walks cancelled (CANCELLED_BY_THE_WALK) have no job and never fire.
      const due = Number((await stack.query<{ n: string }>("SELECT count(*) AS n FROM timers WHERE due_at <= $1 AND status <> 'cancelled'", [now]))[0].n);
      expect(due).toBeGreaterThanOrEqual(60);
      expect(await stack.queue('timers').getWaitingCount()).toBe(due);
      const dltJobs = new Map<string, string>();
      for (const id of patients) dltJobs.set(`timer-${(await timersOf(stack, id)).find((t) => t.send_id === 'dlt-window')!.id}`, id);

      // The test holds the trial's row lock. A timer never waits on a patient's row (it is taken
      // NOWAIT, ADR 0023), but the DLT window's closing moves the trial and waits for the trial's row
      // with the patient's row locked and the event computed. The worker fires the earlier timers,
      // then every job slot takes a DLT window's job and its transaction waits on the trial: the
      // SIGKILL lands mid-backlog, in open transactions.
      const locker = await stack.connect();
      await locker.query('BEGIN');
      await locker.query('SELECT protocol_id FROM trials WHERE protocol_id = (SELECT protocol_id FROM patients WHERE id = $1) FOR UPDATE', [patients[0]]);
      // Backends waiting on a lock (the first waiter on the locker, the next ones on the first).
      const waitingOnLocks = async () =>
        Number((await stack.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0'))[0].n);
      let pendingAtKill: number;
      let activeAtKill: string[];
      let killedAt: number;
      try {
        const first = await stack.startWorker('worker-1', false);
        activeAtKill = await eventually(
          async () => {
            const active = (await stack.queue('timers').getActive()).map((j) => j.id!);
            const allHeld = active.length > 0 && active.every((job) => dltJobs.has(job));
            return allHeld && (await waitingOnLocks()) === active.length && active;
          },
          30_000,
          "every job slot of the worker to wait on the trial's row",
          10,
        );
        first.signal('SIGKILL');
        expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
        killedAt = Date.now();
        pendingAtKill = await pendingDue(stack, now);
      } finally {
        await locker.query('ROLLBACK');
      }
      // Killed mid-backlog: the DLT windows it had taken were undone (each still pending, its
      // patient's log without it), and some patients' jobs had not been taken at all.
      expect(activeAtKill.length).toBeGreaterThan(0);
      for (const job of activeAtKill) {
        const id = dltJobs.get(job)!;
        expect(await settledUnfired(stack, id)).toEqual(CANCELLED_BY_THE_WALK);
        expect((await timersOf(stack, id)).find((t) => t.send_id === 'dlt-window')!.status).toBe('pending');
        expect((await logOf(stack, id)).filter((e) => e.type === 'DLT_WINDOW_CLOSED')).toEqual([]);
      }
      expect(pendingAtKill).toBeGreaterThan(activeAtKill.length);
      expect(pendingAtKill).toBeLessThan(due);

      // A new worker finishes the backlog. The jobs the dead worker held stay "active" in Redis
      // until BullMQ's stalled check runs them again (60–90 s later: lockDuration and
      // stalledInterval are 30 s) and the reconciler cannot re-add a job id that exists.
      await stack.startWorker('worker-2');
      // The DLT windows the dead worker held are each patient's last due timer: no later job fires
      // them, and they wait for the stalled check.
      await eventually(async () => (await pendingDue(stack, now)) === 0, 150_000, 'every due timer to fire after the restart', 100);
      note(
        `worker killed: ${due} due timers, ${due - pendingAtKill} fired before the SIGKILL, ${activeAtKill.length} jobs left active ` +
          `by the dead worker; every due timer fired ${Date.now() - killedAt} ms after the kill`,
      );
      await sleep(1500); // room for a duplicate to show up, if a job were to fire a timer again

      for (const id of patients) {
        await expectWholeLog(stack, api, id);
        const { scheduled } = await expectDueTimersFiredOnce(stack, id, now);
        expect(scheduled).toEqual(expect.arrayContaining(['VISIT_REMINDER D7', 'VISIT_MISSED D7', 'VISIT_MISSED D14']));
        expect(scheduled.filter((n) => n === 'DLT_WINDOW_CLOSED')).toHaveLength(1);
        expect(scheduled.at(-1)).toBe('DLT_WINDOW_CLOSED');
      }
      const [{ n: firedRows }] = await stack.query<{ n: string }>("SELECT count(*) AS n FROM timers WHERE status = 'fired'");
      expect(Number(firedRows)).toBe(due);
    });
  }, 300_000);

  it('serialises ~50 concurrent events on one patient sent through two API processes: no 5xx, no lost update', async () => {
    await withStack('two-apis', {}, async (stack) => {
      const a = await stack.startApi('api-a'); // runs the migrations alone
      const [b] = await Promise.all([stack.startApi('api-b'), stack.startWorker()]);
      const site = await Site.open(stack, a);
      const id = await site.infused(a, new Date(Date.now() - HOUR));
      const [{ version: v0 }] = await stack.query<{ version: number }>('SELECT version FROM patients WHERE id = $1', [id]);

      // 40 plain events and 10 carrying If-Match with the version before the burst, alternating
      // between the two processes, all at once.
      const requests = Array.from({ length: 50 }, (_, i) => ({ i, api: i % 2 ? b : a, ifMatch: i >= 40 }));
      const answers = await Promise.all(requests.map((r) => site.labResult(r.api, id, r.i, r.ifMatch ? { 'If-Match': String(v0) } : {})));

      const statuses = answers.map((x) => x.status);
      expect(statuses.filter((s) => s !== 200 && s !== 409)).toEqual([]);
      // With the row lock, racing events without If-Match are applied one after the other.
      expect(answers.slice(0, 40).map((x) => x.status)).toEqual(Array(40).fill(200));
      const conditional = answers.slice(40);
      expect(conditional.filter((x) => x.status === 200).length).toBeLessThanOrEqual(1);
      for (const x of conditional.filter((x) => x.status === 409)) expect(x.body).toMatchObject({ error: 'version_conflict' });
      const ok = answers.filter((x) => x.status === 200);
      note(`two APIs: ${ok.length} × 200, ${answers.length - ok.length} × 409 (If-Match), slowest answer ${Math.max(...answers.map((x) => x.ms))} ms`);
      const seqs = ok.map((x) => x.body.seq as number);
      expect(new Set(seqs).size).toBe(seqs.length);

      const log = await expectWholeLog(stack, a, id);
      const [{ version }] = await stack.query<{ version: number }>('SELECT version FROM patients WHERE id = $1', [id]);
      expect(version).toBe(v0 + ok.length);
      expect(version).toBe(1 + (log.length - 1));
      expect(
        log
          .filter((e) => e.type === 'LAB_RESULT_RECORDED')
          .map((e) => e.seq)
          .sort((x, y) => x - y),
      ).toEqual([...seqs].sort((x, y) => x - y));
      const patient = await call(b.url!, 'GET', `/patients/${id}`, site.coordinator);
      expect(patient.body.record.labResultCount).toBe(ok.length);
    });
  }, 120_000);

  it('writes nothing partial when PostgreSQL drops the connections mid-transaction, and recovers', async () => {
    await withStack('db-dropped', {}, async (stack) => {
      const api = await stack.startApi();
      const site = await Site.open(stack, api);
      const patients = await inBatches([0, 1, 2], 3, () => site.infused(api, new Date(Date.now() - HOUR)));
      const [{ datname }] = await stack.query<{ datname: string }>('SELECT current_database() AS datname');

      // 90 events in flight (30 per patient, each with its own Idempotency-Key, all queued on the
      // patients' row locks and the pool), while every backend of the API is terminated, 4 times.
      const at = new Date(Date.now() - 60_000).toISOString();
      const requests = Array.from({ length: 90 }, (_, i) => ({ i, patientId: patients[i % 3], key: `fault-${i}` }));
      const inFlight = Promise.all(requests.map((r) => site.labResult(api, r.patientId, r.i, { 'Idempotency-Key': r.key }, at)));
      let terminated = 0;
      for (let round = 0; round < 4; round++) {
        await sleep(round === 0 ? 150 : 120);
        const rows = await stack.query<{ ok: boolean }>('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [datname]);
        terminated += rows.filter((r) => r.ok).length;
      }
      const answers = await inFlight;
      expect(terminated).toBeGreaterThan(0);

      // No hang, and every answer is either a success or a clean 5xx in the API's error shape.
      expect(answers.filter((x) => x.status === 0)).toEqual([]);
      const failed = requests.filter((_, i) => answers[i].status !== 200);
      for (const r of failed) {
        const x = answers[r.i];
        expect({ key: r.key, status: x.status, body: x.body }).toEqual({
          key: r.key,
          status: 500,
          body: expect.objectContaining({ error: 'internal', message: expect.any(String) }),
        });
      }
      // The fault really hit transactions in flight.
      expect(failed.length).toBeGreaterThan(0);

      // No 2xx without its event in the log.
      for (const r of requests.filter((_, i) => answers[i].status === 200)) {
        const [entry] = await stack.query<LogRow>('SELECT * FROM patient_events WHERE patient_id = $1 AND seq = $2', [r.patientId, answers[r.i].body.seq]);
        expect({ key: r.key, entry: entry && { type: entry.type, key: entry.idempotency_key } }).toEqual({
          key: r.key,
          entry: { type: 'LAB_RESULT_RECORDED', key: r.key },
        });
      }
      // No partial write: each log is whole, every version bump has its entry and vice versa.
      for (const id of patients) await expectWholeLog(stack, api, id);

      // The pool reconnects: health is back, and a retry of each failed request (same key, same
      // body) succeeds; the log then holds each key exactly once.
      // A 500 whose COMMIT had reached the server before the connection died (the client cannot
      // tell): its event is in the log, and the retry with the same key replays it.
      const writtenThoughFailed = (
        await stack.query<{ key: string }>('SELECT idempotency_key AS key FROM patient_events WHERE idempotency_key = ANY($1)', [failed.map((r) => r.key)])
      ).length;
      await eventually(async () => (await fetch(`${api.url}/health`)).status === 200, 10_000, 'the API to be healthy again');
      let replayed = 0;
      for (const r of failed) {
        const retry = await site.labResult(api, r.patientId, r.i, { 'Idempotency-Key': r.key }, at);
        expect({ key: r.key, status: retry.status }).toEqual({ key: r.key, status: 200 });
        if (retry.headers['idempotent-replayed'] === 'true') replayed += 1;
      }
      expect(replayed).toBe(writtenThoughFailed);
      note(
        `database dropped: ${terminated} backends terminated, ${answers.length - failed.length} × 200, ${failed.length} × 500 ` +
          `(${writtenThoughFailed} of them committed anyway), slowest answer ${Math.max(...answers.map((x) => x.ms))} ms; every retry 200 (${replayed} replays)`,
      );
      for (const id of patients) {
        const log = await expectWholeLog(stack, api, id);
        const keys = log.filter((e) => e.type === 'LAB_RESULT_RECORDED').map((e) => e.idempotency_key);
        expect(keys.sort()).toEqual(
          requests
            .filter((r) => r.patientId === id)
            .map((r) => r.key)
            .sort(),
        );
      }
      expect(api.isRunning()).toBe(true);
    });
  }, 120_000);

  it('restores the jobs of pending timers after every key of its prefix is deleted from Redis, and fires them once', async () => {
    await withStack('redis-wiped', {}, async (stack) => {
      const api = await stack.startApi();
      await stack.startWorker();
      const site = await Site.open(stack, api);
      // Infused 28 days less 10 s ago: the visit timers up to D28's reminder are past due and fire
      // at once; the DLT window closes 10 s from now, its job waiting as delayed in Redis.
      const infusedAt = new Date(Date.now() - 28 * DAY + 10_000);
      const id = await site.infused(api, infusedAt);
      const dltDue = new Date(infusedAt.getTime() + 28 * DAY).toISOString();
      await eventually(async () => (await pendingDue(stack, new Date().toISOString())) === 0, 15_000, 'the past-due timers to fire');
      const dlt = (await timersOf(stack, id)).find((t) => t.send_id === 'dlt-window')!;
      expect([dlt.status, dlt.due_at]).toEqual(['pending', dltDue]);
      const delayed = async () => (await stack.queue('timers').getDelayed()).map((j) => j.id);
      expect(await delayed()).toContain(`timer-${dlt.id}`);

      // The fault: every key of the prefix is gone (jobs, the reconciler's scheduler, the worker's
      // markers), as after a restart of a Redis that keeps nothing on disk.
      const reconcilerScheduler = () => stack.queue('maintenance').getJobScheduler('reconciler');
      expect(await reconcilerScheduler()).toBeTruthy();
      const wiped = await stack.wipeRedis();
      const wipedAt = Date.now();
      expect(wiped).toBeGreaterThan(0);
      expect(await delayed()).not.toContain(`timer-${dlt.id}`);
      expect(await reconcilerScheduler()).toBeFalsy();

      // The worker re-asserts its scheduler every RECONCILE_EVERY_MS (1 s); the reconciler then
      // re-enqueues the pending timer, which fires at its time.
      await eventually(async () => (await delayed()).includes(`timer-${dlt.id}`), 10_000, 'the reconciler to re-enqueue the DLT timer');
      expect(await reconcilerScheduler()).toBeTruthy();
      note(`redis wiped: ${wiped} keys deleted, the DLT timer's job back ${Date.now() - wipedAt} ms later`);
      expect((await timersOf(stack, id)).find((t) => t.send_id === 'dlt-window')!.status).toBe('pending');
      await eventually(async () => (await timersOf(stack, id)).find((t) => t.send_id === 'dlt-window')!.status === 'fired', 30_000, 'the restored DLT timer to fire');
      await sleep(2500); // several reconciler rounds: none may fire it again
      await expectWholeLog(stack, api, id);
      const { scheduled } = await expectDueTimersFiredOnce(stack, id, new Date().toISOString());
      expect(scheduled.at(-1)).toBe('DLT_WINDOW_CLOSED');
      const [state] = await stack.query<{ state: string }>('SELECT state FROM patients WHERE id = $1', [id]);
      expect(state.state).toBe('responseAssessment');
      // The notifications written with the fired events (after the wipe too) are relayed.
      await eventually(
        async () => Number((await stack.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE status = 'pending'"))[0].n) === 0,
        10_000,
        'the outbox to be relayed',
      );
    });
  }, 120_000);

  it("makes a timer's job that runs early wait, the same job, and fires the timer once, on time", async () => {
    // The reconciler runs only at the worker's start here: what brings the timer back is its own job.
    await withStack('early-job', { env: { RECONCILE_EVERY_MS: '600000' } }, async (stack) => {
      const api = await stack.startApi();
      await stack.startWorker();
      const site = await Site.open(stack, api);
      const infusedAt = new Date(Date.now() - 28 * DAY + 8_000);
      const id = await site.infused(api, infusedAt);
      await eventually(async () => (await pendingDue(stack, new Date().toISOString())) === 0, 15_000, 'the past-due timers to fire');
      const dlt = (await timersOf(stack, id)).find((t) => t.send_id === 'dlt-window')!;
      const job = await stack.queue('timers').getJob(`timer-${dlt.id}`);
      expect(job && (await job.isDelayed())).toBe(true);
      const logBefore = await stack.query<{ n: string }>('SELECT count(*) AS n FROM patient_events WHERE patient_id = $1', [id]);

      // The fault: the DLT timer's job runs now, seconds before the timer is due (promoted, as a forged job would be).
      await job!.promote();
      await eventually(async () => (await stack.queue('timers').getJob(`timer-${dlt.id}`))?.isDelayed() ?? false, 5_000, 'the early job to wait again');
      const waiting = (await stack.queue('timers').getJob(`timer-${dlt.id}`))!;
      expect(waiting.timestamp).toBe(job!.timestamp); // the same job, not a new one
      expect(waiting.attemptsStarted).toBeGreaterThan(job!.attemptsStarted);
      // Nothing was written: the timer pending, the log as it was.
      expect((await timersOf(stack, id)).find((t) => t.send_id === 'dlt-window')!.status).toBe('pending');
      expect(await stack.query('SELECT count(*) AS n FROM patient_events WHERE patient_id = $1', [id])).toEqual(logBefore);

      await eventually(async () => (await timersOf(stack, id)).find((t) => t.send_id === 'dlt-window')!.status === 'fired', 20_000, 'the DLT timer to fire when due');
      const [closed] = await stack.query<{ occurred_at: string; recorded_at: string }>(
        "SELECT occurred_at, recorded_at FROM patient_events WHERE patient_id = $1 AND type = 'DLT_WINDOW_CLOSED'",
        [id],
      );
      expect(closed.occurred_at).toBe(dlt.due_at);
      // Fired when due, not when the job first ran.
      expect(Date.parse(closed.recorded_at)).toBeGreaterThanOrEqual(Date.parse(dlt.due_at) - 1_000);
      await expectWholeLog(stack, api, id);
      await expectDueTimersFiredOnce(stack, id, new Date().toISOString());
    });
  }, 120_000);

  it('fires once, in the order they fell due, the timers a forward clock jump makes due', async () => {
    const clock = clockControl();
    try {
      await withStack('clock-jump', { nodeArgs: clock.nodeArgs, env: clock.env }, async (stack) => {
        const api = await stack.startApi();
        await stack.startWorker();
        const site = await Site.open(stack, api);
        const patients = await inBatches([0, 1, 2], 3, () => site.infused(api, new Date(Date.now() - 60_000)));
        // Every timer pending, bar the custody watches the walk cancelled.
        const scheduledTimers = (await timersOf(stack, patients[0])).filter((t) => t.status === 'pending').length;
        for (const id of patients) {
          const timers = await timersOf(stack, id);
          expect(timers.filter((t) => t.status === 'pending').length).toBeGreaterThan(20);
          expect(await settledUnfired(stack, id)).toEqual(CANCELLED_BY_THE_WALK);
          expect(timers.filter((t) => t.status === 'fired')).toEqual([]);
        }
        // The D7 reminder (day 4) waits in Redis as a delayed job; later ones wait in the database.
        const delayedBefore = (await stack.queue('timers').getDelayed()).length;
        expect(delayedBefore).toBeGreaterThan(0);

        // The clocks of the API and the worker jump 40 days ahead, as on a host whose clock is stepped.
        const jump = 40 * DAY;
        clock.set(jump);
        const jumpedAt = Date.now();
        const jumpedNow = () => new Date(Date.now() + jump).toISOString();
        await eventually(async () => (await pendingDue(stack, jumpedNow())) === 0, 30_000, 'the timers made due by the jump to fire', 250);
        note(`clock jump: ${delayedBefore} delayed jobs before the jump, every timer due by the new clock fired ${Date.now() - jumpedAt} ms after it`);
        await sleep(2500);

        const now = jumpedNow();
        for (const id of patients) {
          await expectWholeLog(stack, api, id);
          const { scheduled, due } = await expectDueTimersFiredOnce(stack, id, now);
          // Day 40: D7, D14 and D28 reminded and missed, the DLT window closed, in that order.
          expect(scheduled).toEqual(expect.arrayContaining(['VISIT_REMINDER D7', 'VISIT_MISSED D14', 'DLT_WINDOW_CLOSED', 'VISIT_MISSED D28']));
          expect(scheduled.indexOf('DLT_WINDOW_CLOSED')).toBeLessThan(scheduled.indexOf('VISIT_MISSED D28'));
          // The timers not yet due by the jumped clock (M2 onwards) are still pending.
          expect((await timersOf(stack, id)).filter((t) => t.status === 'pending')).toHaveLength(scheduledTimers - due);
        }
      });
    } finally {
      clock.remove();
    }
  }, 120_000);

  // The outage started in beforeAll and has been running while the tests above ran.
  it('lets a timer job use up its retries while PostgreSQL refuses connections, firing and writing nothing', async () => {
    const o = await outage!;
    expect(o.pendingWhenDown).toBe(true);
    expect(o.failedJob).toMatchObject({ attemptsMade: 8 });
    expect(o.failedJob.failedReason).toMatch(/not currently accepting connections/);
    expect(o.timerStatusWhenFailed).toBe('pending');
    expect(o.logLengthWhenFailed).toBe(o.logLengthBefore);
  }, 180_000);

  // Regression test. Before e6db6a2 a job that had failed for good kept its job id (removeOnFail
  // keeps it), so the reconciler's re-add under that id was a no-op and the timer stayed pending
  // for good after the outage; this fault showed it.
  it('fires, once, the timer whose job failed during the outage, once the database is back; the API answers again', async () => {
    const o = await outage!;
    try {
      await eventually(
        async () => (await timersOf(o.stack, o.patientId)).find((t) => t.id === o.timerId)!.status === 'fired',
        15_000,
        'the reconciler to retry the failed job of the pending timer',
      );
      note(`database back: the timer whose job had failed fired ${Date.now() - o.restoredAt} ms after the database accepted connections again`);
      await eventually(async () => (await fetch(`${o.api.url}/health`)).status === 200, 15_000, 'the API to be healthy again');
      expect((await o.site.labResult(o.api, o.patientId, 1)).status).toBe(200);
      await sleep(2000); // two more reconciler rounds: none may fire it again
      await expectWholeLog(o.stack, o.api, o.patientId);
      const { scheduled } = await expectDueTimersFiredOnce(o.stack, o.patientId, new Date().toISOString());
      expect(scheduled.filter((n) => n === 'DLT_WINDOW_CLOSED')).toHaveLength(1);
    } finally {
      await o.stack.stop();
    }
  }, 60_000);
});
