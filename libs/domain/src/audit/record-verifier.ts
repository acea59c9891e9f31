import { type CheckpointBody, CheckpointLog, parseLeafLine } from './checkpoint';
import { type ChainedEntry, verifyChain } from './hash-chain';
import { noteVerifier } from './signed-note';

/**
 * A site's record checked from its exports alone, with no access to the site's database or server:
 * the checkpoints' verifier key (kept by the sponsor since the site was opened), the checkpoint
 * file (GET /audit/checkpoints, or the copies the webhook delivered) and the log (GET /audit/log).
 * It checks that every checkpoint is signed by that key and that its tree head is what its leaves
 * give; that every patient's log is an unbroken hash chain from registration; and that every head any
 * checkpoint sealed is in the log, unchanged. apps/verify-record runs it from the command line.
 */

export interface RecordReport {
  ok: boolean;
  /** The latest checkpoint that holds; null if none does. */
  checkpoint: CheckpointBody | null;
  checkpointProblem: string | null;
  patients: number;
  entries: number;
  /** Every patient whose log does not hold, with the first thing wrong with it. */
  broken: Array<{ patientId: string; seq: number; problem: string }>;
  /** Entries recorded after the latest checkpoint: chained, but not sealed by a signature yet. */
  unsealedEntries: number;
  /** Lines of the log export that are not log entries. */
  malformedLines: string[];
}

type LoggedEntry = ChainedEntry & { prevHash: string; hash: string };

export function verifyRecord(input: { verifierKey: string; checkpoints: string; log: string }): RecordReport {
  const log = new CheckpointLog(noteVerifier(input.verifierKey));
  const checkpointLines = input.checkpoints.split('\n').filter((line) => line.trim());
  for (const line of checkpointLines) if (!log.add(line)) break;

  const { byPatient, malformedLines } = parseLog(input.log);
  const broken = new Map<string, { seq: number; problem: string }>();
  const breakOnce = (patientId: string, seq: number, problem: string) => {
    if (!broken.has(patientId)) broken.set(patientId, { seq, problem });
  };
  for (const [patientId, entries] of byPatient) {
    const chain = verifyChain(entries);
    if (chain) breakOnce(patientId, chain.seq, chain.problem);
  }
  // Every head any valid checkpoint sealed, not only the latest: each must be in the log as sealed.
  checkpointLines.slice(0, log.checkpoints.length).forEach((line, i) => {
    for (const leaf of (JSON.parse(line) as { leaves: string[] }).leaves.map(parseLeafLine)) {
      const entries = byPatient.get(leaf.patientId);
      const entry = entries?.[leaf.seq - 1];
      if (!entries) breakOnce(leaf.patientId, leaf.seq, `checkpoint ${i + 1} sealed this patient at seq ${leaf.seq}, but it is not in the log`);
      else if (!entry || entry.seq !== leaf.seq) breakOnce(leaf.patientId, leaf.seq, `checkpoint ${i + 1} sealed seq ${leaf.seq}, but the log ends at seq ${entries.length}`);
      else if (entry.hash !== leaf.hash) breakOnce(leaf.patientId, leaf.seq, `checkpoint ${i + 1} sealed seq ${leaf.seq} as ${leaf.hash}, but the log's entry is ${entry.hash}`);
      else if ((entries[0].data as { siteId?: string }).siteId !== leaf.siteId) {
        breakOnce(
          leaf.patientId,
          leaf.seq,
          `checkpoint ${i + 1} sealed this patient at site ${leaf.siteId}, but its registration says ${String((entries[0].data as { siteId?: string }).siteId)}`,
        );
      }
    }
  });
  let entries = 0;
  let unsealedEntries = 0;
  for (const [patientId, list] of byPatient) {
    entries += list.length;
    unsealedEntries += list.length - (log.heads.get(patientId)?.seq ?? 0);
  }
  const brokenList = [...broken].map(([patientId, b]) => ({ patientId, ...b })).sort((a, b) => (a.patientId < b.patientId ? -1 : 1));
  return {
    ok: !brokenList.length && !log.problem && !malformedLines.length,
    checkpoint: log.latest ?? null,
    checkpointProblem: log.problem ?? null,
    patients: byPatient.size,
    entries,
    broken: brokenList,
    unsealedEntries: Math.max(0, unsealedEntries),
    malformedLines,
  };
}

function parseLog(text: string): { byPatient: Map<string, LoggedEntry[]>; malformedLines: string[] } {
  const byPatient = new Map<string, LoggedEntry[]>();
  const malformedLines: string[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let entry: LoggedEntry;
    try {
      entry = JSON.parse(line);
    } catch {
      malformedLines.push(`line ${i + 1}: not JSON`);
      return;
    }
    if (typeof entry?.patientId !== 'string' || !Number.isInteger(entry.seq) || typeof entry.hash !== 'string') {
      malformedLines.push(`line ${i + 1}: not a log entry (patientId, seq, hash …)`);
      return;
    }
    const list = byPatient.get(entry.patientId);
    if (list) list.push(entry);
    else byPatient.set(entry.patientId, [entry]);
  });
  for (const list of byPatient.values()) list.sort((a, b) => a.seq - b.seq);
  return { byPatient, malformedLines };
}
