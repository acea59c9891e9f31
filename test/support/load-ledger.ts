import { performance } from 'node:perf_hooks';
import { type Answer, call, labResultEvent, type ServiceProcess, type ServiceStack } from '#testing';

/**
 * Load driven against several API processes at once, and the ledger of what each client was told,
 * checked afterwards against the database: nothing lost, nothing doubled, nothing reordered.
 *
 * Each client is bound to one API (client c to API c mod N) and posts lab results, one in flight,
 * each under an Idempotency-Key of its own, to patients drawn at random. Every `replayEvery`-th
 * acknowledged write is sent again, same key and body, to another API (a retry after a lost
 * answer, through another process behind the load balancer); every `raceEvery`-th write is sent to
 * two APIs at the same moment (a client that retried before the first answer came).
 */

export interface LoadOptions {
  apis: ServiceProcess[];
  token: string;
  patients: string[];
  clients: number;
  seconds: number;
  /**
   * Go on after `seconds` until this many writes are acknowledged, with this many replays and
   * races each, for at most `maxSeconds` in all: on a machine busy with other work, the checks
   * still get enough to look at.
   */
  atLeast?: { acked: number; repeats: number; maxSeconds: number };
  /** Dates the lab results (occurred and collected): the same `i` and `at` give the same body. */
  at: string;
  replayEvery: number;
  raceEvery: number;
}

/** One acknowledged write: when it was sent and when the client first learnt it was written (performance.now()). */
export interface AckedWrite {
  patientId: string;
  key: string;
  /** The lab value sent, to find in the logged entry. */
  value: number;
  client: number;
  api: number;
  sentAt: number;
  ackedAt: number;
  seq: number;
  version: number;
}

/** The same key and body sent again to another API, or twice at once: both answers. */
export interface KeyedRepeat {
  key: string;
  patientId: string;
  kind: 'replay' | 'race';
  apis: [number, number];
  answers: Array<{ status: number; seq?: number; version?: number; replayed: boolean }>;
}

export interface Ledger {
  acked: AckedWrite[];
  repeats: KeyedRepeat[];
  /** Answers other than 200 (and transport errors, status 0): a correct deployment gives none. */
  refused: Array<{ key: string; api: number; status: number; body: unknown }>;
  seconds: number;
  perApi: number[];
}

const minimal = { prefer: 'return=minimal' };

export async function driveLoad(options: LoadOptions): Promise<Ledger> {
  const { apis, token, patients, at } = options;
  const ledger: Ledger = { acked: [], repeats: [], refused: [], seconds: 0, perApi: apis.map(() => 0) };
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const hardDeadline = started + (options.atLeast?.maxSeconds ?? options.seconds) * 1000;
  const enough = () => {
    const floor = options.atLeast;
    if (!floor) return true;
    const kinds = (kind: KeyedRepeat['kind']) => ledger.repeats.filter((r) => r.kind === kind).length;
    return ledger.acked.length >= floor.acked && kinds('replay') >= floor.repeats && kinds('race') >= floor.repeats;
  };
  const goOn = () => {
    const now = performance.now();
    return now < deadline || (now < hardDeadline && !enough());
  };
  let next = 0;
  const post = (api: number, patientId: string, i: number, key: string): Promise<Answer> => {
    ledger.perApi[api] += 1;
    return call(apis[api].url!, 'POST', `/patients/${patientId}/events`, token, labResultEvent(i, at), { 'Idempotency-Key': key, ...minimal });
  };
  const summary = (a: Answer) => ({
    status: a.status,
    seq: a.body?.seq as number | undefined,
    version: a.body?.patient?.version as number | undefined,
    replayed: a.headers['idempotent-replayed'] === 'true',
  });

  const client = async (c: number) => {
    const home = c % apis.length;
    const other = (home + 1) % apis.length;
    while (goOn()) {
      const i = ++next;
      const patientId = patients[Math.floor(Math.random() * patients.length)];
      const key = `load-${i}`;
      const value = labResultEvent(i, at).data.value as number;
      const sentAt = performance.now();
      if (i % options.raceEvery === 0) {
        // Two processes at once: the first answer to arrive is the acknowledgement.
        let first = Number.POSITIVE_INFINITY;
        const timed = (api: number) => post(api, patientId, i, key).then((a) => ((first = Math.min(first, performance.now())), a));
        const answers = await Promise.all([timed(home), timed(other)]);
        ledger.repeats.push({ key, patientId, kind: 'race', apis: [home, other], answers: answers.map(summary) });
        const ok = answers.find((a) => a.status === 200);
        for (const [n, a] of answers.entries()) if (a.status !== 200) ledger.refused.push({ key, api: n ? other : home, status: a.status, body: a.body });
        if (ok) ledger.acked.push({ patientId, key, value, client: c, api: home, sentAt, ackedAt: first, seq: ok.body.seq, version: ok.body.patient.version });
        continue;
      }
      const answer = await post(home, patientId, i, key);
      const ackedAt = performance.now();
      if (answer.status !== 200) {
        ledger.refused.push({ key, api: home, status: answer.status, body: answer.body });
        continue;
      }
      ledger.acked.push({ patientId, key, value, client: c, api: home, sentAt, ackedAt, seq: answer.body.seq, version: answer.body.patient.version });
      if (i % options.replayEvery === 0) {
        const again = await post(other, patientId, i, key);
        ledger.repeats.push({ key, patientId, kind: 'replay', apis: [home, other], answers: [summary(answer), summary(again)] });
        if (again.status !== 200) ledger.refused.push({ key, api: other, status: again.status, body: again.body });
      }
    }
  };
  await Promise.all(Array.from({ length: options.clients }, (_, c) => client(c)));
  ledger.seconds = (performance.now() - started) / 1000;
  return ledger;
}

