import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '#domain';
import { sleep, Site, ServiceStack } from '#testing';
import { historyLatency, type HistoryResult } from './history';
import { lastSeqSum, logGrowthProblem, withLogGrowth } from './log-growth';
import { PgBench } from './pgbench';
import { Progress } from './progress';
import { redisFill, type RedisBoundResult, seedLongSchedules } from './redis-bound';
import { markdownTable, type Row, spread, textTable } from './report';
import { clonePatients } from './seed';
import { mllpBurst, type MllpBurstResult, mllpBurstProblems } from './mllp';
import { loadEvents, type LoadResult, RssSampler } from './throughput';
import { EARLY_SLACK_MS, timerFiring, type TimerResult } from './timers';
import { runReadSide } from './read-side';

/** How big each part of a run is: the full benchmark, or the smoke version `npm test` runs. */
export interface Sizes {
  patients: number;
  clients: number[];
  seconds: number;
  warmupSeconds: number;
  historyEvents: number;
  historySamples: number;
  timers: number;
  timerLeadMs: number;
  timerSpreadMs: number;
  redisPatients: number;
  /** The lab's burst over MLLP: messages, and the connections they share (compared with the engine at as many clients). */
  mllpMessages: number;
  mllpConnections: number;
  mllpResend: number;
}

export const FULL: Sizes = {
  patients: 2000,
  clients: [1, 4, 16, 64],
  seconds: 10,
  warmupSeconds: 5,
  historyEvents: 10_000,
  historySamples: 300,
  timers: 10_000,
  timerLeadMs: 10_000,
  timerSpreadMs: 60_000,
  redisPatients: 100_000,
  mllpMessages: 10_000,
  mllpConnections: 16,
  mllpResend: 1_000,
};

export const SMOKE: Sizes = {
  patients: 40,
  clients: [1, 4],
  seconds: 1,
  warmupSeconds: 1,
  historyEvents: 60,
  historySamples: 10,
  timers: 100,
  timerLeadMs: 2500,
  timerSpreadMs: 2000,
  redisPatients: 300,
  mllpMessages: 200,
  mllpConnections: 4,
  mllpResend: 20,
};

/** The worker's TIMER_HORIZON_DAYS: the stack is started with it, and the Redis measure checks against it. */
const HORIZON_DAYS = 7;
/** The id prefixes of each scenario's copied patients (ids are UUIDs). */
const THROUGHPUT_IDS = '70000000';
const HOUR = 3_600_000;

export interface RunResult {
  /** `logged`: how much the throughput patients' logs grew during the load (log-growth.ts). */
  load: Array<LoadResult & { pgbenchTps: number; ratio: number; logged: number }>;
  rss: { peakMiB: number; afterMiB: number };
  mllp: MllpBurstResult;
  history: HistoryResult;
  timers: TimerResult;
}

export interface BenchResult {
  date: string;
  machine: Record<string, string | number>;
  sizes: Sizes;
  /** The loads before the measures: the long patient's history, and the warm-up. */
  preparation: Preparation[];
  runs: RunResult[];
  redis: RedisBoundResult[];
  rows: Row[];
  /** What a correct engine never does, whatever its speed: a failed or unlogged request, a lost, doubled or early timer, a job beyond the horizon. */
  violations: string[];
}

export interface Preparation {
  what: string;
  load: LoadResult;
  /** How much the loaded patients' logs grew. */
  logged: number;
}

/**
 * The whole benchmark on a PostgreSQL database and Redis prefix of its own, against the API and
 * worker as separate processes from the compiled code. Each measure is taken `runs` times; the
 * table gives the median and the range.
 */
