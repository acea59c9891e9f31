/**
 * Isotonic (non-decreasing) regression by the pool-adjacent-violators algorithm (Barlow et al.
 * 1972): the non-decreasing sequence closest to `values` in weighted least squares. Where a value
 * is above the one after it, the two are pooled into their weighted mean, and pooling repeats until
 * no neighbours are out of order. Used to make observed DLT rates rise with the dose.
 *
 * Weights default to 1; they must be positive (a number of patients, an inverse variance).
 */
export function isotonicRegression(values: readonly number[], weights?: readonly number[]): number[] {
  if (weights !== undefined && weights.length !== values.length) {
    throw new RangeError(`isotonic regression needs one weight per value, got ${weights.length} weights for ${values.length} values`);
  }
  const blocks: Array<{ mean: number; weight: number; size: number }> = [];
  values.forEach((value, index) => {
    const weight = weights?.[index] ?? 1;
    if (!Number.isFinite(value)) throw new RangeError(`value ${index + 1} is not a finite number: ${value}`);
    if (!Number.isFinite(weight) || weight <= 0) throw new RangeError(`weight ${index + 1} must be a positive number, got ${weight}`);
    blocks.push({ mean: value, weight, size: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2]!.mean > blocks[blocks.length - 1]!.mean) {
      const last = blocks.pop()!;
      const previous = blocks[blocks.length - 1]!;
      const weight = previous.weight + last.weight;
      previous.mean = (previous.mean * previous.weight + last.mean * last.weight) / weight;
      previous.weight = weight;
      previous.size += last.size;
    }
  });
  return blocks.flatMap((block) => Array<number>(block.size).fill(block.mean));
}