interface LogRow {
  patient_id: string;
  seq: number;
  type: string;
  data: string;
  actor: string;
  idempotency_key: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * Everything wrong with the ledger against the database, in words; empty when the deployment lost,
 * doubled and reordered nothing:
 * - every patient's log is seq 1..n without a gap, its row's version and last_seq are n, and each
 *   entry chains to the one before;
 * - every acknowledged key is in its patient's log exactly once, at the seq it was answered with,
 *   with the value sent; no lab result is logged under a key nobody was told about;
 * - a key sent again to another API, or to two at once, got the same seq and version, and exactly
 *   one of its answers was not a replay;
 * - a write acknowledged before another was sent to the same patient has the smaller seq
 *   (the order the clients saw is the order of the log);
 * - every record's lab result count is the number of its logged lab results (no lost update of
 *   the snapshot), read through `reader`.
 */
export async function ledgerProblems(stack: ServiceStack, ledger: Ledger, patients: string[], reader: { api: ServiceProcess; token: string }): Promise<string[]> {
  const problems: string[] = [];
  const rows = await stack.query<LogRow>(
    'SELECT patient_id, seq, type, data, actor, idempotency_key, prev_hash, hash FROM patient_events WHERE patient_id = ANY($1) ORDER BY patient_id, seq',
    [patients],
  );
  const heads = new Map(
    (
      await stack.query<{ id: string; version: number; last_seq: number; last_hash: string }>('SELECT id, version, last_seq, last_hash FROM patients WHERE id = ANY($1)', [
        patients,
      ])
    ).map((p) => [p.id, p]),
  );
  const logs = new Map<string, LogRow[]>(patients.map((id) => [id, []]));
  for (const row of rows) logs.get(row.patient_id)!.push(row);
  const ackedByKey = new Map(ledger.acked.map((w) => [`${w.patientId}/${w.key}`, w]));

  for (const [patientId, log] of logs) {
    const head = heads.get(patientId);
    const gap = log.findIndex((e, n) => e.seq !== n + 1);
    if (gap >= 0) problems.push(`${patientId}: seq is not 1..${log.length} (entry ${gap + 1} has seq ${log[gap].seq})`);
    if (!head || head.version !== log.length || head.last_seq !== log.length)
      problems.push(`${patientId}: version ${head?.version}, last_seq ${head?.last_seq}, but ${log.length} entries`);
    if (head && log.length && head.last_hash !== log.at(-1)!.hash) problems.push(`${patientId}: last_hash is not the hash of the last entry`);
    for (let n = 1; n < log.length; n++) if (log[n].prev_hash !== log[n - 1].hash) problems.push(`${patientId}: seq ${log[n].seq} does not chain to seq ${log[n - 1].seq}`);
    const keyed = log.filter((e) => e.idempotency_key?.startsWith('load-'));
    const seen = new Map<string, number>();
    for (const e of keyed) seen.set(e.idempotency_key!, (seen.get(e.idempotency_key!) ?? 0) + 1);
    for (const [key, times] of seen) {
      if (times > 1) problems.push(`${patientId}: key ${key} logged ${times} times`);
      if (!ackedByKey.has(`${patientId}/${key}`)) problems.push(`${patientId}: key ${key} logged but never acknowledged`);
    }
    const bySeq = new Map(log.map((e) => [e.seq, e]));
    const acked = ledger.acked.filter((w) => w.patientId === patientId);
    for (const w of acked) {
      const entry = bySeq.get(w.seq);
      if (!seen.has(w.key)) problems.push(`${patientId}: acknowledged key ${w.key} (seq ${w.seq}) is not in the log`);
      else if (entry?.idempotency_key !== w.key)
        problems.push(`${patientId}: key ${w.key} answered seq ${w.seq}, which holds ${entry?.idempotency_key ?? entry?.type ?? 'nothing'}`);
      else if ((JSON.parse(entry.data) as { value?: number }).value !== w.value) problems.push(`${patientId}: seq ${w.seq} holds another value than key ${w.key} sent`);
    }
    problems.push(...orderProblems(patientId, acked));
    const record = await call(reader.api.url!, 'GET', `/patients/${patientId}`, reader.token);
    const labs = log.filter((e) => e.type === 'LAB_RESULT_RECORDED').length;
    if (record.status !== 200 || record.body.record?.labResultCount !== labs) {
      problems.push(`${patientId}: the record counts ${record.body?.record?.labResultCount} lab results (status ${record.status}), the log ${labs}`);
    }
  }

  for (const r of ledger.repeats) {
    const [a, b] = r.answers;
    if (a.status !== 200 || b.status !== 200) continue; // counted as refused
    if (a.seq !== b.seq || a.version !== b.version)
      problems.push(`${r.kind} of ${r.key} on APIs ${r.apis.join(' and ')}: seq/version ${a.seq}/${a.version} vs ${b.seq}/${b.version}`);
    const fresh = r.answers.filter((x) => !x.replayed).length;
    if (fresh !== 1) problems.push(`${r.kind} of ${r.key}: ${fresh} answers were not replays (one must be)`);
    if (r.kind === 'replay' && !b.replayed) problems.push(`replay of ${r.key} on API ${r.apis[1]} was written again`);
  }
  return problems;
}

