import { ENTRY_WATCH_GRACE_MS, ENTRY_WATCH_TIMERS } from '#protocols';
import type { Actor } from '../kernel/actor';
import type { MachineAction } from '../kernel/machine-boundary';
import type { OutboxEntity, PatientEntity, PatientEventEntity, TimerEntity } from '../persistence/entities';
import { CURRENT_SEAL_VERSION, entryHash } from '../audit/hash-chain';
import type { AuthenticatedSignature } from '../users/signature-service';

/**
 * What every write to a patient's log is made of, whoever writes it (an event, a registration, a
 * migration, a rollover): the sealed, hash-chained entry, and the rows its machine actions call for.
 */

/** The next entry of the patient's log, chained to its last. */
export function sealedEntry(
  patient: PatientEntity,
  e: {
    type: string;
    data: Record<string, unknown>;
    occurredAt: string;
    recordedAt: string;
    reason: string | null;
    idempotencyKey: string | null;
    actor: Actor;
    signature?: AuthenticatedSignature;
  },
): PatientEventEntity {
  const seq = patient.lastSeq + 1;
  const signature = e.signature ? { ...e.signature, signedAt: e.recordedAt } : null;
  const sealed = {
    patientId: patient.id,
    seq,
    type: e.type,
    data: e.data,
    actor: e.actor.id,
    actorName: e.actor.name,
    reason: e.reason,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    signature,
    idempotencyKey: e.idempotencyKey,
    sealVersion: CURRENT_SEAL_VERSION,
  };
  return { ...sealed, prevHash: patient.lastHash, hash: entryHash(patient.lastHash, sealed) };
}

/**
 * Turns the machine's actions into rows: delayed raises → timers, cancels → send ids of pending
 * timers to cancel, notify → outbox rows. Pure: the writer writes them.
 */
/** When a timer falls due: its delay from the event's clinical time; a watch for an entry, already past due when entered, an hour after the entry (ENTRY_WATCH_TIMERS). */
function dueAtOf(sendId: string, entry: PatientEventEntity, delay: number): string {
  const due = Date.parse(entry.occurredAt) + delay;
  const recorded = Date.parse(entry.recordedAt);
  return new Date(ENTRY_WATCH_TIMERS.includes(sendId) && due < recorded ? recorded + ENTRY_WATCH_GRACE_MS : due).toISOString();
}

export function planEffects(patient: PatientEntity, entry: PatientEventEntity, actions: MachineAction[]) {
  const cancelSendIds = new Set<string>();
  const timers = new Map<string, TimerEntity>();
  const outbox: OutboxEntity[] = [];
  for (const action of actions) {
    const params = action.params ?? {};
    if (action.type === 'xstate.cancel') {
      const sendId = String(params.sendId);
      // A cancel of a timer raised by this very event (exit then re-entry) only drops that one.
      const earlier = [...timers.values()].find((t) => t.sendId === sendId);
      if (earlier) timers.delete(earlier.id);
      else cancelSendIds.add(sendId);
    } else if (action.type === 'xstate.raise' && typeof params.delay === 'number') {
      const raised = params.event as { type: string; data?: Record<string, unknown> };
      const sendId = String(params.id);
      const id = `${patient.id}.${entry.seq}.${sendId}`;
      timers.set(id, {
        id,
        patientId: patient.id,
        sendId,
        eventType: raised.type,
        eventData: raised.data ?? {},
        dueAt: dueAtOf(sendId, entry, params.delay),
        status: 'pending',
        createdSeq: entry.seq,
        settledSeq: null,
        settledAt: null,
      });
    } else if (action.type === 'notify') {
      outbox.push({
        id: `${patient.id}.${entry.seq}.${outbox.length}`,
        patientId: patient.id,
        seq: entry.seq,
        kind: String(params.kind),
        payload: { ...params, patientId: patient.id, subjectId: patient.subjectId, siteId: patient.siteId, protocol: `${patient.protocolId}@${patient.protocolVersion}` },
        status: 'pending',
        attempts: 0,
        createdAt: entry.recordedAt,
        deliveredAt: null,
      });
    }
  }
  return { timers: [...timers.values()], outbox, cancelSendIds: [...cancelSendIds] };
}
