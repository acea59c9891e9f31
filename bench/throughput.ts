import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { labResultEvent } from '#testing';
import { Latency } from './report';

export interface LoadResult {
  clients: number;
  seconds: number;
  ok: number;
  eventsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** The mean size of an answer, headers included. */
  answerBytes: number;
  /** Answers other than 200 by status, and transport errors (status 0): a correct run has none. */
  failures: Record<string, number>;
}

/**
 * `POST /patients/:id/events` at a fixed number of concurrent clients (autocannon connections, one
 * request in flight each) for `seconds`, each request a lab result for a patient drawn at random.
 * Given several API URLs, autocannon deals the connections out over them in turn (connection c to
 * URL c mod N).
 */
export async function loadEvents(options: {
  url: string | string[];
  token: string;
  patients: string[];
  clients: number;
  seconds: number;
  /** Stop after this many requests instead of after `seconds`. */
  amount?: number;
  /** Ask for the small answer (`Prefer: return=minimal`). */
  minimal?: boolean;
}): Promise<LoadResult> {
  const latency = new Latency();
  const failures: Record<string, number> = {};
  let ok = 0;
  let n = 0;
  let finish!: (result: autocannon.Result) => void;
  let fail!: (error: unknown) => void;
  const finished = new Promise<autocannon.Result>((done, failed) => {
    finish = done;
    fail = failed;
  });
  const instance = autocannon(
    {
      // The typings say one URL; autocannon takes a list (lib/run.js, ofURL).
      url: options.url as string,
      connections: options.clients,
      pipelining: 1,
      ...(options.amount ? { amount: options.amount } : { duration: options.seconds }),
      timeout: 30,
      headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json', ...(options.minimal ? { prefer: 'return=minimal' } : {}) },
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            n += 1;
            const patient = options.patients[Math.floor(Math.random() * options.patients.length)];
            return { ...request, path: `/patients/${patient}/events`, body: JSON.stringify(labResultEvent(n)) };
          },
        },
      ],
    },
    (error, result) => (error ? fail(error) : finish(result)),
  );
  instance.on('response', ((_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status === 200) {
      ok += 1;
      latency.record(ms);
    } else failures[status] = (failures[status] ?? 0) + 1;
  }) as never);
  instance.on('reqError', () => {
    failures['0'] = (failures['0'] ?? 0) + 1;
  });
  const result = await finished;
  const { count: _count, ...ms } = latency.summary();
  return {
    clients: options.clients,
    seconds: result.duration,
    ok,
    eventsPerSecond: ok / result.duration,
    latencyMs: ms,
    answerBytes: Math.round(result.throughput.total / Math.max(1, result.requests.total)),
    failures,
  };
}

/** Samples a process's resident set size (VmRSS, MiB) every `everyMs` from start() to stop(); each start begins a new peak. */
export class RssSampler {
  private timer?: NodeJS.Timeout;
  private samples: number[] = [];

  constructor(private readonly pid: number) {}

  now(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = Number(status.match(/^VmRSS:\s+(\d+)\s+kB/m)?.[1] ?? Number.NaN);
    return kb / 1024;
  }

  start(everyMs = 200): void {
    this.samples = [];
    this.timer = setInterval(() => this.samples.push(this.now()), everyMs);
  }

  stop(): { peakMiB: number } {
    clearInterval(this.timer);
    return { peakMiB: Math.max(...this.samples, this.now()) };
  }
}