export async function runBench(options: {
  sizes: Sizes;
  runs: number;
  progress: Progress;
  nodeArgs?: string[];
  loadOnly?: boolean;
  /** `--minimal`: the load asks for the small answer to each event (`Prefer: return=minimal`). */
  minimal?: boolean;
}): Promise<BenchResult> {
  const { sizes, progress } = options;
  const stack = await ServiceStack.create('bench', {
    prefix: 'bench',
    nodeArgs: options.nodeArgs,
    env: {
      TIMER_HORIZON_DAYS: String(HORIZON_DAYS),
      // The copied patients have a head but no log of their own (seed.ts): a checkpoint would hold each
      // of them back as broken. Checkpoints run beside the event path, not on it.
      CHECKPOINT_EVERY_MS: '0',
      // Settings a run may try without a code change.
      ...Object.fromEntries(['DB_POOL_SIZE', 'TIMER_CONCURRENCY'].filter((k) => process.env[k]).map((k) => [k, process.env[k]!])),
    },
  });
  try {
    const api = await stack.startApi('api');
    const mllpPort = await freePort();
    const siteId = 'site-b';
    // The lab's MLLP listener runs in the worker, for the bench's site.
    await stack.startWorker(undefined, true, { HL7_MLLP_PORT: String(mllpPort), HL7_MLLP_SITES: siteId });
    const site = await Site.open(stack, api, siteId);
    const url = api.url!;
    const token = site.coordinator;

    let phase = progress.phase('seed patients through the API', 4, 'patients');
    const infusedAt = new Date(Date.now() - HOUR);
    const throughputTemplate = await site.infused(api, infusedAt);
    phase.update(1);
    const timerTemplate = await site.infused(api, infusedAt);
    phase.update(2);
    const short = await site.infused(api, infusedAt);
    phase.update(3);
    const long = await site.infused(api, infusedAt);
    phase.done('4 patients walked to Day 0 (10 events each)');
    const patients = await clonePatients(stack, throughputTemplate, THROUGHPUT_IDS, sizes.patients);
    const pgbench = await PgBench.prepare(stack, THROUGHPUT_IDS);
    const throughputLogs = `${THROUGHPUT_IDS}%`;

    const preparation: Preparation[] = [];
    const prepare = async (what: string, seconds: number, idPattern: string, load: () => Promise<LoadResult>) => {
      const { logged, ...result } = await progress.timed(
        what,
        seconds,
        () => withLogGrowth(stack, idPattern, load),
        (r) => `${r.ok} events${failed(r)}`,
      );
      preparation.push({ what, load: result, logged });
    };
    const longEvents = sizes.historyEvents - (await lastSeqSum(stack, long));
    await prepare(`history: ${longEvents} events on one patient`, longEvents / 400, long, () =>
      loadEvents({ url, token, patients: [long], clients: 4, seconds: 0, amount: longEvents }),
    );
    await prepare('warm-up', sizes.warmupSeconds, throughputLogs, () => loadEvents({ url, token, patients, clients: 16, seconds: sizes.warmupSeconds, minimal: options.minimal }));

    const runs: RunResult[] = [];
    const rss = new RssSampler(api.pid);
    for (let run = 1; run <= options.runs; run++) {
      const load: RunResult['load'] = [];
      rss.start();
      for (const clients of sizes.clients) {
        const engine = await progress.timed(
          `run ${run}: engine, ${clients} clients`,
          sizes.seconds,
          () => withLogGrowth(stack, throughputLogs, () => loadEvents({ url, token, patients, clients, seconds: sizes.seconds, minimal: options.minimal })),
          (r) => `${Math.round(r.eventsPerSecond)} events/s, p99 ${r.latencyMs.p99.toFixed(1)} ms, ${r.answerBytes} B per answer${failed(r)}`,
        );
        const db = await progress.timed(
          `run ${run}: pgbench, ${clients} clients`,
          sizes.seconds,
          () => pgbench.measure(clients, sizes.seconds),
          (r) => `${Math.round(r.tps)} tps`,
        );
        load.push({ ...engine, pgbenchTps: db.tps, ratio: engine.eventsPerSecond / db.tps });
      }
      phase = progress.phase(`run ${run}: MLLP burst, ${sizes.mllpConnections} connections`, sizes.mllpMessages, 'messages');
      const mllp = await mllpBurst({
        stack,
        port: mllpPort,
        siteId,
        subjects: patients.map((_, i) => `${THROUGHPUT_IDS}-S${i + 1}`),
        idPattern: throughputLogs,
        messages: sizes.mllpMessages,
        connections: sizes.mllpConnections,
        resend: sizes.mllpResend,
        tag: `BENCH${run}-${Date.now()}`,
        phase,
      });
      phase.done(
        `${Math.round(mllp.messagesPerSecond)} messages/s, p99 ${mllp.latencyMs.p99.toFixed(1)} ms; ACKs ${JSON.stringify(mllp.acks)}, duplicates ${JSON.stringify(mllp.resentAcks)}`,
      );
      const { peakMiB } = rss.stop();
      if (options.loadOnly) {
        runs.push({ load, mllp, rss: { peakMiB, afterMiB: rss.now() } } as RunResult);
        continue;
      }
      await sleep(3000);
      const afterMiB = rss.now();

      phase = progress.phase(`run ${run}: history`, sizes.historySamples, 'samples');
      const history = await historyLatency({
        url,
        token,
        short: { id: short, events: await lastSeqSum(stack, short) },
        long: { id: long, events: await lastSeqSum(stack, long) },
        samples: sizes.historySamples,
        onSample: (n) => phase.update(n),
      });
      phase.done(`p50 ${history.shortMs.p50.toFixed(2)} ms (short) vs ${history.longMs.p50.toFixed(2)} ms (long)`);

      phase = progress.phase(`run ${run}: timers`, sizes.timers, 'fired');
      const timers = await timerFiring({
        stack,
        templateId: timerTemplate,
        idPrefix: `7100000${run}`,
        count: sizes.timers,
        leadMs: sizes.timerLeadMs,
        spreadMs: sizes.timerSpreadMs,
        phase,
      });
      phase.done(`${timers.fired} fired, lateness p99 ${timers.latenessMs.p99.toFixed(0)} ms`);
      runs.push({ load, mllp, rss: { peakMiB, afterMiB }, history, timers });
    }
    pgbench.close();
    if (options.loadOnly) return loadOnlyResult(await machine(stack), sizes, preparation, runs);

    phase = progress.phase('redis: seed 24-month schedules', 1, '');
    const redisTemplate = await site.infused(api, infusedAt, 'NCT04546906');
    const seed = await seedLongSchedules(stack, redisTemplate, '72000000', sizes.redisPatients);
    phase.done(`${seed.patients} patients, ${seed.pendingTimers} pending timers`);
    const redis: RedisBoundResult[] = [];
    for (let run = 1; run <= options.runs; run++) {
      phase = progress.phase(`run ${run}: redis fill`, seed.pendingTimers, 'jobs');
      const fill = await redisFill({ stack, seed, horizonDays: HORIZON_DAYS, phase });
      phase.done(`${fill.jobs} jobs of ${fill.pendingTimers} timers, ${fill.redisMiB.toFixed(1)} MiB`);
      redis.push(fill);
    }

    return {
      date: new Date().toISOString(),
      machine: await machine(stack),
      sizes,
      preparation,
      runs,
      redis,
      rows: rows(sizes, runs, redis),
      violations: violations(preparation, runs, redis),
    };
  } finally {
    await stack.stop();
  }
}

