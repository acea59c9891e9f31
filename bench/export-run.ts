import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '#domain';
import { ServiceStack, Site, sleep } from '#testing';
import { type ExportMeasure, measureExport, seedExportTrial } from './export';
import { formatNumber, spread } from './report';

/**
 * `npm run bench:export -- [--patients 2000] [--events 300] [--runs 3] [--domain LB] [--before <checkout>]`:
 * the SDTM export of a trial of `patients` patients with `events` events each after Day 0, downloaded
 * `runs` times as a zip (and as one `domain`) from the API of this checkout; with `--before`, also
 * from the API built in another checkout (`npm run build:server` there) on the same database. Prints
 * the time to the first byte, the total time and the API's peak resident memory: median and range.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      patients: { type: 'string', default: '2000' },
      events: { type: 'string', default: '300' },
      runs: { type: 'string', default: '3' },
      before: { type: 'string' },
      domain: { type: 'string' },
    },
  });
  const runs = Number(values.runs);
  const stack = await ServiceStack.create('bench-export', { prefix: 'bench-export', env: { CHECKPOINT_EVERY_MS: '0', RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' } });
  try {
    const api = await stack.startApi('api');
    const site = await Site.open(stack, api, 'site-b');
    const seeded = performance.now();
    await seedExportTrial({ stack, api, site, idPrefix: 'e0000001', patients: Number(values.patients), events: Number(values.events) });
    const [{ patients, events }] = await stack.query<{ patients: string; events: string }>(
      'SELECT (SELECT count(*) FROM patients) AS patients, (SELECT count(*) FROM patient_events) AS events',
    );
    console.log(`seeded ${patients} patients, ${events} log entries in ${((performance.now() - seeded) / 1000).toFixed(0)} s`);
    await api.stop();

    const variants: Array<{ name: string; root: string }> = [];
    if (values.before) variants.push({ name: 'before', root: resolve(values.before) });
    variants.push({ name: 'after', root: resolve(__dirname, '../..') });
    const rows: string[] = [];
    for (const variant of variants) {
      const process = await startApiFrom(stack, variant.root);
      try {
        const downloads = [['zip', '/trials/cd19-rr-all/export?format=sdtm']];
        if (values.domain) downloads.push([values.domain, `/trials/cd19-rr-all/export?format=sdtm&domain=${values.domain}`]);
        for (const [what, path] of downloads) {
          const measures: ExportMeasure[] = [];
          for (let run = 1; run <= runs; run++) {
            await sleep(2000);
            const measure = await measureExport(process, path, stack.adminToken);
            if (measure.status !== 200) throw new Error(`${variant.name} ${what}: ${measure.status}`);
            console.log(
              `${variant.name} ${what} run ${run}: first byte ${measure.firstByteMs.toFixed(0)} ms, total ${measure.totalMs.toFixed(0)} ms, ` +
                `${(measure.bytes / 1024 ** 2).toFixed(1)} MiB, RSS ${measure.rssBeforeMiB.toFixed(0)} → peak ${measure.peakRssMiB.toFixed(0)} MiB, data issues ${measure.dataIssues}`,
            );
            measures.push(measure);
          }
          const row = (label: string, values: number[], unit: string) => {
            const s = spread(values);
            rows.push(`| ${variant.name}: ${what}, ${label} | ${formatNumber(s.median)} ${unit} | ${formatNumber(s.min)}–${formatNumber(s.max)} |`);
          };
          row(
            'time to first byte',
            measures.map((m) => m.firstByteMs / 1000),
            's',
          );
          row(
            'total time',
            measures.map((m) => m.totalMs / 1000),
            's',
          );
          row(
            'API peak RSS',
            measures.map((m) => m.peakRssMiB),
            'MiB',
          );
          row(
            'API RSS growth (peak − before)',
            measures.map((m) => m.peakRssMiB - m.rssBeforeMiB),
            'MiB',
          );
          row(
            'size',
            measures.map((m) => m.bytes / 1024 ** 2),
            'MiB',
          );
        }
      } finally {
        await process.stop();
      }
    }
    console.log(`\n| Measure | Median | Min–max |\n| --- | --- | --- |\n${rows.join('\n')}`);
  } finally {
    await stack.stop();
  }
}

/** The API of the checkout at `root` (built there), on the stack's database and Redis. */
async function startApiFrom(stack: ServiceStack, root: string) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, 'dist/apps/api/src/main.js')], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...stack.env, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (tries > 300) throw new Error(`the API of ${root} did not start`);
    await sleep(100);
  }
  const exited = new Promise((done) => child.once('exit', done));
  return {
    pid: child.pid!,
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
