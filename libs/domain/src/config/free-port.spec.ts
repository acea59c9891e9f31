import { createServer } from 'node:net';
import { freePort } from './free-port';

const listenOn = (port: number) =>
  new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

describe('freePort', () => {
  it('gives a loopback port that can be listened on at once', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
    const server = await listenOn(port);
    await new Promise((done) => server.close(done));
  });

  it('does not give a port that is taken', async () => {
    const taken = await listenOn(0);
    const takenPort = (taken.address() as { port: number }).port;
    try {
      const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
      expect(ports).not.toContain(takenPort);
    } finally {
      await new Promise((done) => taken.close(done));
    }
  });
});