/** `--load-only`: the throughput levels alone, for trying a change to the event path quickly. */
function loadOnlyResult(machine: BenchResult['machine'], sizes: Sizes, preparation: Preparation[], runs: RunResult[]): BenchResult {
  const all = rows(sizes, runs, []);
  return {
    date: new Date().toISOString(),
    machine,
    sizes,
    preparation,
    runs,
    redis: [],
    rows: all.filter((r) => !/^(API RSS|apply|long|timer|Redis)/.test(r.metric)),
    violations: violations(preparation, runs, []),
  };
}

/** The answers other than 200 of a load, for the progress line. */
const failed = (r: LoadResult) => (Object.keys(r.failures).length ? `; NOT 200: ${JSON.stringify(r.failures)}` : '');

function rows(sizes: Sizes, runs: RunResult[], redis: RedisBoundResult[]): Row[] {
  const at = (clients: number) => runs.map((r) => r.load.find((l) => l.clients === clients)!);
  const out: Row[] = [];
  const target16 = sizes.clients.includes(16);
  for (const clients of sizes.clients) {
    const load = at(clients);
    const label = `${clients} client${clients > 1 ? 's' : ''}`;
    out.push({ metric: `${label}: engine events/s`, value: spread(load.map((l) => l.eventsPerSecond)), unit: '/s' });
    out.push({ metric: `${label}: pgbench TPS (same transaction)`, value: spread(load.map((l) => l.pgbenchTps)), unit: '/s' });
    const ratio = spread(load.map((l) => l.ratio));
    out.push({ metric: `${label}: engine / pgbench`, value: ratio, unit: '', ...(clients === 16 && target16 ? { target: { text: '≥ 0.5', met: ratio.median >= 0.5 } } : {}) });
    out.push({ metric: `${label}: latency p50`, value: spread(load.map((l) => l.latencyMs.p50)), unit: 'ms' });
    out.push({ metric: `${label}: latency p95`, value: spread(load.map((l) => l.latencyMs.p95)), unit: 'ms' });
    const p99 = spread(load.map((l) => l.latencyMs.p99));
    out.push({ metric: `${label}: latency p99`, value: p99, unit: 'ms', ...(clients === 16 && target16 ? { target: { text: '≤ 25 ms', met: p99.median <= 25 } } : {}) });
  }
  const bursts = runs.map((r) => r.mllp);
  const peers = at(sizes.mllpConnections);
  const label = `MLLP burst of ${sizes.mllpMessages.toLocaleString('en-US')} ORU^R01, ${sizes.mllpConnections} connections`;
  out.push({ metric: `${label}: messages/s`, value: spread(bursts.map((b) => b.messagesPerSecond)), unit: '/s' });
  if (peers.every(Boolean)) {
    const ratio = spread(bursts.map((b, i) => b.messagesPerSecond / peers[i].eventsPerSecond));
    out.push({ metric: `${label}: / engine events/s at ${sizes.mllpConnections} clients`, value: ratio, unit: '', target: { text: '≥ 0.5', met: ratio.median >= 0.5 } });
  }
  out.push({ metric: `${label}: ACK latency p50`, value: spread(bursts.map((b) => b.latencyMs.p50)), unit: 'ms' });
  out.push({ metric: `${label}: ACK latency p99`, value: spread(bursts.map((b) => b.latencyMs.p99)), unit: 'ms' });
  out.push({
    metric: `${label}: lost / doubled (with ${sizes.mllpResend.toLocaleString('en-US')} sent again)`,
    value: spread(bursts.map((b) => Math.abs(b.messages - b.logged) + Math.abs(b.messages - b.recorded) + b.resentLogged)),
    unit: '',
    target: { text: '= 0', met: bursts.every((b) => mllpBurstProblems(b).length === 0) },
  });
  out.push({ metric: 'API RSS under load (peak)', value: spread(runs.map((r) => r.rss.peakMiB)), unit: 'MiB' });
  out.push({ metric: 'API RSS 3 s after each run', value: spread(runs.map((r) => r.rss.afterMiB)), unit: 'MiB' });
  out.push({ metric: 'API RSS growth, first to last run', value: spread([runs[runs.length - 1].rss.afterMiB - runs[0].rss.afterMiB]), unit: 'MiB' });
  if (!runs[0].history) return out;
  const h = runs.map((r) => r.history);
  out.push({ metric: `apply p50, patient with ${h[0].shortEvents} events`, value: spread(h.map((x) => x.shortMs.p50)), unit: 'ms' });
  out.push({ metric: `apply p50, patient with ${h[0].longEvents.toLocaleString('en-US')} events`, value: spread(h.map((x) => x.longMs.p50)), unit: 'ms' });
  const ratio = spread(h.map((x) => x.ratio));
  out.push({ metric: 'long / short history', value: ratio, unit: '', target: { text: '≤ 1.10', met: ratio.median <= 1.1 } });
  const t = runs.map((r) => r.timers);
  out.push({ metric: `timers fired (of ${t[0].timers.toLocaleString('en-US')} due within ${sizes.timerSpreadMs / 1000} s)`, value: spread(t.map((x) => x.fired)), unit: '' });
  out.push({ metric: 'timer lateness p50', value: spread(t.map((x) => x.latenessMs.p50)), unit: 'ms' });
  const late = spread(t.map((x) => x.latenessMs.p99));
  out.push({ metric: 'timer lateness p99', value: late, unit: 'ms', target: { text: '≤ 250 ms', met: late.median <= 250 } });
  out.push({ metric: 'timer lateness max', value: spread(t.map((x) => x.latenessMs.max)), unit: 'ms' });
  out.push({ metric: 'timers fired per second (busiest second)', value: spread(t.map((x) => x.peakPerSecond)), unit: '/s' });
  out.push({
    metric: 'timers lost / fired twice',
    value: spread(t.map((x) => x.lost + x.firedTwice)),
    unit: '',
    target: { text: '= 0', met: t.every((x) => x.lost + x.firedTwice === 0) },
  });
  out.push({ metric: `Redis: pending timers of ${redis[0].patients.toLocaleString('en-US')} patients`, value: spread(redis.map((r) => r.pendingTimers)), unit: '' });
  out.push({ metric: `Redis: timers due within ${HORIZON_DAYS} days`, value: spread(redis.map((r) => r.withinHorizon)), unit: '' });
  out.push({ metric: 'Redis: timer jobs', value: spread(redis.map((r) => r.jobs)), unit: '' });
  out.push({
    metric: 'Redis: jobs beyond the horizon',
    value: spread(redis.map((r) => r.beyondHorizon)),
    unit: '',
    target: { text: '= 0', met: redis.every((r) => r.beyondHorizon === 0) },
  });
  out.push({ metric: 'Redis: memory of the timer jobs', value: spread(redis.map((r) => r.redisMiB)), unit: 'MiB' });
  out.push({ metric: 'Redis: bytes per job', value: spread(redis.map((r) => r.bytesPerJob)), unit: 'B' });
  out.push({ metric: 'Redis: reconciler fill time', value: spread(redis.map((r) => r.fillSeconds)), unit: 's' });
  return out;
}

