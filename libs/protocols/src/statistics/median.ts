/** The median, the range and the number of values a median is reported with ("17 days (range 13–31), n = 40"). */
export interface MedianAndRange {
  n: number;
  /** The middle value, or the mean of the two middle values when n is even; null when there are none. */
  median: number | null;
  min: number | null;
  max: number | null;
}

/**
 * The median of a sample: the middle value once sorted, the mean of the two middle values for an even
 * number of values (R's `median`, type 7 quantile at 0.5). Null for no values; a value that is not a
 * finite number is refused rather than sorted somewhere.
 */
export function median(values: readonly number[]): number | null {
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`a median is taken of finite numbers, got ${v}`);
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median with the range and n, as a CAR-T publication reports a time ("median 17 days, range 13–31"). */
export function medianAndRange(values: readonly number[]): MedianAndRange {
  const m = median(values);
  if (m === null) return { n: 0, median: null, min: null, max: null };
  return { n: values.length, median: m, min: Math.min(...values), max: Math.max(...values) };
}
