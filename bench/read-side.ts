import { Client } from 'pg';
import { call, type ServiceProcess, ServiceStack, Site, testDatabaseExists, testDatabaseUrl } from '#testing';
import { type Row, spread } from './report';
import type { Progress } from './progress';
import { RssSampler } from './throughput';

/**
 * The read side at scale (issue 20, item 2): a trial of `patients` CD19 patients through 24 months of
 * follow-up, and what its readers wait for. `walked` of them are walked through the real API, event by
 * event (registration to infusion, then every visit, response assessment, lab panel and AE of two
 * years, each dated when it happened, as a site entering its records would); the others are copies of
 * their rows and logs made in SQL (`copyPatients`), as bench/seed.ts copies the throughput patients:
 * the copies are load for the readers, not audited records. Every entry of a copy is an entry the
 * engine wrote for the walked patient it copies.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** The follow-up visits walked (cd19-rr-all v2, the version a site registers on without the amendment's approval). */
const VISITS = ['D7', 'D14', 'D28', 'M2', 'M3', 'M6', 'M9', 'M12', 'M18', 'M24'] as const;
const VISIT_DAY: Record<(typeof VISITS)[number], number> = { D7: 7, D14: 14, D28: 28, M2: 60, M3: 90, M6: 180, M9: 270, M12: 365, M18: 545, M24: 730 };
const RESPONSE_VISITS = new Set(['D28', 'M3', 'M6', 'M12', 'M24']);
/** The lab panel drawn daily in the first two weeks and at every visit: counts and chemistry, in the units labs report. */
const PANEL: Array<[code: string, unit: string, value: (day: number) => number]> = [
  ['WBC', '10^9/L', (d) => (d < 14 ? 1.2 : 4.5)],
  ['ANC', '10^9/L', (d) => (d < 14 ? 0.4 : 2.1)],
  ['ALC', '10^9/L', (d) => (d < 14 ? 0.3 : 1.1)],
  ['PLT', '10^9/L', (d) => (d < 14 ? 45 : 160)],
  ['HGB', 'g/dL', () => 10.5],
  ['ALT', 'U/L', () => 32],
  ['AST', 'U/L', () => 28],
  ['BILI', 'mg/dL', () => 0.8],
  ['CREAT', 'mg/dL', () => 0.9],
  ['CRP', 'mg/L', (d) => (d < 10 ? 60 : 4)],
  ['LDH', 'U/L', () => 210],
  ['FERRITIN', 'ng/mL', (d) => (d < 14 ? 1500 : 300)],
];
const CYTOKINES = ['IL6', 'IL10', 'IFNG', 'TNFA'];

type Step = [type: string, data: Record<string, unknown>, at: number];

/** Everything a site records of one patient after Day 0 (`day0`, epoch ms), in the order it happened. */
export function followUp(day0: number, patient: number): Step[] {
  const at = (day: number, hour = 9) => day0 + day * DAY + hour * HOUR;
  const steps: Step[] = [];
  const lab = (code: string, unit: string, value: number, day: number, hour: number) => {
    const when = at(day, hour);
    steps.push(['LAB_RESULT_RECORDED', { code, compartment: 'PB', value, unit, collectedAt: new Date(when).toISOString() }, when]);
  };
  const panel = (day: number) => PANEL.forEach(([code, unit, value], i) => lab(code, unit, value(day), day, 8 + i / 60));
  for (let day = 1; day <= 14; day++) {
    panel(day);
    if ([1, 3, 5, 7, 10, 14].includes(day)) CYTOKINES.forEach((code, i) => lab(code, 'pg/mL', day < 7 ? 120 + (patient % 50) : 15, day, 10 + i / 60));
    if ([1, 4, 7, 10, 14].includes(day)) lab('CAR_COPIES', 'copies/µg gDNA', 2000 * day + (patient % 97), day, 11);
  }
  // Weekly counts and chemistry through month 3, between the visits.
  for (let day = 21; day <= 84; day += 7) if (!Object.values(VISIT_DAY).includes(day)) panel(day);
  steps.push(['ADVERSE_EVENT_REPORTED', { term: 'Febrile neutropenia', grade: 3, onset: new Date(at(4, 2)).toISOString(), related: true, serious: true }, at(4, 12)]);
  steps.push(['ADVERSE_EVENT_REPORTED', { term: 'Hypokalemia', grade: 2, onset: new Date(at(6, 2)).toISOString(), related: false, serious: false }, at(6, 12)]);
  for (const visit of VISITS) {
    const day = VISIT_DAY[visit];
    if (day > 14) panel(day);
    if (day > 14) lab('CAR_COPIES', 'copies/µg gDNA', Math.max(10, 30_000 / day), day, 11);
    steps.push(['VISIT_COMPLETED', { visit }, at(day, 12)]);
    if (RESPONSE_VISITS.has(visit)) {
      steps.push([
        'RESPONSE_ASSESSED',
        { visit, marrowBlastsPct: 1, circulatingBlasts: false, extramedullary: false, anc: 2.1, platelets: 160, countsUnit: '10^9/L', mrdPct: patient % 5 === 0 ? 0.05 : 0.001 },
        at(day, 13),
      ]);
    }
  }
  return steps.sort((a, b) => a[2] - b[2]);
}

