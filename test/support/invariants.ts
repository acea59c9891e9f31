import { DataSource } from 'typeorm';
import type { TestApp } from './test-app';

/**
 * What the database holds, in a few numbers: a request that wrote nothing leaves it unchanged.
 * Outbox rows are counted, not their status (the worker delivers them in the background).
 */
export interface Fingerprint {
  events: number;
  patients: number;
  versions: number;
  idempotencyKeys: number;
  outbox: number;
  timers: string;
  trials: number;
}

export async function fingerprint(t: TestApp): Promise<Fingerprint> {
  const [row] = await t.app.get(DataSource).query(`
    SELECT
      (SELECT count(*) FROM patient_events) AS events,
      (SELECT count(*) FROM patients) AS patients,
      (SELECT coalesce(sum(version), 0) FROM patients) AS versions,
      (SELECT count(*) FROM idempotency_keys) AS "idempotencyKeys",
      (SELECT count(*) FROM outbox) AS outbox,
      (SELECT coalesce(string_agg(status || '=' || n, ',' ORDER BY status), '')
         FROM (SELECT status, count(*) AS n FROM timers GROUP BY status) s) AS timers,
      (SELECT coalesce(sum(version), 0) FROM trials) AS trials`);
  return {
    events: Number(row.events),
    patients: Number(row.patients),
    versions: Number(row.versions),
    idempotencyKeys: Number(row.idempotencyKeys),
    outbox: Number(row.outbox),
    timers: String(row.timers),
    trials: Number(row.trials),
  };
}

export interface PatientRow {
  state: string;
  version: number;
  lastSeq: number;
  lastHash: string;
}

export async function patientRow(t: TestApp, patientId: string): Promise<PatientRow> {
  const [row] = await t.app.get(DataSource).query('SELECT state, version, last_seq AS "lastSeq", last_hash AS "lastHash" FROM patients WHERE id = $1', [patientId]);
  if (!row) throw new Error(`patient ${patientId} is not in the database`);
  return { state: row.state, version: Number(row.version), lastSeq: Number(row.lastSeq), lastHash: row.lastHash };
}

/** The type of the log entry `seq` of a patient, read straight from the database (undefined: no such entry). */
export async function loggedType(t: TestApp, patientId: string, seq: number): Promise<string | undefined> {
  const [row] = await t.app.get(DataSource).query('SELECT type FROM patient_events WHERE patient_id = $1 AND seq = $2', [patientId, seq]);
  return row?.type;
}

export interface LogEntry {
  seq: number;
  type: string;
  data: Record<string, unknown>;
  actor: string;
  actorName: string;
  occurredAt: string;
  recordedAt: string;
  prevHash: string;
  hash: string;
}

/** The whole event log through the API, page by page. */
export async function readLog(t: TestApp, patientId: string, token: string): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for (;;) {
    const res = await t.http.get(`/patients/${patientId}/events?afterSeq=${entries.at(-1)?.seq ?? 0}&limit=1000`).set('Authorization', `Bearer ${token}`);
    if (res.status !== 200) throw new Error(`GET /patients/${patientId}/events answered ${res.status} ${JSON.stringify(res.body)}`);
    entries.push(...(res.body as LogEntry[]));
    if ((res.body as LogEntry[]).length < 1000) return entries;
  }
}

export interface VerifyAnswer {
  ok: boolean;
  patientsChecked: number;
  entriesChecked: number;
  firstBroken: null | { patientId: string; seq: number; problem: string };
  broken: Array<{ patientId: string; seq: number; problem: string }>;
  checkpoint: null | { number: number; issuedAt: string; treeSize: number; rootHash: string; patients: number; entries: number; origin: string };
  checkpointProblem: string | null;
}

export async function verifyAudit(t: TestApp, token: string, patientId?: string) {
  const res = await t.http.get(`/audit/verify${patientId ? `?patientId=${patientId}` : ''}`).set('Authorization', `Bearer ${token}`);
  return { status: res.status, body: res.body as VerifyAnswer };
}

const USER_ACTOR = /^user:[0-9a-f-]{36}$/;

/** Problems with the actor rule: every entry names `user:<id>` or `system:scheduler`, and a name. */
export function actorProblems(entries: LogEntry[]): string[] {
  return entries.flatMap((e) => {
    const problems: string[] = [];
    if (!(USER_ACTOR.test(e.actor) || e.actor === 'system:scheduler')) problems.push(`seq ${e.seq}: actor ${JSON.stringify(e.actor)}`);
    if (typeof e.actorName !== 'string' || !e.actorName.trim()) problems.push(`seq ${e.seq}: actorName ${JSON.stringify(e.actorName)}`);
    return problems;
  });
}

/**
 * The invariants of one patient's log, read through the API: seq is gapless 1..n, the patient's
 * version and lastSeq agree with it, every entry names its actor, and /audit/verify (hash chain and
 * snapshot = replay) says ok. Returns the log; throws with every problem named.
 */
export async function assertPatientConsistent(t: TestApp, patientId: string, reader: string, monitor: string): Promise<LogEntry[]> {
  const problems: string[] = [];
  const log = await readLog(t, patientId, reader);
  const seqs = log.map((e) => e.seq);
  if (seqs.some((seq, i) => seq !== i + 1)) problems.push(`seq is not gapless 1..${log.length}: ${seqs.join(',')}`);
  if (log[0]?.type !== 'PATIENT_REGISTERED') problems.push(`the log does not start with PATIENT_REGISTERED: ${log[0]?.type}`);
  for (let i = 1; i < log.length; i++) {
    if (log[i].prevHash !== log[i - 1].hash) problems.push(`seq ${log[i].seq}: prevHash is not the hash of seq ${log[i - 1].seq}`);
  }
  problems.push(...actorProblems(log));
  const row = await patientRow(t, patientId);
  if (row.lastSeq !== log.length) problems.push(`lastSeq ${row.lastSeq} but ${log.length} entries`);
  if (row.version !== log.length) problems.push(`version ${row.version} but ${log.length} entries`);
  if (log.length && row.lastHash !== log.at(-1)!.hash) problems.push('lastHash is not the hash of the last entry');
  const verify = await verifyAudit(t, monitor, patientId);
  if (verify.status !== 200 || !verify.body.ok || verify.body.entriesChecked !== log.length) {
    problems.push(`/audit/verify answered ${verify.status} ${JSON.stringify(verify.body)}`);
  }
  if (problems.length) throw new Error(`patient ${patientId} is inconsistent:\n  ${problems.join('\n  ')}`);
  return log;
}
