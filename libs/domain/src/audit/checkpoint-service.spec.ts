import type { PatientEventEntity } from '../persistence/entities';
import { extensionProblem } from './checkpoint-service';
import { type ChainedEntry, entryHash, GENESIS_HASH } from './hash-chain';

function log(n: number): PatientEventEntity[] {
  const entries: PatientEventEntity[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const entry: ChainedEntry = {
      patientId: 'p1',
      seq,
      type: 'LAB_RESULT_RECORDED',
      data: { value: seq },
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
    entries.push({ ...entry, signature: null, idempotencyKey: null, prevHash, hash });
    prevHash = hash;
  }
  return entries;
}

const rowOf = (entries: PatientEventEntity[], siteId = 'site-a') => ({ id: 'p1', siteId, lastSeq: entries.length, lastHash: entries.at(-1)!.hash });

describe('what a checkpoint may seal', () => {
  const entries = log(6);
  const sealedAt3 = { patientId: 'p1', siteId: 'site-a', seq: 3, hash: entries[2].hash };

  it('seals a first head whose log holds from registration, and a head that extends the one sealed before', () => {
    expect(extensionProblem(rowOf(entries), undefined, entries)).toBeUndefined();
    expect(extensionProblem(rowOf(entries), sealedAt3, entries.slice(2))).toBeUndefined();
  });

  it('ignores entries written after the head it read', () => {
    expect(extensionProblem(rowOf(entries.slice(0, 5)), sealedAt3, entries.slice(2))).toBeUndefined();
  });

  it('holds back a patient whose sealed entry changed, whose log breaks after it, or whose head went back', () => {
    const rewritten = entries.map((e) => (e.seq === 3 ? { ...e, hash: 'f'.repeat(64) } : e));
    expect(extensionProblem(rowOf(entries), sealedAt3, rewritten.slice(2))).toBe(`its log no longer holds the entry 3 sealed with hash ${entries[2].hash}`);
    const broken = entries.map((e) => (e.seq === 5 ? { ...e, data: { value: 0 } } : e));
    expect(extensionProblem(rowOf(entries), sealedAt3, broken.slice(2))).toBe('entry 5: hash does not match the entry');
    expect(extensionProblem(rowOf(entries.slice(0, 3)), { ...sealedAt3, hash: 'e'.repeat(64) }, entries.slice(2, 3))).toBe(
      `its head is seq 3, but seq 3 was sealed with hash ${'e'.repeat(64)}`,
    );
    expect(extensionProblem(rowOf(entries, 'site-b'), sealedAt3, entries.slice(2))).toBe('it was sealed at site site-a and is now at site site-b');
  });

  it('holds back a patient whose row names a head its log does not reach, or whose log is broken from the start', () => {
    expect(extensionProblem({ ...rowOf(entries), lastSeq: 7 }, undefined, entries)).toBe("the patient row's head is seq 7, but its log ends at seq 6");
    expect(extensionProblem(rowOf(entries), undefined, entries.slice(1))).toBe('entry 2: expected seq 1, found 2');
  });
});
