import type { TestApp } from './test-app';

/** A download as a client reads it: the status, the headers, every byte, and the trailers sent after the last one. */
export interface Download {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  trailers: Record<string, string | undefined>;
}

/** GETs `path` with the bearer `token` and reads the answer to its end, trailers included (a streamed export says `X-Data-Issues` there). */
export async function download(t: TestApp, path: string, token: string): Promise<Download> {
  let trailers: Record<string, string | undefined> = {};
  const res = await t.http
    .get(path)
    .set('Authorization', `Bearer ${token}`)
    .buffer(true)
    .parse((raw, done) => {
      const chunks: Buffer[] = [];
      raw.on('data', (c: Buffer) => chunks.push(c));
      raw.on('end', () => {
        trailers = (raw as unknown as { trailers: Record<string, string | undefined> }).trailers;
        done(null, Buffer.concat(chunks));
      });
    });
  return { status: res.status, headers: res.headers as Record<string, string>, body: res.body as Buffer, trailers };
}
