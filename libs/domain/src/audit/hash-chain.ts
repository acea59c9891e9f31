import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';

export const GENESIS_HASH = '0'.repeat(64);

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
}

/** SHA-256 over the previous entry's hash and this entry's canonical JSON. */
export function entryHash(prevHash: string, entry: ChainedEntry): string {
  const sealed = stableStringify({
    patientId: entry.patientId,
    seq: entry.seq,
    type: entry.type,
    data: entry.data,
    actor: entry.actor,
    actorName: entry.actorName,
    reason: entry.reason,
    occurredAt: entry.occurredAt,
    recordedAt: entry.recordedAt,
    ...(entry.signature ? { signature: entry.signature } : {}),
  });
  return createHash('sha256').update(prevHash).update('\n').update(sealed).digest('hex');
}

export interface ChainBreak {
  seq: number;
  problem: string;
}

/** Walks a patient's entries in seq order; returns the first broken link, or null when the chain holds. */
export function verifyChain(entries: Array<ChainedEntry & { prevHash: string; hash: string }>): ChainBreak | null {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  for (const entry of entries) {
    if (entry.seq !== expectedSeq) return { seq: entry.seq, problem: `expected seq ${expectedSeq}, found ${entry.seq}` };
    if (entry.prevHash !== prevHash) return { seq: entry.seq, problem: 'prevHash does not match the previous entry' };
    if (entryHash(prevHash, entry) !== entry.hash) return { seq: entry.seq, problem: 'hash does not match the entry' };
    prevHash = entry.hash;
    expectedSeq += 1;
  }
  return null;
}
