import { createHash } from 'node:crypto';

/**
 * The Merkle tree of RFC 6962 §2.1 (Certificate Transparency, and Trillian's logs): SHA-256, a
 * leaf hashed as H(0x00 || leaf), an interior node as H(0x01 || left || right), a tree of n leaves
 * split at the largest power of two below n, the empty tree hashed as H(""). The prefixes keep a
 * leaf from ever passing for a node (a second-preimage attack on the tree).
 */

export function leafHash(leaf: Uint8Array | string): Buffer {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(leaf)
    .digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
}

export const EMPTY_TREE_HASH = createHash('sha256').digest();

/** MTH(D[n]) of RFC 6962, computed by its recursive definition (for proofs, and to check the frontier against). */
export function treeHash(leafHashes: readonly Buffer[]): Buffer {
  if (leafHashes.length === 0) return EMPTY_TREE_HASH;
  if (leafHashes.length === 1) return leafHashes[0];
  const k = largestPowerOfTwoBelow(leafHashes.length);
  return nodeHash(treeHash(leafHashes.slice(0, k)), treeHash(leafHashes.slice(k)));
}

/**
 * An append-only tree kept as its frontier: the roots of the perfect subtrees its leaves form, from
 * the largest (leftmost) to the smallest. Appending is O(log n), and the root is the frontier folded
 * from the right, which is MTH by RFC 6962's split rule. Memory: one hash per bit of the size.
 */
export class MerkleFrontier {
  private readonly subtrees: Array<{ leaves: number; hash: Buffer }> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  append(leaf: Buffer): void {
    let node = { leaves: 1, hash: leaf };
    // Two perfect subtrees of one size merge into one of twice the size, as a binary counter carries.
    while (this.subtrees.length && this.subtrees[this.subtrees.length - 1].leaves === node.leaves) {
      const left = this.subtrees.pop()!;
      node = { leaves: left.leaves * 2, hash: nodeHash(left.hash, node.hash) };
    }
    this.subtrees.push(node);
    this.count += 1;
  }

  root(): Buffer {
    if (!this.subtrees.length) return EMPTY_TREE_HASH;
    let hash = this.subtrees[this.subtrees.length - 1].hash;
    for (let i = this.subtrees.length - 2; i >= 0; i--) hash = nodeHash(this.subtrees[i].hash, hash);
    return hash;
  }

  clone(): MerkleFrontier {
    const copy = new MerkleFrontier();
    copy.subtrees.push(...this.subtrees);
    copy.count = this.count;
    return copy;
  }
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
