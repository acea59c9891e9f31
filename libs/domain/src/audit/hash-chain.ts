import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';

export const GENESIS_HASH = '0'.repeat(64);

/**
 * How an entry is sealed, recorded with it (`patient_events.seal_version`) so that every entry is
 * checked the way it was written:
 *
 * - 1 (entries written before migration 1764510000000): patientId, seq, type, data, actor,
 *   actorName, reason, occurredAt, recordedAt, and the signature when there is one;
 * - 2: all of version 1, the signature (null when none), the idempotency key (null when none) and
 *   the version itself, so every column of the entry that carries meaning is sealed.
 *
 * A chain may go from 1 to 2 once and never back (verifyChain), so an entry cannot be re-sealed the
 * older, weaker way without that showing.
 */
export const SEAL_VERSIONS = [1, 2] as const;
export type SealVersion = (typeof SEAL_VERSIONS)[number];
export const CURRENT_SEAL_VERSION: SealVersion = 2;

/** The fields of a log entry that its hash seals. */
export interface ChainedEntry {
  patientId: string;
  seq: number;
  type: string;
  data: Record<string, unknown>;
  actor: string;
  actorName: string;
  reason: string | null;
  occurredAt: string;
  recordedAt: string;
  /** Present on a signed entry; sealed with the rest. */
  signature?: { signerId: string; signerName: string; signedAt: string; meaning: string } | null;
  /** The request's Idempotency-Key; sealed from version 2 on. */
  idempotencyKey?: string | null;
  sealVersion: number;
}

/**
 * SHA-256 over the previous entry's hash, a newline and the canonical JSON of what this entry's
 * seal version seals (keys sorted, no white space: fast-json-stable-stringify).
 */
export function entryHash(prevHash: string, entry: ChainedEntry): string {
  return createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(stableStringify(sealedFields(entry)))
    .digest('hex');
}

/** What the entry's seal version seals; each version one object literal (the event path hashes one per event). */
function sealedFields(e: ChainedEntry): Record<string, unknown> {
  switch (e.sealVersion) {
    case 1:
      return e.signature
        ? {
            patientId: e.patientId,
            seq: e.seq,
            type: e.type,
            data: e.data,
            actor: e.actor,
            actorName: e.actorName,
            reason: e.reason,
            occurredAt: e.occurredAt,
            recordedAt: e.recordedAt,
            signature: e.signature,
          }
        : {
            patientId: e.patientId,
            seq: e.seq,
            type: e.type,
            data: e.data,
            actor: e.actor,
            actorName: e.actorName,
            reason: e.reason,
            occurredAt: e.occurredAt,
            recordedAt: e.recordedAt,
          };
    case 2:
      return {
        patientId: e.patientId,
        seq: e.seq,
        type: e.type,
        data: e.data,
        actor: e.actor,
        actorName: e.actorName,
        reason: e.reason,
        occurredAt: e.occurredAt,
        recordedAt: e.recordedAt,
        signature: e.signature ?? null,
        idempotencyKey: e.idempotencyKey ?? null,
        sealVersion: 2,
      };
    default:
      throw new Error(`unknown seal version ${e.sealVersion}`);
  }
}

export interface ChainBreak {
  seq: number;
  problem: string;
}

/** Where a walk of a chain starts: before the first entry, or just after an entry already trusted. */
export interface ChainStart {
  seq: number;
  hash: string;
  sealVersion: number;
}

const GENESIS: ChainStart = { seq: 0, hash: GENESIS_HASH, sealVersion: 1 };

/**
 * Walks a patient's entries in seq order, from the start of the log or from an entry already
 * trusted (`from`: the entries given follow it); returns the first broken link, or null when the
 * chain holds.
 */
export function verifyChain(entries: Array<ChainedEntry & { prevHash: string; hash: string }>, from: ChainStart = GENESIS): ChainBreak | null {
  let prevHash = from.hash;
  let expectedSeq = from.seq + 1;
  let sealVersion = from.sealVersion;
  for (const entry of entries) {
    if (entry.seq !== expectedSeq) return { seq: entry.seq, problem: `expected seq ${expectedSeq}, found ${entry.seq}` };
    if (!(SEAL_VERSIONS as readonly number[]).includes(entry.sealVersion)) return { seq: entry.seq, problem: `unknown seal version ${entry.sealVersion}` };
    if (entry.sealVersion < sealVersion) {
      return { seq: entry.seq, problem: `sealed the version ${entry.sealVersion} way after an entry sealed the version ${sealVersion} way` };
    }
    if (entry.prevHash !== prevHash) return { seq: entry.seq, problem: 'prevHash does not match the previous entry' };
    if (entryHash(prevHash, entry) !== entry.hash) return { seq: entry.seq, problem: 'hash does not match the entry' };
    prevHash = entry.hash;
    sealVersion = entry.sealVersion;
    expectedSeq += 1;
  }
  return null;
}
