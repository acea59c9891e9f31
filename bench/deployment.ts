import { readFileSync } from 'node:fs';
import type { ServiceProcess, ServiceStack } from '#testing';
import { type Row, spread } from './report';

/**
 * The deployment a benchmark run measures: N API processes and M workers on the stack's one
 * PostgreSQL database and Redis prefix (`npm run bench -- --apis N --workers M`), or `npm start`'s
 * one process (`--one-process`). The load's clients are spread round-robin over the APIs, as a
 * load balancer would (autocannon takes the API URLs and deals its connections out in turn). The
 * MLLP listener runs in the first worker only: one port, one lab connection pool.
 *
 * Beside the speed, the CPU time each kind of process spent per event: the APIs, the workers,
 * PostgreSQL's backends of this database, and the load generator (the benchmark itself).
 */

export interface DeploymentShape {
  apis: number;
  workers: number;
  oneProcess?: boolean;
}

export interface Deployment {
  shape: DeploymentShape;
  /** The first API: the one the benchmark's own calls (seeding, history, RSS) use. */
  api: ServiceProcess;
  apis: ServiceProcess[];
  workers: ServiceProcess[];
  /** Every API's base URL, for the load. */
  urls: string[];
  describe(): string;
}

export async function startDeployment(stack: ServiceStack, shape: DeploymentShape, mllp: Record<string, string>): Promise<Deployment> {
  if (shape.oneProcess && (shape.apis !== 1 || shape.workers !== 0)) throw new Error('--one-process runs one API with its worker inside: no --apis or --workers beside it');
  if (shape.apis < 1 || (!shape.oneProcess && shape.workers < 1)) throw new Error(`a deployment needs an API and a worker, not ${shape.apis} + ${shape.workers}`);
  const apis: ServiceProcess[] = [];
  const workers: ServiceProcess[] = [];
  if (shape.oneProcess) apis.push(await stack.startApi('api', mllp, [], ['--with-worker']));
  // One after the other: the first runs the migrations, and booting Node processes at once on two cores is slow.
  else for (let n = 1; n <= shape.apis; n++) apis.push(await stack.startApi(shape.apis === 1 ? 'api' : `api-${n}`));
  for (let n = 1; n <= shape.workers; n++) workers.push(await stack.startWorker(`worker-${n}`, true, n === 1 ? mllp : {}));
  // A process that dies under load says so, with its last words (a stop at the end exits 0 or by SIGTERM).
  for (const p of [...apis, ...workers]) {
    void p.exited.then(({ code, signal }) => {
      if (code !== 0 && signal !== 'SIGTERM') console.error(`\n${p.name} (pid ${p.pid}) exited during the run: code ${code}, signal ${signal}\n${p.output().slice(-4000)}`);
    });
  }
  return {
    shape,
    api: apis[0],
    apis,
    workers,
    urls: apis.map((a) => a.url!),
    describe: () => (shape.oneProcess ? 'one process (API and worker)' : `${shape.apis} API${shape.apis > 1 ? 's' : ''} + ${shape.workers} worker${shape.workers > 1 ? 's' : ''}`),
  };
}

/** CPU milliseconds per event answered 200, by kind of process. */
export interface CpuPerEvent {
  api: number;
  worker: number;
  postgres: number;
  loadGenerator: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of a process, in ms (0 once it is gone: its share then counts as nothing). */
function cpuMs(pid: number): number {
  try {
    // The command may hold spaces and parentheses: the fields after the last ')' are fixed.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').pop()!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/**
 * Runs `load` and divides the CPU time each kind of process spent during it by the events it
 * answered with 200. PostgreSQL is the backends connected to this stack's database when the load
 * starts (the pools keep theirs open; pgbench's are left out), each counted only if it is still
 * there at the end.
 */
export async function withCpu<T extends { ok: number }>(stack: ServiceStack, deployment: Deployment, load: () => Promise<T>): Promise<T & { cpu: CpuPerEvent }> {
  const backends = (
    await stack.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> 'pgbench'")
  ).map((r) => r.pid);
  const kinds = { api: deployment.apis.map((p) => p.pid), worker: deployment.workers.map((p) => p.pid), postgres: backends };
  const read = (pids: number[]) => new Map(pids.map((pid) => [pid, cpuMs(pid)]));
  const spent = (before: Map<number, number>) => [...before].reduce((total, [pid, ms]) => total + Math.max(0, cpuMs(pid) - ms), 0);
  const before = { api: read(kinds.api), worker: read(kinds.worker), postgres: read(kinds.postgres), self: process.cpuUsage() };
  const result = await load();
  const self = process.cpuUsage(before.self);
  const per = (ms: number) => ms / Math.max(1, result.ok);
  return {
    ...result,
    cpu: {
      api: per(spent(before.api)),
      worker: per(spent(before.worker)),
      postgres: per(spent(before.postgres)),
      loadGenerator: per((self.user + self.system) / 1000),
    },
  };
}

/** The table's rows for the CPU per event at one load level, across the runs. */
export function cpuRows(label: string, cpu: Array<CpuPerEvent | undefined>): Row[] {
  const measured = cpu.filter((c): c is CpuPerEvent => c !== undefined);
  if (!measured.length) return [];
  const kinds: Array<[keyof CpuPerEvent, string]> = [
    ['api', 'API processes'],
    ['worker', 'worker processes'],
    ['postgres', 'PostgreSQL backends'],
    ['loadGenerator', 'load generator'],
  ];
  return kinds.map(([kind, name]) => ({ metric: `${label}: CPU per event, ${name}`, value: spread(measured.map((c) => c[kind])), unit: 'ms' }));
}
