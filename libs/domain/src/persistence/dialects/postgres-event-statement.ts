import type { EventWrite } from '../event-statements';

/** The pg client under a TypeORM transaction (PostgresQueryRunner.connect() answers it), or the pool. */
export interface PgClient {
  query(config: PreparedStatement): Promise<{ rows: Record<string, unknown>[] }>;
}

export interface PreparedStatement {
  /** The statement's name: the same for every write of the same shape, so each shape is parsed and planned once per connection. */
  name: string;
  text: string;
  values: unknown[];
}

/** One common table expression of the statement, with the values it refers to by name. */
interface Part {
  /** Added to the statement's name when the part is present. */
  tag: string;
  /** The part that cancels timers: the statement answers their ids. */
  cancels?: boolean;
  values: Record<string, unknown>;
  sql(ref: Refs): string;
}

/** `$n` of each named value. */
type Refs = Record<string, string>;

/**
 * Everything one event writes as one statement of data-modifying CTEs: the patient row saved
 * (`saved`: inserted for a registration, else updated under its version), the log entry, cancelled and
 * new timers, outbox rows, the idempotency key. Every part but the first reads from `saved`, so a
 * version that moved on writes nothing at all. It answers `written` (1 or 0) and the ids of the
 * timers it cancelled. Values are named where they are used; they are numbered `$1…$n` in the order
 * the parts name them, which the statement's shape (and so its name) fixes.
 */
export function eventWriteStatement(w: EventWrite): PreparedStatement {
  const parts = [
    w.expectedVersion === null ? insertedPatient(w) : updatedPatient(w),
    loggedEntry(w),
    ...(w.firedTimerId ? [firedTimer(w)] : []),
    ...(w.cancel === 'all' || w.cancel.length ? [cancelledTimers(w)] : []),
    ...(w.timers.length ? [newTimers(w)] : []),
    ...(w.outbox.length ? [newOutbox(w)] : []),
    ...(w.idempotencyKey ? [newIdempotencyKey(w)] : []),
  ];
  const values: unknown[] = [];
  const ref: Refs = {};
  for (const part of parts) {
    for (const [name, value] of Object.entries(part.values)) {
      if (!(name in ref)) ref[name] = `$${values.push(value)}`;
      else if (values[Number(ref[name].slice(1)) - 1] !== value) throw new Error(`Two parts of the event's statement give ${name} different values`);
    }
  }
  const cancelled = parts.some((part) => part.cancels) ? 'ARRAY(SELECT id FROM cancelled)' : `'{}'::text[]`;
  return {
    name: `cart_${parts.map((part) => part.tag).join('')}`,
    text: `WITH ${parts.map((part) => part.sql(ref)).join(',\n')}
      SELECT (SELECT count(*) FROM saved)::int AS written, ${cancelled} AS cancelled`,
    values,
  };
}

/** The columns of the row that change with every event (the protocol version with a migration), shared by the insert and the update. */
function patientValues(w: EventWrite) {
  const p = w.patient;
  return {
    patientId: p.id,
    protocolVersion: p.protocolVersion,
    state: p.state,
    status: p.status,
    snapshot: JSON.stringify(p.snapshot),
    version: p.version,
    seq: p.lastSeq,
    hash: p.lastHash,
    day0: p.day0,
    doseLevel: p.doseLevel,
    updatedAt: p.updatedAt,
  };
}

function insertedPatient(w: EventWrite): Part {
  const p = w.patient;
  return {
    tag: 'register',
    values: {
      ...patientValues(w),
      subjectId: p.subjectId,
      siteId: p.siteId,
      protocolId: p.protocolId,
      cohort: p.cohort,
      registeredAt: p.registeredAt,
    },
    sql: ($) => `saved AS (
      INSERT INTO patients (id, subject_id, site_id, protocol_id, protocol_version, cohort, state, status, snapshot, version, last_seq, last_hash,
                            day0, dose_level, registered_at, updated_at)
      VALUES (${$.patientId}, ${$.subjectId}, ${$.siteId}, ${$.protocolId}, ${$.protocolVersion}, ${$.cohort}, ${$.state}, ${$.status},
              ${$.snapshot}, ${$.version}, ${$.seq}, ${$.hash}, ${$.day0}, ${$.doseLevel}, ${$.registeredAt}, ${$.updatedAt})
      RETURNING id)`,
  };
}

/**
 * The row under its version; an event that fires a timer also only while that timer is still pending
 * (the `fired` part names the same timer, so the statement's shape, and its name, say which).
 */
function updatedPatient(w: EventWrite): Part {
  const fires = Boolean(w.firedTimerId);
  return {
    tag: 'write_event',
    values: { ...patientValues(w), expectedVersion: w.expectedVersion, ...(fires ? { firedTimerId: w.firedTimerId } : {}) },
    sql: ($) => `saved AS (
      UPDATE patients SET protocol_version = ${$.protocolVersion}, state = ${$.state}, status = ${$.status}, snapshot = ${$.snapshot}, version = ${$.version}, last_seq = ${$.seq},
             last_hash = ${$.hash}, day0 = ${$.day0}, dose_level = ${$.doseLevel}, updated_at = ${$.updatedAt}
       WHERE id = ${$.patientId} AND version = ${$.expectedVersion}${fires ? ` AND EXISTS (SELECT 1 FROM timers WHERE id = ${$.firedTimerId} AND status = 'pending')` : ''} RETURNING id)`,
  };
}

