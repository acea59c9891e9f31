import { entryHash, GENESIS_HASH, verifyChain, type ChainedEntry } from './hash-chain';

function chain(n: number) {
  const entries: Array<ChainedEntry & { prevHash: string; hash: string }> = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const entry: ChainedEntry = {
      patientId: 'p1', seq, type: 'LAB_RESULT_RECORDED', data: { value: seq, unit: 'pg/mL' },
      actor: 'user:u1', actorName: 'Ana', reason: null, occurredAt: '2026-01-01T00:00:00.000Z', recordedAt: '2026-01-01T00:00:01.000Z',
    };
    const hash = entryHash(prevHash, entry);
    entries.push({ ...entry, prevHash, hash });
    prevHash = hash;
  }
  return entries;
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
});
