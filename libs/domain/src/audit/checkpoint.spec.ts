import { generateKeyPairSync } from 'node:crypto';
import { CheckpointLog, checkpointText, leafLine, parseCheckpointText, type CheckpointRecord, type SealedHead } from './checkpoint';
import { leafHash, treeHash } from './merkle';
import { noteSigner, noteVerifier, openNote } from './signed-note';

const signer = noteSigner('site-a.example/cart', generateKeyPairSync('ed25519').privateKey);
const verifier = noteVerifier(signer.verifierKey);
const hash = (n: number) => n.toString(16).padStart(64, '0');
const head = (patient: string, seq: number, siteId = 'site-a'): SealedHead => ({ patientId: `p-${patient}`, siteId, seq, hash: hash(seq) });

/** Two checkpoints: a and b sealed, then b moved on and c joined. */
function twoCheckpoints() {
  const log = new CheckpointLog(verifier);
  const first = log.next([head('b', 3), head('a', 7)], '2026-01-01T00:00:00.000Z', signer);
  const second = log.next([head('c', 2, 'site-b'), head('b', 5)], '2026-01-01T00:10:00.000Z', signer);
  return { log, lines: [first.line, second.line] };
}

const replay = (lines: string[]) => {
  const log = new CheckpointLog(verifier);
  for (const line of lines) log.add(line);
  return log;
};

describe('checkpoints', () => {
  it('seals each head as a leaf of one growing RFC 6962 tree, in patient id order, and signs the tree head', () => {
    const { log, lines } = twoCheckpoints();
    const leaves = ['p-a site-a 7', 'p-b site-a 3', 'p-b site-a 5', 'p-c site-b 2'].map((l) => `${l} ${hash(Number(l.split(' ')[2]))}`);
    expect(JSON.parse(lines[0]).leaves).toEqual(leaves.slice(0, 2));
    expect(log.latest).toEqual({
      origin: 'site-a.example/cart',
      treeSize: 4,
      rootHash: treeHash(leaves.map((l) => leafHash(l))).toString('hex'),
      number: 2,
      issuedAt: '2026-01-01T00:10:00.000Z',
      patients: 3,
      entries: 7 + 5 + 2,
    });
    const text = openNote(JSON.parse(lines[1]).note, verifier);
    expect(text.split('\n').slice(3)).toEqual(['checkpoint 2', 'issued 2026-01-01T00:10:00.000Z', 'patients 3', 'entries 14', '']);
    expect(parseCheckpointText(text)).toEqual(log.latest);
    expect(checkpointText(log.latest!)).toBe(text);
    expect([...log.heads.values()]).toEqual(expect.arrayContaining([head('a', 7), head('b', 5), head('c', 2, 'site-b')]));
  });

  it('rebuilds the same heads and tree from the file alone', () => {
    const { log, lines } = twoCheckpoints();
    const again = replay(lines);
    expect(again.problem).toBeUndefined();
    expect(again.latest).toEqual(log.latest);
    expect(again.heads).toEqual(log.heads);
  });

  it('names the first line that does not hold, and keeps what came before it', () => {
    const { lines } = twoCheckpoints();
    const edit = (i: number, change: (record: CheckpointRecord) => void) => {
      const copy = [...lines];
      const record = JSON.parse(copy[i]);
      change(record);
      copy[i] = JSON.stringify(record);
      return copy;
    };
    const problemOf = (file: string[]) => {
      const log = replay(file);
      return { problem: log.problem, kept: log.checkpoints.length };
    };
    expect(problemOf(edit(1, (r) => (r.leaves[0] = r.leaves[0].replace(' 5 ', ' 6 '))))).toEqual({
      problem: expect.stringMatching(/^checkpoint 2 \(line 2 of the checkpoint file\): its rootHash is \w+, but its leaves give \w+$/),
      kept: 1,
    });
    expect(problemOf(lines.slice(1))).toEqual({ problem: 'checkpoint 1 (line 1 of the checkpoint file): the line is numbered 2', kept: 0 });
    expect(problemOf(edit(0, (r) => (r.note = r.note.replace('entries 10', 'entries 11'))))).toMatchObject({ problem: expect.stringContaining('does not verify'), kept: 0 });
    const forger = noteSigner('site-a.example/cart', generateKeyPairSync('ed25519').privateKey);
    const forged = new CheckpointLog(noteVerifier(forger.verifierKey)).next([head('a', 7)], '2026-01-01T00:00:00.000Z', forger).line;
    expect(problemOf([forged])).toMatchObject({ problem: expect.stringContaining('is not signed by site-a.example/cart+'), kept: 0 });
    expect(problemOf([lines[0], '{"checkpoint":2,'])).toEqual({ problem: 'checkpoint 2 (line 2 of the checkpoint file): the line is not JSON', kept: 1 });
  });

  it('refuses a head that goes back or changes site, and leaves out of order', () => {
    const log = new CheckpointLog(verifier);
    log.next([head('a', 7)], '2026-01-01T00:00:00.000Z', signer);
    expect(() => log.next([head('a', 7)], '2026-01-01T00:01:00.000Z', signer)).toThrow('patient p-a goes back from seq 7 to 7');
    expect(() => log.next([head('a', 8, 'site-b')], '2026-01-01T00:01:00.000Z', signer)).toThrow('patient p-a moves from site site-a to site-b');
    expect(() => log.next([head('b', 1), head('b', 2)], '2026-01-01T00:01:00.000Z', signer)).toThrow('each patient once');
    expect(log.checkpoints).toHaveLength(1);
  });

  it('never dates a checkpoint before the previous one (a clock set back keeps the last time)', () => {
    const log = new CheckpointLog(verifier);
    log.next([head('a', 1)], '2026-01-02T00:00:00.000Z', signer);
    expect(log.next([head('a', 2)], '2026-01-01T00:00:00.000Z', signer).body.issuedAt).toBe('2026-01-02T00:00:00.000Z');
  });

  it('writes leaves as "<patientId> <siteId> <seq> <hash>"', () => {
    expect(leafLine(head('a', 7))).toBe(`p-a site-a 7 ${hash(7)}`);
  });
});
