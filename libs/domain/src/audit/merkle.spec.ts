import { EMPTY_TREE_HASH, leafHash, MerkleFrontier, treeHash } from './merkle';

// The reference leaves and tree heads of RFC 6962's implementations (certificate-transparency, Trillian).
const LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((h) => leafHash(Buffer.from(h, 'hex')));
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const hex = (b: Buffer) => b.toString('hex');

describe('the RFC 6962 Merkle tree', () => {
  it('gives the reference tree heads for 0 to 8 leaves, by definition and by frontier', () => {
    expect(hex(EMPTY_TREE_HASH)).toBe(ROOTS[0]);
    const frontier = new MerkleFrontier();
    expect(hex(frontier.root())).toBe(ROOTS[0]);
    for (let n = 1; n <= 8; n++) {
      frontier.append(LEAVES[n - 1]);
      expect([n, hex(treeHash(LEAVES.slice(0, n)))]).toEqual([n, ROOTS[n]]);
      expect([n, hex(frontier.root()), frontier.size]).toEqual([n, ROOTS[n], n]);
    }
  });

  it('keeps the frontier equal to the recursive definition for every size up to 300', () => {
    const leaves = Array.from({ length: 300 }, (_, i) => leafHash(`leaf ${i}`));
    const frontier = new MerkleFrontier();
    leaves.forEach((leaf, i) => {
      frontier.append(leaf);
      expect(frontier.root().equals(treeHash(leaves.slice(0, i + 1)))).toBe(true);
    });
    // A clone grows on its own.
    const copy = frontier.clone();
    copy.append(leafHash('more'));
    expect(frontier.size).toBe(300);
    expect(copy.root().equals(treeHash([...leaves, leafHash('more')]))).toBe(true);
  });
});