/**
 * Walks `count` patients at `sites` through the API: each infused on a day 25 months ago (a few
 * hours apart), then its two years of follow-up, `concurrency` patients at a time. Answers other than
 * 200 are counted by status (a step the scheduler's own entries raced is one), never thrown.
 */
export async function walkPatients(
  api: ServiceProcess,
  sites: Site[],
  count: number,
  concurrency: number,
  progress: Progress,
): Promise<{ ids: string[]; events: number; refused: Record<string, number> }> {
  const start = Date.now() - 760 * DAY;
  const ids: string[] = [];
  const refused: Record<string, number> = {};
  let events = 0;
  let next = 0;
  const phase = progress.phase(`walk ${count} patients through 24 months`, count, 'patients');
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const site = sites[i % sites.length]!;
      const day0 = start + i * 3 * HOUR;
      const id = await site.infused(api, new Date(day0));
      for (const [type, data, when] of followUp(day0, i)) {
        const res = await call(
          api.url!,
          'POST',
          `/patients/${id}/events`,
          site.coordinator,
          { type, data, occurredAt: new Date(when).toISOString() },
          { Prefer: 'return=minimal' },
        );
        if (res.status === 200) events += 1;
        else {
          const why = `${type} ${res.status} ${String(res.body?.message ?? '').slice(0, 80)}`;
          refused[why] = (refused[why] ?? 0) + 1;
        }
      }
      ids.push(id);
      phase.update(ids.length);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  phase.done(`${count} patients walked to Day 0, ${events.toLocaleString('en-US')} follow-up events posted`);
  return { ids, events, refused };
}

/**
 * Copies of the walked patients, rows and whole logs, `copies` of each (ids from md5 of the original's
 * and the copy's number, subject ids suffixed), on PostgreSQL; their pending timers are not copied.
 */
export async function copyPatients(stack: ServiceStack, ids: string[], copies: number): Promise<void> {
  if (copies < 1) return;
  const columns = async (table: string) =>
    (
      await stack.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = $1 AND table_schema = current_schema() ORDER BY ordinal_position`,
        [table],
      )
    ).map((c) => c.column_name);
  const copyId = (column: string) => `(md5(${column} || '-' || c)::uuid)::text`;
  const patientColumns = await columns('patients');
  await stack.query(
    `INSERT INTO patients (${patientColumns.join(', ')})
     SELECT ${patientColumns.map((c) => (c === 'id' ? copyId('id') : c === 'subject_id' ? `subject_id || '-C' || c` : c)).join(', ')}
       FROM patients CROSS JOIN generate_series(1, $2::int) AS c WHERE id = ANY($1)`,
    [ids, copies],
  );
  const eventColumns = await columns('patient_events');
  for (const id of ids) {
    await stack.query(
      `INSERT INTO patient_events (${eventColumns.join(', ')})
       SELECT ${eventColumns.map((c) => (c === 'patient_id' ? copyId('patient_id') : c === 'idempotency_key' ? 'NULL' : c)).join(', ')}
         FROM patient_events CROSS JOIN generate_series(1, $2::int) AS c WHERE patient_id = $1`,
      [id, copies],
    );
  }
  await stack.query('ANALYZE patients');
  await stack.query('ANALYZE patient_events');
}

export interface Timing {
  p50: number;
  p95: number;
  max: number;
  bytes: number;
}

/** `times` sequential GETs of `path`: the time to the last byte of each, in ms. */
export async function timeGets(url: string, path: string, token: string, times: number): Promise<Timing> {
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    const res = await fetch(`${url}${path}`, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(600_000) });
    const body = Buffer.from(await res.arrayBuffer());
    ms.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.toString('utf8', 0, 300)}`);
    bytes = body.length;
  }
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1)!, bytes };
}

/** The readers the benchmark can time (`--reads`). */
export const READS = ['outcomes', 'trial', 'worklist', 'patient', 'deviations', 'export'] as const;
export type Read = (typeof READS)[number];