/**
 * The real-time order of one patient's acknowledged writes: a write acknowledged before another was
 * sent must have the smaller seq, and no two share a seq.
 */
export function orderProblems(patientId: string, acked: AckedWrite[]): string[] {
  const problems: string[] = [];
  const bySeq = [...acked].sort((x, y) => x.seq - y.seq);
  for (let n = 1; n < bySeq.length; n++)
    if (bySeq[n].seq === bySeq[n - 1].seq) problems.push(`${patientId}: keys ${bySeq[n - 1].key} and ${bySeq[n].key} both answered seq ${bySeq[n].seq}`);
  // In seq order: no write with a smaller seq was sent after this one was acknowledged.
  let latestEarlierSend = Number.NEGATIVE_INFINITY;
  let latestEarlier: AckedWrite | undefined;
  for (const w of bySeq) {
    if (latestEarlier && latestEarlierSend > w.ackedAt) {
      problems.push(`${patientId}: key ${latestEarlier.key} (seq ${latestEarlier.seq}) was sent after key ${w.key} (seq ${w.seq}) was acknowledged, yet logged before it`);
    }
    if (w.sentAt > latestEarlierSend) {
      latestEarlierSend = w.sentAt;
      latestEarlier = w;
    }
  }
  return problems;
}

interface TimerRow {
  id: string;
  patient_id: string;
  event_type: string;
  event_data: string;
  due_at: string;
  status: string;
  settled_seq: number | null;
}

/**
 * Every timer of `patients` due by `now` fired exactly once: none still pending (lost), each fired
 * timer settled by a scheduler entry of its own type, and each scheduler entry of the logs belongs
 * to exactly one fired timer (none doubled). Returns the problems and how many timers fired.
 */
export async function timerProblems(stack: ServiceStack, patients: string[], now: string): Promise<{ problems: string[]; fired: number }> {
  const problems: string[] = [];
  const timers = await stack.query<TimerRow>('SELECT id, patient_id, event_type, event_data, due_at, status, settled_seq FROM timers WHERE patient_id = ANY($1)', [patients]);
  const scheduled = await stack.query<LogRow>("SELECT patient_id, seq, type, data, actor FROM patient_events WHERE patient_id = ANY($1) AND actor = 'system:scheduler'", [
    patients,
  ]);
  const entry = new Map(scheduled.map((e) => [`${e.patient_id}/${e.seq}`, e]));
  for (const t of timers.filter((t) => t.due_at <= now && t.status === 'pending')) problems.push(`${t.patient_id}: timer ${t.event_type} due ${t.due_at} never fired`);
  const fired = timers.filter((t) => t.status === 'fired');
  const settledBy = new Map<string, number>();
  for (const t of fired) {
    const key = `${t.patient_id}/${t.settled_seq}`;
    settledBy.set(key, (settledBy.get(key) ?? 0) + 1);
    const e = entry.get(key);
    if (!e || e.type !== t.event_type) problems.push(`${t.patient_id}: fired timer ${t.event_type} is settled by seq ${t.settled_seq}, a ${e?.type ?? 'missing'} scheduler entry`);
  }
  for (const e of scheduled) {
    const n = settledBy.get(`${e.patient_id}/${e.seq}`) ?? 0;
    if (n !== 1) problems.push(`${e.patient_id}: scheduler entry ${e.type} at seq ${e.seq} belongs to ${n} fired timers`);
  }
  const names = scheduled.map((e) => `${e.patient_id}/${e.type}/${(JSON.parse(e.data) as { visit?: string }).visit ?? ''}`);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length) problems.push(`fired twice: ${[...new Set(twice)].join(', ')}`);
  return { problems, fired: fired.length };
}
