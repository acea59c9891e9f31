import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { freePort } from '#domain';
import { createTestDatabase, type DatabaseOptions } from './database';
import { eventually, sleep } from './polling';
import { deleteKeysUnder } from './redis-keys';

/**
 * The real services as separate OS processes, from the compiled code (`npm run build`), for the
 * fault-injection specs: spawn with captured output, wait until ready, stop with SIGTERM and then
 * SIGKILL. Every process spawned here is also killed when the test run exits, whatever happened.
 */

/** The project's root: the nearest folder up with a package.json (from libs/testing/src, or dist/libs/testing/src when compiled for the benchmark). */
const ROOT = (function root(dir: string): string {
  return existsSync(join(dir, 'package.json')) || dirname(dir) === dir ? dir : root(dirname(dir));
})(__dirname);
const ENTRY = {
  api: join(ROOT, 'dist/apps/api/src/main.js'),
  worker: join(ROOT, 'dist/apps/worker/src/main.js'),
} as const;
const OUTPUT_LIMIT = 200_000;

export type ServiceKind = keyof typeof ENTRY;

export interface ServiceProcess {
  readonly name: string;
  readonly kind: ServiceKind;
  readonly pid: number;
  /** The HTTP port (the API only). */
  readonly port?: number;
  readonly url?: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (at once if it already has). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
  /** Everything the process wrote to stdout and stderr (the last 200 kB). */
  output(): string;
  /** Sends a signal now (SIGKILL: the crash of a machine or an OOM kill). */
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if the process is still running after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ServiceProcess>();

// Whatever happens to the test run (a failed assertion, a timeout, a crash of Jest itself), no
// service outlives it.
process.once('exit', () => {
  for (const p of live) if (p.isRunning()) p.child.kill('SIGKILL');
});

/**
 * Compiles the services (`npm run build:server`: they do not need the console's bundle), once per
 * test file. tsc still emits JavaScript when it reports type errors; those are the typecheck's business (`npm test` runs it first), so a build
 * whose only complaints are type errors is used with a warning. Any other failure stops the file.
 */
export async function buildServices(timeoutMs = 120_000): Promise<void> {
  await new Promise<void>((done, fail) => {
    execFile('npm', ['run', 'build:server'], { cwd: ROOT, timeout: timeoutMs, maxBuffer: 10 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return done();
      const typeErrorsOnly = !error.killed && /error TS\d+/.test(stdout) && Object.values(ENTRY).every((entry) => existsSync(entry));
      if (!typeErrorsOnly) return fail(new Error(`npm run build:server failed: ${error.message}\n${stdout}\n${stderr}`));
      console.warn(
        `npm run build:server reported type errors; testing the JavaScript it emitted:\n${stdout
          .split('\n')
          .filter((l) => /error TS/.test(l))
          .join('\n')}`,
      );
      done();
    });
  });
}

/** Spawns `node dist/apps/<kind>/src/main.js` with the given environment (and node flags). */
export function spawnService(kind: ServiceKind, name: string, env: Record<string, string>, nodeArgs: string[] = [], args: string[] = []): ServiceProcess {
  const child = spawn(process.execPath, [...nodeArgs, ENTRY[kind], ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  let buffer = '';
  const append = (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    if (buffer.length > OUTPUT_LIMIT) buffer = buffer.slice(-OUTPUT_LIMIT);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      done(exitInfo);
    });
  });
  const port = env.PORT ? Number(env.PORT) : undefined;
  const proc: ServiceProcess = {
    name,
    kind,
    pid: child.pid,
    port: kind === 'api' ? port : undefined,
    url: kind === 'api' && port ? `http://127.0.0.1:${port}` : undefined,
    child,
    exited,
    isRunning: () => exitInfo === undefined,
    output: () => buffer,
    signal: (signal) => {
      if (exitInfo === undefined) child.kill(signal);
    },
    stop: async (graceMs = 5000) => {
      if (exitInfo === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      live.delete(proc);
    },
  };
  live.add(proc);
  return proc;
}

/** Polls `GET /health` until it answers 200, or fails (with the process's output) after `timeoutMs`. */
export async function waitForHealth(api: ServiceProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!api.isRunning()) throw new Error(`${api.name} exited before it was healthy:\n${api.output()}`);
    try {
      const res = await fetch(`${api.url}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(100);
  }
  throw new Error(`${api.name} not healthy after ${timeoutMs} ms (last: ${last}):\n${api.output()}`);
}

/**
 * A Node preload that shifts this process's wall clock (`Date.now()`, `new Date()`) by the number of
 * milliseconds written in `CLOCK_OFFSET_FILE`, re-read every 50 ms: a clock jump injected into a
 * running process without touching its code. Monotonic timers (`setTimeout`) are unaffected, as on
 * a real machine whose clock is stepped.
 */
const CLOCK_PRELOAD = `'use strict';
const fs = require('node:fs');
const file = process.env.CLOCK_OFFSET_FILE;
const RealDate = Date;
let offset = 0;
function read() {
  try {
    const value = Number(fs.readFileSync(file, 'utf8').trim());
    if (Number.isFinite(value)) offset = value;
  } catch {}
}
read();
setInterval(read, 50).unref();
function SkewedDate(...args) {
  if (!new.target) return new RealDate(RealDate.now() + offset).toString();
  return Reflect.construct(RealDate, args.length ? args : [RealDate.now() + offset], new.target);
}
SkewedDate.prototype = RealDate.prototype;
SkewedDate.now = () => RealDate.now() + offset;
SkewedDate.parse = RealDate.parse;
SkewedDate.UTC = RealDate.UTC;
Object.defineProperty(RealDate.prototype, 'constructor', { value: SkewedDate, writable: true, configurable: true });
globalThis.Date = SkewedDate;
`;

export interface ClockControl {
  /** Node flags that load the preload. */
  nodeArgs: string[];
  /** Environment naming the offset file. */
  env: Record<string, string>;
  /** Moves the clock of every process started with this control to real time + `offsetMs`. */
  set(offsetMs: number): void;
  remove(): void;
}

export function clockControl(): ClockControl {
  const dir = mkdtempSync(join(tmpdir(), 'cart-clock-'));
  const preload = join(dir, 'clock-skew.js');
  const file = join(dir, 'offset');
  writeFileSync(preload, CLOCK_PRELOAD);
  writeFileSync(file, '0');
  return {
    nodeArgs: ['--require', preload],
    env: { CLOCK_OFFSET_FILE: file },
    set: (offsetMs) => writeFileSync(file, String(offsetMs)),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface StackOptions {
  /** Extra environment for every process of the stack. */
  env?: Record<string, string>;
  /** Node flags for every process (e.g. a clock preload). */
  nodeArgs?: string[];
  /** The start of the Redis key prefix (a random suffix is added). */
  prefix?: string;
  /** The stack's PostgreSQL database: a copy of a template, a given name, kept after `stop()`. */
  database?: DatabaseOptions;
}

/**
 * One deployment under test: a PostgreSQL database and a Redis key prefix of its own, an admin
 * token, and the API and worker processes started on them. `stop()` kills every process, deletes
 * the prefix's keys and drops the database.
 */
export class ServiceStack {
  readonly processes: ServiceProcess[] = [];
  readonly redis: IORedis;
  readonly db: Client;
  private stopped = false;
  private queues: Array<{ queue: Queue; connection: IORedis }> = [];
  private clients: Client[] = [];

  private constructor(
    readonly name: string,
    readonly env: Record<string, string>,
    readonly databaseUrl: string,
    readonly prefix: string,
    readonly adminToken: string,
    private readonly dropDatabase: () => Promise<void>,
    private readonly options: StackOptions,
  ) {
    this.redis = new IORedis(env.REDIS_URL, { maxRetriesPerRequest: null });
    this.db = new Client({ connectionString: databaseUrl });
  }

  static async create(name: string, options: StackOptions = {}): Promise<ServiceStack> {
    const database = await createTestDatabase('postgres', options.database);
    const prefix = `${options.prefix ?? 'e2e-faults'}-${randomBytes(4).toString('hex')}`;
    const adminToken = `admin-${randomBytes(12).toString('hex')}`;
    // The stack's own DATA_DIR: its processes share one checkpoint key and file there, and no other stack's.
    const dataDir = mkdtempSync(join(tmpdir(), 'cart-stack-'));
    const env: Record<string, string> = {
      DATABASE_URL: database.env.DATABASE_URL,
      DATA_DIR: dataDir,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: prefix,
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
      RECONCILE_EVERY_MS: '1000',
      // Fault tests fire bursts from one token; the per-caller rate limit is not what they test.
      RATE_LIMIT_PER_MINUTE: '0',
      ...options.env,
    };
    const drop = async () => {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    };
    const stack = new ServiceStack(name, env, database.env.DATABASE_URL, prefix, adminToken, drop, options);
    stacks.add(stack);
    await stack.db.connect();
    // A terminated backend (the database fault) must not crash the test's own inspection client.
    stack.db.on('error', () => undefined);
    return stack;
  }

  /** Starts an API process on a free port and waits until `/health` answers 200; `args` go to the API (`--with-worker`: `npm start`'s one process). */
  async startApi(
    label = `api-${this.processes.filter((p) => p.kind === 'api').length + 1}`,
    env: Record<string, string> = {},
    nodeArgs: string[] = [],
    args: string[] = [],
  ): Promise<ServiceProcess> {
    const port = await freePort();
    const api = spawnService('api', `${this.name}/${label}`, { ...this.env, PORT: String(port), ...env }, [...(this.options.nodeArgs ?? []), ...nodeArgs], args);
    this.processes.push(api);
    await waitForHealth(api);
    return api;
  }

  /** Starts a worker process (with `env` beside the stack's); with `ready`, waits until its BullMQ workers are connected. */
  async startWorker(label = `worker-${this.processes.filter((p) => p.kind === 'worker').length + 1}`, ready = true, env: Record<string, string> = {}): Promise<ServiceProcess> {
    const before = ready ? await this.workerConnections() : 0;
    const worker = spawnService('worker', `${this.name}/${label}`, { ...this.env, ...env }, this.options.nodeArgs);
    this.processes.push(worker);
    if (ready) {
      await eventually(
        async () => {
          if (!worker.isRunning()) throw new Error(`${worker.name} exited at start:\n${worker.output()}`);
          return (await this.workerConnections()) > before;
        },
        30_000,
        `${worker.name} to connect its timer worker`,
      );
    }
    return worker;
  }

  /** How many BullMQ workers are connected to this stack's timer queue (Redis CLIENT LIST). */
  async workerConnections(): Promise<number> {
    return this.queue('timers').getWorkersCount();
  }

  /** A BullMQ queue handle on this stack's prefix, for inspection. */
  queue(name: string): Queue {
    const known = this.queues.find((q) => q.queue.name === name);
    if (known) return known.queue;
    // BullMQ does not close a connection it was given: the stack quits it after the queue.
    const connection = this.redis.duplicate({ maxRetriesPerRequest: null });
    const queue = new Queue(name, { connection, prefix: this.prefix });
    this.queues.push({ queue, connection });
    return queue;
  }

  /** Deletes every key of this stack's prefix: what a restart does to a Redis that keeps nothing on disk. */
  wipeRedis(): Promise<number> {
    return deleteKeysUnder(this.redis, this.prefix);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a row as the driver returns it, whose columns each test names
  async query<T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.db.query(sql, params)).rows as T[];
  }

  /** Another connection to this stack's database (e.g. to hold a row lock); ended by `stop()`. */
  async connect(): Promise<Client> {
    const client = new Client({ connectionString: this.databaseUrl });
    client.on('error', () => undefined);
    await client.connect();
    this.clients.push(client);
    return client;
  }

  /** Runs SQL on the maintenance database (TEST_PG_ADMIN_URL), for what cannot be done from inside this one. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a row as the driver returns it, whose columns each test names
  async adminQuery<T = Record<string, any>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const admin = new Client({ connectionString: process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test' });
    await admin.connect();
    try {
      return (await admin.query(sql, params)).rows as T[];
    } finally {
      await admin.end();
    }
  }

  /** The output of every process, for the message of a failed test. */
  diagnostics(): string {
    return this.processes.map((p) => `--- ${p.name} (pid ${p.pid}, ${p.isRunning() ? 'running' : 'exited'}) ---\n${p.output().slice(-20_000) || '(no output)'}`).join('\n');
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    stacks.delete(this);
    const errors: unknown[] = [];
    const attempt = async (work: () => Promise<unknown>) => {
      try {
        await work();
      } catch (error) {
        errors.push(error);
      }
    };
    await Promise.all(this.processes.map((p) => attempt(() => p.stop())));
    for (const { queue, connection } of this.queues) {
      await attempt(() => queue.close());
      await attempt(() => connection.quit());
    }
    await attempt(() => this.wipeRedis());
    await attempt(() => this.redis.quit());
    for (const client of this.clients) await attempt(() => client.end());
    await attempt(() => this.db.end());
    await attempt(() => this.dropDatabase());
    if (errors.length) throw errors[0];
  }
}

const stacks = new Set<ServiceStack>();

/** Stops every stack still running (afterAll: a test that timed out may have left one). */
export async function stopAllStacks(): Promise<void> {
  await Promise.allSettled([...stacks].map((s) => s.stop()));
  await Promise.allSettled([...live].map((p) => p.stop(2000)));
}

/**
 * Runs `body` on a fresh stack and always stops it; a failure carries the output of every process
 * of the stack, so a crash or an error log is in the test's report.
 */
export async function withStack<T>(name: string, options: StackOptions, body: (stack: ServiceStack) => Promise<T>): Promise<T> {
  const stack = await ServiceStack.create(name, options);
  try {
    return await body(stack);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    e.message += `\n\nService output of ${name}:\n${stack.diagnostics()}`;
    throw e;
  } finally {
    await stack.stop();
  }
}