export interface ReadSideRun {
  /** The first read after the read model was emptied: every patient folded from its whole log. */
  outcomesColdMs?: number;
  outcomes?: Timing;
  /** A read after a new entry at each of up to 100 patients (five rounds): those folded forward. */
  outcomesAfterWrites?: Timing;
  trial?: Timing;
  worklist?: Timing;
  patient?: Timing;
  /** The deviations' read model likewise (ADR 0024). */
  deviationsColdMs?: number;
  deviations?: Timing;
  deviationsAfterWrites?: Timing;
  export?: Timing & { rssPeakMiB: number; rssBeforeMiB: number };
}

/** One run of the readers' measures (those of `reads`) against the seeded trial. */
export async function measureReads(options: {
  stack: ServiceStack;
  api: ServiceProcess;
  monitor: string;
  site: Site;
  /** Patients of `site`'s (the worklist's and the writes'). */
  patientIds: string[];
  calls: number;
  reads: ReadonlySet<Read>;
  progress: Progress;
  run: number;
}): Promise<ReadSideRun> {
  const { stack, api, monitor, site, calls, reads, progress, run } = options;
  const url = api.url!;
  const trial = '/trials/cd19-rr-all';
  const timed = <T>(what: string, work: () => Promise<T>, show: (r: T) => string) => progress.timed(`run ${run}: ${what}`, 5, work, show);
  const ms = (t: Timing) => `p50 ${t.p50.toFixed(0)} ms, p95 ${t.p95.toFixed(0)} ms, ${t.bytes.toLocaleString('en-US')} B`;
  const result: ReadSideRun = {};
  /**
   * A reader kept by a read model: its first read after the model's table was emptied (every patient
   * folded from its whole log), `calls` reads, then one after a new entry at each of up to 100 of the
   * site's patients (five rounds: those folded forward).
   */
  const readModel = async (name: string, path: string, table: string) => {
    await stack.query(`DELETE FROM ${table}`);
    const coldMs = (await timed(`${name}, read model emptied`, () => timeGets(url, path, monitor, 1), ms)).p50;
    const timing = await timed(`${name} × ${calls}`, () => timeGets(url, path, monitor, calls), ms);
    const afterWrites: number[] = [];
    const perRound = Math.min(100, Math.floor(options.patientIds.length / 5));
    for (let round = 0; round < 5; round++) {
      const some = options.patientIds.slice(round * perRound, round * perRound + perRound);
      await Promise.all(
        some.map((id, i) =>
          call(url, 'POST', `/patients/${id}/events`, site.coordinator, {
            type: 'LAB_RESULT_RECORDED',
            data: { code: 'CRP', compartment: 'PB', value: 3 + (i % 7), unit: 'mg/L', collectedAt: new Date(Date.now() - 40 * DAY).toISOString() },
            occurredAt: new Date(Date.now() - 40 * DAY).toISOString(),
          }),
        ),
      );
      afterWrites.push((await timeGets(url, path, monitor, 1)).p50);
    }
    const sortedWrites = [...afterWrites].sort((a, b) => a - b);
    return { coldMs, timing, afterWrites: { p50: sortedWrites[2]!, p95: sortedWrites[4]!, max: sortedWrites[4]!, bytes: timing.bytes } };
  };
  if (reads.has('outcomes')) {
    const outcomes = await readModel('outcomes', `${trial}/outcomes`, 'outcome_facts');
    result.outcomesColdMs = outcomes.coldMs;
    result.outcomes = outcomes.timing;
    result.outcomesAfterWrites = outcomes.afterWrites;
  }
  if (reads.has('trial')) result.trial = await timed(`trial × ${calls}`, () => timeGets(url, trial, monitor, calls), ms);
  if (reads.has('worklist')) result.worklist = await timed(`worklist (one site) × ${calls}`, () => timeGets(url, '/worklist', site.coordinator, calls), ms);
  if (reads.has('patient')) result.patient = await timed(`patient × ${calls}`, () => timeGets(url, `/patients/${options.patientIds[0]}`, site.coordinator, calls), ms);
  if (reads.has('deviations')) {
    const deviations = await readModel('deviations', `${trial}/deviations`, 'deviation_facts');
    result.deviationsColdMs = deviations.coldMs;
    result.deviations = deviations.timing;
    result.deviationsAfterWrites = deviations.afterWrites;
  }
  if (reads.has('export')) {
    const rss = new RssSampler(api.pid);
    const rssBeforeMiB = rss.now();
    rss.start(100);
    const exported = await timed('SDTM export', () => timeGets(url, `${trial}/export?format=sdtm`, monitor, 1), ms);
    const { peakMiB } = rss.stop();
    result.export = { ...exported, rssPeakMiB: peakMiB, rssBeforeMiB };
  }
  return result;
}