function loggedEntry(w: EventWrite): Part {
  const e = w.entry;
  return {
    tag: '',
    values: {
      patientId: e.patientId,
      seq: e.seq,
      type: e.type,
      data: JSON.stringify(e.data),
      actor: e.actor,
      actorName: e.actorName,
      reason: e.reason,
      occurredAt: e.occurredAt,
      recordedAt: e.recordedAt,
      idempotencyKey: e.idempotencyKey,
      signature: e.signature === null ? null : JSON.stringify(e.signature),
      prevHash: e.prevHash,
      hash: e.hash,
      sealVersion: e.sealVersion,
    },
    sql: ($) => `logged AS (
      INSERT INTO patient_events (patient_id, seq, type, data, actor, actor_name, reason, occurred_at, recorded_at, idempotency_key, signature,
                                  prev_hash, hash, seal_version)
      SELECT ${$.patientId}, ${$.seq}, ${$.type}, ${$.data}, ${$.actor}, ${$.actorName}, ${$.reason}, ${$.occurredAt}, ${$.recordedAt},
             ${$.idempotencyKey}, ${$.signature}, ${$.prevHash}, ${$.hash}, ${$.sealVersion} FROM saved)`,
  };
}

/**
 * The timer the event fires, settled by this entry: read pending under its own and the patient's
 * lock, which the write still holds, and written only while pending (`saved` checks the same).
 */
function firedTimer(w: EventWrite): Part {
  return {
    tag: '_f',
    values: { firedTimerId: w.firedTimerId, seq: w.entry.seq, recordedAt: w.entry.recordedAt },
    sql: ($) => `fired AS (
      UPDATE timers SET status = 'fired', settled_seq = ${$.seq}, settled_at = ${$.recordedAt}
       WHERE id = ${$.firedTimerId} AND status = 'pending' AND EXISTS (SELECT 1 FROM saved))`,
  };
}

/** The patient's pending timers of the cancelled send ids, or all of them, settled by this entry (never the one it fires). */
function cancelledTimers(w: EventWrite): Part {
  const all = w.cancel === 'all';
  const fires = Boolean(w.firedTimerId);
  return {
    tag: all ? '_ca' : '_c',
    cancels: true,
    values: {
      patientId: w.patient.id,
      seq: w.entry.seq,
      recordedAt: w.entry.recordedAt,
      ...(all ? {} : { cancelSendIds: w.cancel }),
      ...(fires ? { firedTimerId: w.firedTimerId } : {}),
    },
    sql: ($) => `cancelled AS (
      UPDATE timers SET status = 'cancelled', settled_seq = ${$.seq}, settled_at = ${$.recordedAt}
       WHERE patient_id = ${$.patientId} AND status = 'pending'${all ? '' : ` AND send_id = ANY(${$.cancelSendIds}::text[])`}${fires ? ` AND id <> ${$.firedTimerId}` : ''}
         AND EXISTS (SELECT 1 FROM saved) RETURNING id)`,
  };
}

function newTimers(w: EventWrite): Part {
  const t = w.timers;
  return {
    tag: '_t',
    values: {
      patientId: w.patient.id,
      seq: w.entry.seq,
      timerIds: t.map((x) => x.id),
      timerSendIds: t.map((x) => x.sendId),
      timerEventTypes: t.map((x) => x.eventType),
      timerEventData: t.map((x) => JSON.stringify(x.eventData)),
      timerDueAts: t.map((x) => x.dueAt),
    },
    sql: ($) => `new_timers AS (
      INSERT INTO timers (id, patient_id, send_id, event_type, event_data, due_at, status, created_seq, settled_seq, settled_at)
      SELECT t.id, ${$.patientId}, t.send_id, t.event_type, t.event_data, t.due_at, 'pending', ${$.seq}, NULL, NULL
        FROM saved, unnest(${$.timerIds}::text[], ${$.timerSendIds}::text[], ${$.timerEventTypes}::text[], ${$.timerEventData}::text[],
                           ${$.timerDueAts}::text[]) AS t(id, send_id, event_type, event_data, due_at))`,
  };
}

function newOutbox(w: EventWrite): Part {
  const o = w.outbox;
  return {
    tag: '_o',
    values: {
      patientId: w.patient.id,
      seq: w.entry.seq,
      recordedAt: w.entry.recordedAt,
      outboxIds: o.map((x) => x.id),
      outboxKinds: o.map((x) => x.kind),
      outboxPayloads: o.map((x) => JSON.stringify(x.payload)),
    },
    sql: ($) => `new_outbox AS (
      INSERT INTO outbox (id, patient_id, seq, kind, payload, status, attempts, created_at, delivered_at)
      SELECT o.id, ${$.patientId}, ${$.seq}, o.kind, o.payload, 'pending', 0, ${$.recordedAt}, NULL
        FROM saved, unnest(${$.outboxIds}::text[], ${$.outboxKinds}::text[], ${$.outboxPayloads}::text[]) AS o(id, kind, payload))`,
  };
}

function newIdempotencyKey(w: EventWrite): Part {
  const k = w.idempotencyKey!;
  return {
    tag: '_k',
    values: {
      patientId: w.patient.id,
      seq: w.entry.seq,
      recordedAt: w.entry.recordedAt,
      key: k.key,
      requestHash: k.requestHash,
      response: JSON.stringify(k.response),
    },
    sql: ($) => `new_key AS (
      INSERT INTO idempotency_keys (patient_id, key, request_hash, response, seq, created_at)
      SELECT ${$.patientId}, ${$.key}, ${$.requestHash}, ${$.response}, ${$.seq}, ${$.recordedAt} FROM saved)`,
  };
}
