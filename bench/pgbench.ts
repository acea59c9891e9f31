import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { labResultEvent, type ServiceStack } from '#testing';

const run = promisify(execFile);

/**
 * The database's own limit for our event transaction, measured with pgbench in the same run: the
 * same statements the engine's transaction runs, on copies of the engine's tables (same columns,
 * keys and indexes) holding copies of the benchmark's patients:
 *
 *   BEGIN; SELECT the patient row FOR UPDATE; UPDATE it WHERE version = :old (with a snapshot of the
 *   real size); INSERT the log row; INSERT a timer row; COMMIT.
 *
 * pgbench is a C client with one statement per round trip (simple protocol): what a client that
 * does nothing but this transaction reaches on this machine.
 */
export class PgBench {
  private constructor(
    private readonly stack: ServiceStack,
    private readonly dir: string,
    private readonly script: string,
    readonly patients: number,
  ) {}

  /** Copies the patients whose ids start with `idPrefix` into pgb_* tables and writes the script. */
  static async prepare(stack: ServiceStack, idPrefix: string): Promise<PgBench> {
    await ensurePgbench();
    await stack.query(`
      DROP TABLE IF EXISTS pgb_patients, pgb_events, pgb_timers;
      CREATE TABLE pgb_patients (LIKE patients INCLUDING ALL);
      CREATE TABLE pgb_events (LIKE patient_events INCLUDING ALL);
      CREATE TABLE pgb_timers (LIKE timers INCLUDING ALL);`);
    // Numbered 1..n in the copy, so the script can draw one at random.
    const copied = await stack.query<{ n: string }>(
      `WITH c AS (
         INSERT INTO pgb_patients (id, subject_id, site_id, protocol_id, protocol_version, cohort, state, status, snapshot, version,
                                   last_seq, last_hash, day0, dose_level, registered_at, updated_at)
         SELECT 'p' || lpad(row_number() OVER (ORDER BY id)::text, 8, '0'), subject_id || '-pgb', site_id, protocol_id, protocol_version,
                cohort, state, status, snapshot, version, last_seq, last_hash, day0, dose_level, registered_at, updated_at
           FROM patients WHERE id LIKE $1 || '%'
         RETURNING 1)
       SELECT count(*) AS n FROM c`,
      [idPrefix],
    );
    const [{ snapshot }] = await stack.query<{ snapshot: string }>(`SELECT snapshot FROM patients WHERE id LIKE $1 || '%' LIMIT 1`, [idPrefix]);
    const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
    const event = JSON.stringify(labResultEvent(1).data);
    const script = `\\set pid random(1, ${copied[0].n})
BEGIN;
SELECT version, last_seq, last_hash FROM pgb_patients WHERE id = 'p' || lpad(:pid::text, 8, '0') FOR UPDATE \\gset
UPDATE pgb_patients SET state = state, status = status, snapshot = ${quote(snapshot)}, version = :version + 1, last_seq = :last_seq + 1,
  last_hash = md5(':last_hash') || md5(':last_seq'), day0 = day0, dose_level = dose_level, updated_at = now()::text
  WHERE id = 'p' || lpad(:pid::text, 8, '0') AND version = :version;
INSERT INTO pgb_events (patient_id, seq, type, data, actor, actor_name, reason, occurred_at, recorded_at, idempotency_key, signature, prev_hash, hash)
  VALUES ('p' || lpad(:pid::text, 8, '0'), :last_seq + 1, 'LAB_RESULT_RECORDED', ${quote(event)}, 'user:00000000-0000-0000-0000-000000000000',
  'coordinator of site-b', NULL, now()::text, now()::text, NULL, NULL, ':last_hash', md5(':last_hash') || md5(':last_seq'));
INSERT INTO pgb_timers (id, patient_id, send_id, event_type, event_data, due_at, status, created_seq, settled_seq, settled_at)
  VALUES ('p' || lpad(:pid::text, 8, '0') || '.' || (:last_seq + 1) || '.visit-reminder.D28', 'p' || lpad(:pid::text, 8, '0'), 'visit-reminder.D28',
  'VISIT_REMINDER', '{"visit":"D28"}', (now() + interval '28 days')::text, 'pending', :last_seq + 1, NULL, NULL);
END;
`;
    const dir = mkdtempSync(join(tmpdir(), 'cart-pgbench-'));
    writeFileSync(join(dir, 'event.sql'), script);
    return new PgBench(stack, dir, join(dir, 'event.sql'), Number(copied[0].n));
  }

  /** Transactions per second at `clients` connections for `seconds` (pgbench -T), and the mean latency. */
  async measure(clients: number, seconds: number): Promise<{ clients: number; tps: number; latencyAvgMs: number }> {
    const url = new URL(this.stack.databaseUrl);
    const args = ['-n', '-f', this.script, '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(Math.max(1, Math.round(seconds)))];
    args.push('-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres'), url.pathname.slice(1));
    const output = await new Promise<string>((done, fail) => {
      const child = spawn('pgbench', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      child.stderr.on('data', (c: Buffer) => (text += c.toString()));
      child.on('error', fail);
      child.on('exit', (code) => (code === 0 ? done(text) : fail(new Error(`pgbench exited with ${code}:\n${text}`))));
    });
    const tps = Number(output.match(/tps = ([\d.]+)/)?.[1]);
    const latencyAvgMs = Number(output.match(/latency average = ([\d.]+) ms/)?.[1]);
    if (!Number.isFinite(tps)) throw new Error(`pgbench printed no tps:\n${output}`);
    if (/aborted|failed: [1-9]/.test(output)) throw new Error(`pgbench transactions failed:\n${output}`);
    return { clients, tps, latencyAvgMs };
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** pgbench comes with Debian's postgresql-client; install it when the machine lacks it. */
async function ensurePgbench(): Promise<void> {
  try {
    await run('pgbench', ['--version']);
    return;
  } catch {
    // installed below
  }
  const [command, ...before] = process.getuid?.() === 0 ? ['apt-get'] : ['sudo', 'apt-get'];
  await run(command, [...before, 'update', '-qq'], { timeout: 300_000 });
  await run(command, [...before, 'install', '-y', '-qq', 'postgresql-client'], { timeout: 300_000 });
  await run('pgbench', ['--version']);
}