function violations(preparation: Preparation[], runs: RunResult[], redis: RedisBoundResult[]): string[] {
  const found: string[] = [];
  const load = (what: string, l: LoadResult, logged: number) => {
    if (Object.keys(l.failures).length) found.push(`${what}: answers other than 200: ${JSON.stringify(l.failures)}`);
    const problem = logGrowthProblem(l, logged);
    if (problem) found.push(`${what}: ${problem}`);
  };
  for (const p of preparation) load(p.what, p.load, p.logged);
  runs.forEach((r, i) => {
    for (const l of r.load) load(`run ${i + 1}, ${l.clients} clients`, l, l.logged);
    for (const problem of mllpBurstProblems(r.mllp)) found.push(`run ${i + 1}, MLLP burst: ${problem}`);
    if (!r.timers) return;
    if (r.timers.lost) found.push(`run ${i + 1}: ${r.timers.lost} timers never fired`);
    if (r.timers.firedTwice) found.push(`run ${i + 1}: ${r.timers.firedTwice} timers fired more than once`);
    if (r.timers.skipped) found.push(`run ${i + 1}: ${r.timers.skipped} timers skipped`);
    if (r.timers.early) found.push(`run ${i + 1}: ${r.timers.early} timers fired more than ${EARLY_SLACK_MS} ms before they were due`);
  });
  redis.forEach((r, i) => {
    if (r.beyondHorizon) found.push(`redis run ${i + 1}: ${r.beyondHorizon} jobs due beyond the horizon`);
    if (r.jobs < r.withinHorizon) found.push(`redis run ${i + 1}: ${r.withinHorizon - r.jobs} timers within the horizon not enqueued`);
  });
  return found;
}

