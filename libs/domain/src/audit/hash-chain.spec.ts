import { CURRENT_SEAL_VERSION, entryHash, GENESIS_HASH, verifyChain, type ChainedEntry } from './hash-chain';

type Entry = ChainedEntry & { prevHash: string; hash: string };

const FIRST: ChainedEntry = {
  patientId: 'p1',
  seq: 1,
  type: 'LAB_RESULT_RECORDED',
  data: { value: 1, unit: 'pg/mL' },
  actor: 'user:u1',
  actorName: 'Ana',
  reason: null,
  occurredAt: '2026-01-01T00:00:00.000Z',
  recordedAt: '2026-01-01T00:00:01.000Z',
  idempotencyKey: null,
  sealVersion: 1,
};
const SIGNATURE = { signerId: 'user:u1', signerName: 'Ana', signedAt: '2026-01-01T00:00:01.000Z', meaning: 'I sign' };

function chain(n: number, sealVersion = CURRENT_SEAL_VERSION as number, from: Entry[] = []) {
  const entries = [...from];
  let prevHash = entries.at(-1)?.hash ?? GENESIS_HASH;
  for (let seq = entries.length + 1; entries.length < n; seq++) {
    const entry: ChainedEntry = { ...FIRST, seq, data: { value: seq, unit: 'pg/mL' }, idempotencyKey: `key-${seq}`, sealVersion };
    const hash = entryHash(prevHash, entry);
    entries.push({ ...entry, prevHash, hash });
    prevHash = hash;
  }
  return entries;
}

function rehash(entries: Entry[]): Entry[] {
  let prevHash = GENESIS_HASH;
  return entries.map((entry) => {
    const hash = entryHash(prevHash, entry);
    const sealed = { ...entry, prevHash, hash };
    prevHash = hash;
    return sealed;
  });
}

describe('the hash chain', () => {
  it('verifies an intact chain', () => {
    expect(verifyChain(chain(5))).toBeNull();
  });

  it('names the first entry whose content was changed', () => {
    const entries = chain(5);
    entries[2] = { ...entries[2], data: { value: 999, unit: 'pg/mL' } };
    expect(verifyChain(entries)).toEqual({ seq: 3, problem: 'hash does not match the entry' });
  });

  it('names a deleted entry as a gap in seq', () => {
    const entries = chain(5);
    entries.splice(1, 1);
    expect(verifyChain(entries)).toEqual({ seq: 3, problem: 'expected seq 2, found 3' });
  });

  it('does not depend on the key order of the data', () => {
    const [entry] = chain(1);
    expect(entryHash(GENESIS_HASH, { ...entry, data: { unit: 'pg/mL', value: 1 } })).toBe(entry.hash);
  });

  describe('seal versions', () => {
    // Hashes the engine wrote before seal versions existed (computed with that code): version 1 must keep giving them.
    it('gives version 1 entries the hashes they were written with', () => {
      expect(entryHash(GENESIS_HASH, FIRST)).toBe('534341212d6d3c8c737ddaaf3541fb9ee9c1d3bea5f53f92d461aa19823cbc1e');
      expect(entryHash(GENESIS_HASH, { ...FIRST, signature: SIGNATURE })).toBe('4d023bc4a95b29f625d52a94d01ae0bf08c4c5cf95bf3070e7e8f52461ec32db');
      expect(entryHash(GENESIS_HASH, { ...FIRST, idempotencyKey: 'anything' })).toBe(entryHash(GENESIS_HASH, FIRST));
    });

    it('seals the idempotency key, the signature and the version itself from version 2 on', () => {
      const v2 = { ...FIRST, sealVersion: 2 };
      const hash = entryHash(GENESIS_HASH, v2);
      expect(hash).not.toBe(entryHash(GENESIS_HASH, FIRST));
      expect(entryHash(GENESIS_HASH, { ...v2, idempotencyKey: 'k' })).not.toBe(hash);
      expect(entryHash(GENESIS_HASH, { ...v2, signature: SIGNATURE })).not.toBe(hash);
      // Absent and null are the same seal.
      expect(entryHash(GENESIS_HASH, { ...v2, idempotencyKey: undefined, signature: undefined })).toBe(hash);
    });

    it('verifies a chain sealed the version 1 way, then the version 2 way', () => {
      expect(verifyChain(chain(6, 2, chain(3, 1)))).toBeNull();
    });

    it('catches a changed idempotency key on a version 2 entry, and not on a version 1 entry (it was never sealed)', () => {
      const entries = chain(4, 2, chain(2, 1));
      expect(verifyChain(entries.map((e) => (e.seq === 1 ? { ...e, idempotencyKey: 'changed' } : e)))).toBeNull();
      expect(verifyChain(entries.map((e) => (e.seq === 3 ? { ...e, idempotencyKey: 'changed' } : e)))).toEqual({ seq: 3, problem: 'hash does not match the entry' });
    });

    it('refuses a chain that goes back to version 1, even re-hashed throughout', () => {
      const downgraded = rehash(chain(4).map((e) => (e.seq === 3 ? { ...e, sealVersion: 1 } : e)));
      expect(verifyChain(downgraded)).toEqual({ seq: 3, problem: 'sealed the version 1 way after an entry sealed the version 2 way' });
    });

    it('refuses an unknown seal version', () => {
      const entries = chain(2).map((e) => (e.seq === 2 ? { ...e, sealVersion: 3 } : e));
      expect(verifyChain(entries)).toEqual({ seq: 2, problem: 'unknown seal version 3' });
    });
  });
});
