import { trialNoticesFor, type Protocol, type TrialState } from '#protocols';
import type { OutboxEntity, PatientEventEntity } from '../persistence/entities';

/** What marks an outbox row as a notice to the whole trial rather than to one patient's site. */
export const TRIAL_SCOPE = 'trial';

/**
 * The outbox rows of the trial-wide notices an event calls for (a revised escalation decision),
 * written in the event's transaction. The row belongs to the event (patient and seq, never shown);
 * its id and payload name the trial, never the patient: every site's investigators read them.
 */
export function trialNotices(protocol: Pick<Protocol, 'id'>, before: TrialState, after: TrialState, entry: PatientEventEntity): OutboxEntity[] {
  return trialNoticesFor(before, after).map((notice) => ({
    // Its id, which the inboxes and webhooks see, names the trial (every version, ADR 0011) and the hold, never the patient.
    id: `${protocol.id}.hold-${notice.hold}`,
    patientId: entry.patientId,
    seq: entry.seq,
    kind: notice.kind,
    payload: {
      scope: TRIAL_SCOPE,
      kind: notice.kind,
      message: notice.message,
      protocol: protocol.id,
      protocolId: protocol.id,
      decision: notice.decision,
      hold: notice.hold,
    },
    status: 'pending',
    attempts: 0,
    createdAt: entry.recordedAt,
    deliveredAt: null,
  }));
}