async function machine(stack: ServiceStack): Promise<Record<string, string | number>> {
  const [{ server_version: version }] = await stack.query<{ server_version: string }>('SHOW server_version');
  const redis = (await stack.redis.info('server')).match(/^redis_version:(\S+)/m)?.[1] ?? '?';
  return { cpu: cpus()[0]?.model ?? '?', cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, postgres: version, redis };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean', default: false },
      runs: { type: 'string' },
      out: { type: 'string', default: 'bench/results' },
      profile: { type: 'boolean', default: false },
      'load-only': { type: 'boolean', default: false },
      minimal: { type: 'boolean', default: false },
      clients: { type: 'string' },
      seconds: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      'read-side': { type: 'boolean', default: false },
      'read-patients': { type: 'string', default: '2000' },
      walked: { type: 'string', default: '200' },
      sites: { type: 'string', default: '10' },
      calls: { type: 'string', default: '20' },
    },
  });
  if (values['read-side']) {
    const out = resolve(values.out!);
    mkdirSync(out, { recursive: true });
    const runs = Number(values.runs ?? 3);
    const result = await runReadSide({
      patients: Number(values['read-patients']),
      walked: Number(values.walked),
      sites: Number(values.sites),
      calls: Number(values.calls),
      runs,
      progress: new Progress(values.quiet),
    });
    writeFileSync(join(out, `read-side-${result.date.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\n${result.patients} patients (${result.walked} walked), ${result.events} entries, seeded in ${result.seedSeconds.toFixed(0)} s; ${runs} run(s)\n`);
    console.log(textTable(result.rows));
    if (Object.keys(result.refused).length) console.log(`\nSteps refused while walking: ${JSON.stringify(result.refused, null, 2)}`);
    return;
  }
  const sizes = { ...(values.smoke ? SMOKE : FULL) };
  if (values.clients) sizes.clients = values.clients.split(',').map(Number);
  if (values.seconds) sizes.seconds = Number(values.seconds);
  const runs = Number(values.runs ?? (values.smoke ? 1 : 3));
  const out = resolve(values.out!);
  mkdirSync(out, { recursive: true });
  const nodeArgs = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(out, 'profiles')}`] : [];
  const result = await runBench({ sizes, runs, progress: new Progress(values.quiet), nodeArgs, loadOnly: values['load-only'], minimal: values.minimal });
  const stamp = result.date.replace(/[:.]/g, '-');
  writeFileSync(join(out, `bench-${stamp}.json`), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(out, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(out, 'latest.md'), `${markdownTable(result.rows)}\n`);
  const m = result.machine;
  console.log(`\n${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB; Node ${m.node}, PostgreSQL ${m.postgres}, Redis ${m.redis}; ${runs} run(s), ${result.date}\n`);
  console.log(textTable(result.rows));
  console.log(`\nJSON: ${join(out, `bench-${stamp}.json`)}`);
  if (result.violations.length) {
    console.error(`\nNot correct:\n- ${result.violations.join('\n- ')}`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