export interface ReadSideResult {
  date: string;
  patients: number;
  walked: number;
  events: number;
  seedSeconds: number;
  refused: Record<string, number>;
  runs: ReadSideRun[];
  rows: Row[];
}

/** What a seeding left for the runs that measure it: the users' tokens, and how the seeding went. */
interface Seed {
  adminToken: string;
  sites: Array<Pick<Site, 'siteId' | 'coordinator' | 'investigator' | 'investigatorId'>>;
  walked: number;
  seedSeconds: number;
  refused: Record<string, number>;
}

interface ReadSideOptions {
  patients: number;
  walked: number;
  runs: number;
  calls: number;
  sites: number;
  reads: readonly Read[];
  /**
   * A database to keep the seeded trial in: seeded into it when it does not exist, and each
   * benchmark measures a copy of it (the runs write), so the six minutes of seeding are paid once.
   */
  seeded?: string;
  /** Where the measured API writes its CPU profile (`--cpu-prof`), when given. */
  profileDir?: string;
  progress: Progress;
}

const STACK_ENV = { CHECKPOINT_EVERY_MS: '0' };

/** Seeds the trial on `stack`'s database through its own API and worker (stopped by the caller with the stack). */
async function seedTrial(stack: ServiceStack, options: ReadSideOptions): Promise<Seed> {
  const { progress } = options;
  const api = await stack.startApi('api');
  await stack.startWorker();
  const sites: Site[] = [];
  for (let i = 1; i <= options.sites; i++) sites.push(await Site.open(stack, api, `site-${String(i).padStart(2, '0')}`));
  const seeded = Date.now();
  const walked = await walkPatients(api, sites, options.walked, 8, progress);
  const copies = Math.max(0, Math.round(options.patients / options.walked) - 1);
  await progress.timed(
    `copy each walked patient ${copies} times`,
    30,
    () => copyPatients(stack, walked.ids, copies),
    () => 'copied',
  );
  return {
    adminToken: stack.adminToken,
    sites: sites.map(({ siteId, coordinator, investigator, investigatorId }) => ({ siteId, coordinator, investigator, investigatorId })),
    walked: options.walked,
    seedSeconds: (Date.now() - seeded) / 1000,
    refused: walked.refused,
  };
}

/** The seed kept in database `name`: seeded now when the database does not exist yet. */
async function keptSeed(name: string, options: ReadSideOptions): Promise<Seed> {
  if (!(await testDatabaseExists(name))) {
    const seeding = await ServiceStack.create('bench-seed', { prefix: 'benchseed', env: STACK_ENV, database: { name, keep: true } });
    try {
      const seed = await seedTrial(seeding, options);
      await seeding.query('CREATE TABLE bench_seed (seed text NOT NULL)');
      await seeding.query('INSERT INTO bench_seed (seed) VALUES ($1)', [JSON.stringify(seed)]);
    } finally {
      await seeding.stop();
    }
  }
  const client = new Client({ connectionString: testDatabaseUrl(name) });
  await client.connect();
  try {
    const { rows } = await client.query<{ seed: string }>('SELECT seed FROM bench_seed');
    if (rows.length !== 1) throw new Error(`database ${name} holds no benchmark seed`);
    return JSON.parse(rows[0]!.seed) as Seed;
  } finally {
    await client.end();
  }
}

/**
 * The read-side benchmark: seeds the trial on a database of its own (API and worker as separate
 * processes), or copies the one kept in `seeded`, then measures the readers `runs` times.
 */
