import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '#domain';
import { eventually } from '#testing';

export interface LocalRedisCluster {
  /** `host:port` of every master, comma-separated, as REDIS_CLUSTER_NODES takes them. */
  nodes: string;
  ports: number[];
  stop(): Promise<void>;
}

/**
 * A Redis Cluster of `masters` nodes (no replicas) on free loopback ports, from Debian's
 * redis-server and redis-cli, keeping nothing on disk beyond its node files in a folder of its own:
 * started for one test file, stopped and removed by it.
 */
export async function startRedisCluster(masters = 3): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'cart-redis-cluster-'));
  const ports: number[] = [];
  const servers: ChildProcess[] = [];
  for (let i = 0; i < masters; i++) {
    const port = await freePort();
    // The cluster bus on a free port of its own (by default port + 10000, which may be taken or past 65535).
    const busPort = await freePort();
    ports.push(port);
    // prettier-ignore
    servers.push(spawn('redis-server', [
      '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
      '--cluster-config-file', `nodes-${port}.conf`, '--dir', dir, '--save', '', '--appendonly', 'no',
    ], { stdio: 'ignore' }));
  }
  const stop = async () => {
    for (const server of servers) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const cli = (port: number, ...args: string[]) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 30_000 });
    await eventually(async () => ports.every((port) => safely(() => cli(port, 'PING').trim() === 'PONG')), 10_000, 'the cluster nodes to listen');
    execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      stdio: 'ignore',
      timeout: 60_000,
    });
    await eventually(async () => ports.every((port) => safely(() => cli(port, 'CLUSTER', 'INFO').includes('cluster_state:ok'))), 20_000, 'the cluster to serve every slot');
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes: ports.map((port) => `127.0.0.1:${port}`).join(','), ports, stop };
}

function safely(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
