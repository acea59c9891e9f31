import { execFile, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { ConfigurationError, freePort, redisAtStart } from '#domain';
import { buildServices } from '#testing';

/** Why a TCP connection to the URL's port is refused, or undefined when it is accepted. */
async function refusal(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('a first start without Redis', () => {
  it('changes nothing when the configured Redis answers', async () => {
    const redis = await redisAtStart(REDIS_URL, { privateAllowed: true });
    expect(redis).toEqual({ url: REDIS_URL });
  });

  it('stops with one sentence naming the address and what to do, when it may not start a private one', async () => {
    const port = await freePort();
    const started = redisAtStart(`redis://:secret@127.0.0.1:${port}`, { privateAllowed: false });
    await expect(started).rejects.toThrow(ConfigurationError);
    await expect(started).rejects.toThrow(
      `Cannot reach Redis at redis://:***@127.0.0.1:${port} (ECONNREFUSED): start one (\`redis-server\`; on Debian or Ubuntu \`apt-get install redis-server\`) or set REDIS_URL to a Redis this machine can reach.`,
    );
  });

  it('starts a private redis-server for the process when it may, and stops it', async () => {
    const port = await freePort();
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const redis = await redisAtStart(`redis://127.0.0.1:${port}`, { privateAllowed: true });
    try {
      expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
      expect(redis.url).not.toBe(`redis://127.0.0.1:${port}`);
      expect(warn).toHaveBeenCalledWith(
        expect.stringMatching(/^No Redis answered at redis:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); started a private redis-server at redis:\/\/127\.0\.0\.1:\d+ for this process\./),
      );
      const client = new IORedis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      expect(await client.ping()).toBe('PONG');
      // it keeps nothing on disk
      expect(await client.config('GET', 'save')).toEqual(['save', '']);
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
      client.disconnect();
    } finally {
      redis.stop?.();
      warn.mockRestore();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await refusal(redis.url)).toBe('ECONNREFUSED');
  });

  it('never lets the private redis-server outlive its process, even one killed with SIGKILL', async () => {
    await buildServices();
    const port = await freePort();
    const script = `require(${JSON.stringify(join(__dirname, '..', 'dist/libs/domain/src/config/redis-at-start.js'))})
      .redisAtStart('redis://127.0.0.1:${port}', { privateAllowed: true }).then((r) => console.log('URL ' + r.url));`;
    const child = spawn('node', ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    const url = await new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const found = /URL (\S+)/.exec(chunk.toString());
        if (found) resolve(found[1]);
      });
    });
    expect(await refusal(url)).toBeUndefined(); // it answers while its process lives
    child.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await refusal(url)).toBe('ECONNREFUSED');
  }, 180_000);

  it('a worker process with no Redis exits with that one sentence, no stack trace', async () => {
    await buildServices();
    const port = await freePort();
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        'node',
        [join(__dirname, '..', 'dist/apps/worker/src/main.js')],
        { env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${port}`, DATABASE_URL: '', DATA_DIR: join(__dirname, '..', 'data', `first-start-${port}`) }, timeout: 30_000 },
        (_error, _stdout, err) => resolve({ code: child.exitCode, stderr: err }),
      );
    });
    expect(code).toBe(1);
    const lines = stderr
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('Warning: the SQLite file'));
    expect(lines).toEqual([
      `Cannot reach Redis at redis://127.0.0.1:${port} (ECONNREFUSED): start one (\`redis-server\`; on Debian or Ubuntu \`apt-get install redis-server\`) or set REDIS_URL to a Redis this machine can reach.`,
    ]);
  }, 180_000);
});
