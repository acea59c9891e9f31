import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { labResultEvent } from '#testing';
import type { LoadResult } from './throughput';

const run = promisify(execFile);

/** The bodies autocannon's load posts (`labResultEvent`, collected today), made once: the script cycles through them. */
const BODIES = Array.from({ length: 500 }, (_, i) => JSON.stringify(labResultEvent(i)));
/** A Lua string literal of `text` (JSON: no newlines; quotes and backslashes escaped). */
const luaString = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/**
 * The same load as `loadEvents` (lab results posted to patients drawn at random, one request in
 * flight per connection), generated outside Node by wrk (https://github.com/wg/wrk; Debian: `apt-get
 * install wrk`): the load generator no longer shares the benchmark's event loop, and its own CPU is
 * C, not JavaScript. Its two threads share the connections. Latency is wrk's (µs resolution);
 * answers other than 2xx are counted, not told apart.
 */
export async function loadWithWrk(options: {
  url: string | string[];
  token: string;
  patients: string[];
  clients: number;
  seconds: number;
  minimal?: boolean;
}): Promise<LoadResult> {
  const urls = [options.url].flat();
  if (urls.length !== 1) throw new Error('--load-tool wrk loads one API; several APIs take the autocannon load');
  const dir = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  try {
    const script = join(dir, 'load.lua');
    writeFileSync(
      script,
      `local patients = {${options.patients.map((p) => `"${p}"`).join(',')}}
local bodies = {${BODIES.map((b) => luaString(b)).join(',')}}
local n = 0
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer ${options.token}"
wrk.headers["Content-Type"] = "application/json"
${options.minimal ? 'wrk.headers["Prefer"] = "return=minimal"' : ''}
request = function()
  n = n + 1
  local patient = patients[math.random(#patients)]
  return wrk.format(nil, "/patients/" .. patient .. "/events", nil, bodies[n % #bodies + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests":%d,"durationUs":%d,"bytes":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50":%d,"p95":%d,"p99":%d,"max":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
`,
    );
    const threads = Math.min(2, options.clients);
    const { stdout } = await run('wrk', [`-t${threads}`, `-c${options.clients}`, `-d${options.seconds}s`, '--timeout', '30s', '-s', script, urls[0]], { maxBuffer: 1 << 20 });
    const line = stdout.split('\n').find((l) => l.startsWith('WRK '));
    if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
    const w = JSON.parse(line.slice(4)) as Record<string, number>;
    const seconds = w.durationUs / 1e6;
    const errors = w.status + w.connect + w.read + w.write + w.timeout;
    const ok = w.requests - w.status;
    const failures: Record<string, number> = {};
    if (w.status) failures['non-2xx'] = w.status;
    if (errors - w.status) failures['0'] = errors - w.status;
    return {
      clients: options.clients,
      seconds,
      ok,
      eventsPerSecond: ok / seconds,
      latencyMs: { p50: w.p50 / 1000, p95: w.p95 / 1000, p99: w.p99 / 1000, max: w.max / 1000 },
      answerBytes: Math.round(w.bytes / Math.max(1, w.requests)),
      failures,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
