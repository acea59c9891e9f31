import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import Redis, { Cluster } from 'ioredis';
import { ConfigurationError } from './config';
import { freePort } from './free-port';
import { redisOptions } from './redis';
import type { AppConfig } from './config';

/** How long start-up waits for a Redis to answer PING before it says so. */
const REACH_TIMEOUT_MS = 1500;
/** How long a private redis-server gets to start listening. */
const PRIVATE_START_TIMEOUT_MS = 10_000;

/** The Redis the process runs on: the configured one, or a private one started for this process. */
export interface RedisAtStart {
  url: string;
  /** Set when a private redis-server was started: stops it (it also stops when this process ends, however it ends). */
  stop?: () => void;
}

/**
 * Makes sure a Redis answers before the service starts, instead of a stream of ECONNREFUSED stack
 * traces from every queue. When the configured Redis answers, nothing else happens. When it does
 * not, and `privateAllowed` (the API and the worker in one process, with `REDIS_URL` left unset), a
 * private `redis-server` from the PATH is started on a free loopback port for this process's
 * lifetime: timers live in the database and the reconciler queues them again at every start, so a
 * Redis that keeps nothing loses nothing. Otherwise start-up stops with one sentence saying what is
 * missing and how to get it (a ConfigurationError, printed without a stack).
 */
export async function redisAtStart(url: string, options: { privateAllowed: boolean }): Promise<RedisAtStart> {
  const problem = await unreachable(url);
  if (problem === undefined) return { url };
  const hint = 'start one (`redis-server`; on Debian or Ubuntu `apt-get install redis-server`) or set REDIS_URL to a Redis this machine can reach';
  if (!options.privateAllowed) {
    throw new ConfigurationError(`Cannot reach Redis at ${redactedUrl(url)} (${problem}): ${hint}.`);
  }
  if (!hasRedisServer()) {
    throw new ConfigurationError(`Cannot reach Redis at ${redactedUrl(url)} (${problem}), and no redis-server is installed to start a private one: ${hint}.`);
  }
  const port = await freePort();
  // A shell holds the server and stops it when its standard input closes: that happens when this
  // process ends in any way (an exit, a signal, even SIGKILL), so the private server never outlives it.
  const child = spawn('sh', ['-c', `redis-server --port ${port} --bind 127.0.0.1 --save '' --appendonly no & server=$!; read _; kill $server; wait $server`], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const stop = () => {
    child.stdin?.end();
  };
  const privateUrl = `redis://127.0.0.1:${port}`;
  await waitUntilReachable(privateUrl, child);
  console.warn(
    `No Redis answered at ${redactedUrl(url)} (${problem}); started a private redis-server at ${privateUrl} for this process. ` +
      'It keeps nothing on disk and stops with the service; timers are kept in the database and queued again at each start.',
  );
  return { url: privateUrl, stop };
}

/**
 * The Redis the queues run on answers before the service starts: the configured Redis Cluster
 * (REDIS_CLUSTER_NODES), which must answer PING and report its state `ok` (every slot served), or
 * else the one Redis of REDIS_URL (`redisAtStart`, which may start a private one).
 */
export async function queuesRedisAtStart(config: Pick<AppConfig, 'redisUrl' | 'redisClusterNodes'>, options: { privateAllowed: boolean }): Promise<RedisAtStart> {
  if (!config.redisClusterNodes) return redisAtStart(config.redisUrl, options);
  const nodes = config.redisClusterNodes.map(({ host, port }) => `${host}:${port}`).join(', ');
  const { host: _host, port: _port, db: _db, ...credentials } = redisOptions(config.redisUrl);
  const cluster = new Cluster(config.redisClusterNodes, {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: () => null,
    redisOptions: { ...credentials, connectTimeout: REACH_TIMEOUT_MS, maxRetriesPerRequest: 0 },
  });
  cluster.on('error', () => undefined); // the rejection below says what went wrong
  try {
    await cluster.connect();
    const info = await cluster.cluster('INFO');
    const state = /cluster_state:(\w+)/.exec(String(info))?.[1];
    if (state !== 'ok') throw new Error(`cluster_state is ${state ?? 'unknown'}: not every hash slot is served`);
    return { url: config.redisUrl };
  } catch (error) {
    throw new ConfigurationError(`Cannot use the Redis Cluster at ${nodes} (${(error as Error).message}): check REDIS_CLUSTER_NODES and that the cluster is up.`);
  } finally {
    cluster.disconnect();
  }
}

/** Why a Redis at `url` does not answer PING, or undefined when it does. */
async function unreachable(url: string): Promise<string | undefined> {
  const client = new Redis({
    ...redisOptions(url),
    lazyConnect: true,
    connectTimeout: REACH_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // The socket's own error (ECONNREFUSED, ENOTFOUND …) says more than the rejection ("Connection is closed.").
  let socketError: NodeJS.ErrnoException | undefined;
  client.on('error', (error: NodeJS.ErrnoException) => {
    socketError ??= error;
  });
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    const cause = socketError ?? (error as NodeJS.ErrnoException);
    return cause.code ?? cause.message;
  } finally {
    client.disconnect();
  }
}

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function waitUntilReachable(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + PRIVATE_START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new ConfigurationError(`The private redis-server stopped at once (code ${child.exitCode}); start Redis yourself or set REDIS_URL.`);
    if ((await unreachable(url)) === undefined) return;
    if (Date.now() > deadline) {
      child.stdin?.end();
      throw new ConfigurationError(`The private redis-server did not answer within ${PRIVATE_START_TIMEOUT_MS / 1000} s; start Redis yourself or set REDIS_URL.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The URL without its password, for a message. */
function redactedUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString().replace(/\/$/, '');
}