export async function runReadSide(options: ReadSideOptions): Promise<ReadSideResult> {
  const { progress } = options;
  const kept = options.seeded === undefined ? undefined : await keptSeed(options.seeded, options);
  const stack = await ServiceStack.create('bench-read', {
    prefix: 'benchread',
    env: kept ? { ...STACK_ENV, ADMIN_TOKEN: kept.adminToken } : STACK_ENV,
    ...(options.seeded === undefined ? {} : { database: { template: options.seeded } }),
  });
  try {
    const seed = kept ?? (await seedTrial(stack, options));
    const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
    const api = kept ? await stack.startApi('api', {}, profile) : stack.processes.find((p) => p.kind === 'api')!;
    if (kept) await stack.startWorker();
    const sites = seed.sites.map((site) => Site.known(stack, site));
    const [{ n: events }] = await stack.query<{ n: string }>('SELECT COUNT(*) AS n FROM patient_events');
    const [{ n: patients }] = await stack.query<{ n: string }>('SELECT COUNT(*) AS n FROM patients');
    const sitePatients = (await stack.query<{ id: string }>('SELECT id FROM patients WHERE site_id = $1 ORDER BY id', [sites[0]!.siteId])).map((r) => r.id);
    const res = await call(api.url!, 'POST', '/users', kept?.adminToken ?? stack.adminToken, { name: 'Monitor', role: 'monitor', siteIds: sites.map((s) => s.siteId) });
    if (res.status !== 201) throw new Error(`monitor not created: ${res.status}`);
    const reads = new Set(options.reads);
    const runs: ReadSideRun[] = [];
    for (let run = 1; run <= options.runs; run++) {
      runs.push(await measureReads({ stack, api, monitor: res.body.token, site: sites[0]!, patientIds: sitePatients, calls: options.calls, reads, progress, run }));
    }
    const rows = readSideRows(runs, Number(patients), Number(events));
    return {
      date: new Date().toISOString(),
      patients: Number(patients),
      walked: seed.walked,
      events: Number(events),
      seedSeconds: seed.seedSeconds,
      refused: seed.refused,
      runs,
      rows,
    };
  } finally {
    await stack.stop();
  }
}

function readSideRows(runs: ReadSideRun[], patients: number, events: number): Row[] {
  const of = (pick: (r: ReadSideRun) => number | undefined) => spread(runs.map((r) => pick(r) ?? Number.NaN));
  const label = `${patients.toLocaleString('en-US')} patients, ${events.toLocaleString('en-US')} entries`;
  const under = (ms: number) => (value: ReturnType<typeof spread>) => ({ text: `≤ ${ms} ms`, met: value.median <= ms });
  const p95Outcomes = of((r) => r.outcomes?.p95);
  const p95Worklist = of((r) => r.worklist?.p95);
  const p95Deviations = of((r) => r.deviations?.p95);
  const rows: Row[] = [
    { metric: `${label}: outcomes, read model emptied (every patient folded)`, value: of((r) => r.outcomesColdMs), unit: 'ms' },
    { metric: 'outcomes p50', value: of((r) => r.outcomes?.p50), unit: 'ms' },
    { metric: 'outcomes p95', value: p95Outcomes, unit: 'ms', target: under(200)(p95Outcomes) },
    { metric: 'outcomes after new entries at up to 100 patients, median of 5', value: of((r) => r.outcomesAfterWrites?.p50), unit: 'ms' },
    { metric: 'outcomes answer size', value: of((r) => (r.outcomes ? r.outcomes.bytes / 1024 : undefined)), unit: 'KiB' },
    { metric: 'GET /trials/:id p95', value: of((r) => r.trial?.p95), unit: 'ms' },
    { metric: 'worklist (a site of the trial) p50', value: of((r) => r.worklist?.p50), unit: 'ms' },
    { metric: 'worklist (a site of the trial) p95', value: p95Worklist, unit: 'ms', target: under(200)(p95Worklist) },
    { metric: 'patient page (GET /patients/:id) p95', value: of((r) => r.patient?.p95), unit: 'ms' },
    { metric: 'deviations, read model emptied (every patient folded)', value: of((r) => r.deviationsColdMs), unit: 'ms' },
    { metric: 'deviations p50', value: of((r) => r.deviations?.p50), unit: 'ms' },
    { metric: 'deviations p95', value: p95Deviations, unit: 'ms', target: under(200)(p95Deviations) },
    { metric: 'deviations after new entries at up to 100 patients, median of 5', value: of((r) => r.deviationsAfterWrites?.p50), unit: 'ms' },
    { metric: 'deviations answer size', value: of((r) => (r.deviations ? r.deviations.bytes / 1024 : undefined)), unit: 'KiB' },
    { metric: 'SDTM export (time to its last byte)', value: of((r) => r.export?.p50), unit: 'ms' },
    { metric: 'SDTM export size', value: of((r) => (r.export ? r.export.bytes / 2 ** 20 : undefined)), unit: 'MiB' },
    { metric: 'API RSS before the export', value: of((r) => r.export?.rssBeforeMiB), unit: 'MiB' },
    { metric: 'API RSS peak during the export', value: of((r) => r.export?.rssPeakMiB), unit: 'MiB' },
  ];
  // The readers not timed (`--reads`) have no row.
  return rows.filter((row) => row.value.runs.some(Number.isFinite));
}
