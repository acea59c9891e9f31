import { generateKeyPairSync } from 'node:crypto';
import { CheckpointLog } from './checkpoint';
import { type ChainedEntry, entryHash, GENESIS_HASH } from './hash-chain';
import { verifyRecord } from './record-verifier';
import { noteSigner, noteVerifier } from './signed-note';

const signer = noteSigner('site-a.example/cart', generateKeyPairSync('ed25519').privateKey);

type Logged = ChainedEntry & { prevHash: string; hash: string };

function patientLog(patientId: string, n: number, siteId = 'site-a'): Logged[] {
  const entries: Logged[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const entry: ChainedEntry = {
      patientId,
      seq,
      type: seq === 1 ? 'PATIENT_REGISTERED' : 'LAB_RESULT_RECORDED',
      data: seq === 1 ? { siteId } : { value: seq },
      actor: 'user:u1',
      actorName: 'Ana',
      reason: null,
      occurredAt: '2026-01-01T00:00:00.000Z',
      recordedAt: '2026-01-01T00:00:00.000Z',
      signature: null,
      idempotencyKey: null,
      sealVersion: 2,
    };
    const hash = entryHash(prevHash, entry);
    entries.push({ ...entry, prevHash, hash });
    prevHash = hash;
  }
  return entries;
}

const head = (log: Logged[], upTo = log.length) => ({ patientId: log[0].patientId, siteId: (log[0].data as { siteId: string }).siteId, seq: upTo, hash: log[upTo - 1].hash });
const lines = (...logs: Logged[][]) =>
  logs
    .flat()
    .map((e) => JSON.stringify(e))
    .join('\n');

/** Two patients: a sealed at 3 then 5, b sealed at 2; a has one entry more, unsealed. */
function record() {
  const a = patientLog('p-a', 6);
  const b = patientLog('p-b', 2);
  const log = new CheckpointLog(noteVerifier(signer.verifierKey));
  const first = log.next([head(a, 3), head(b)], '2026-01-01T00:00:00.000Z', signer).line;
  const second = log.next([head(a, 5)], '2026-01-01T00:10:00.000Z', signer).line;
  return { a, b, checkpoints: `${first}\n${second}\n` };
}

describe("a sponsor's check of a site's record", () => {
  it('holds for an untouched record, and counts the entries not sealed yet', () => {
    const { a, b, checkpoints } = record();
    expect(verifyRecord({ verifierKey: signer.verifierKey, checkpoints, log: lines(a, b) })).toEqual({
      ok: true,
      checkpoint: expect.objectContaining({ number: 2, patients: 2, entries: 7 }),
      checkpointProblem: null,
      patients: 2,
      entries: 8,
      broken: [],
      unsealedEntries: 1,
      malformedLines: [],
    });
  });

  it('names a head an earlier checkpoint sealed, even when a later one sealed the patient again', () => {
    const { a, b, checkpoints } = record();
    // Entry 3 (sealed by checkpoint 1) rewritten and every hash after it recomputed: only the sealed heads tell.
    const forged = patientLog('p-a', 6);
    forged[2] = { ...forged[2], data: { value: 999 } };
    let prevHash = forged[1].hash;
    for (let i = 2; i < forged.length; i++) {
      forged[i] = { ...forged[i], prevHash, hash: entryHash(prevHash, forged[i]) };
      prevHash = forged[i].hash;
    }
    const report = verifyRecord({ verifierKey: signer.verifierKey, checkpoints, log: lines(forged, b) });
    expect(report.ok).toBe(false);
    expect(report.broken).toEqual([{ patientId: 'p-a', seq: 3, problem: `checkpoint 1 sealed seq 3 as ${a[2].hash}, but the log's entry is ${forged[2].hash}` }]);
  });

  it('names a patient missing from the log, one whose log is cut short, and a broken chain', () => {
    const { a, checkpoints } = record();
    expect(verifyRecord({ verifierKey: signer.verifierKey, checkpoints, log: lines(a.slice(0, 4)) }).broken).toEqual([
      { patientId: 'p-a', seq: 5, problem: 'checkpoint 2 sealed seq 5, but the log ends at seq 4' },
      { patientId: 'p-b', seq: 2, problem: 'checkpoint 1 sealed this patient at seq 2, but it is not in the log' },
    ]);
    const gap = patientLog('p-b', 2).slice(1);
    expect(verifyRecord({ verifierKey: signer.verifierKey, checkpoints, log: lines(a, gap) }).broken).toEqual([{ patientId: 'p-b', seq: 2, problem: 'expected seq 1, found 2' }]);
  });

  it('names a patient sealed at another site than its registration says', () => {
    const { a, checkpoints } = record();
    const moved = patientLog('p-b', 2, 'site-b');
    const report = verifyRecord({ verifierKey: signer.verifierKey, checkpoints, log: lines(a, moved) });
    expect(report.broken.map((b) => b.patientId)).toEqual(['p-b']);
  });

  it('does not hold with lines that are not entries, or checkpoints under another key', () => {
    const { a, b, checkpoints } = record();
    expect(verifyRecord({ verifierKey: signer.verifierKey, checkpoints, log: `${lines(a, b)}\n{"x":1}\nnot json` }).malformedLines).toEqual([
      'line 9: not a log entry (patientId, seq, hash …)',
      'line 10: not JSON',
    ]);
    const other = noteSigner('site-a.example/cart', generateKeyPairSync('ed25519').privateKey);
    expect(verifyRecord({ verifierKey: other.verifierKey, checkpoints, log: lines(a, b) })).toMatchObject({
      ok: false,
      checkpoint: null,
      checkpointProblem: expect.stringContaining('is not signed by site-a.example/cart+'),
    });
  });
});
