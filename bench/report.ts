import * as hdr from 'hdr-histogram-js';

/** A latency distribution in milliseconds (HdrHistogram, 3 significant digits, microsecond resolution). */
export class Latency {
  private readonly histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });

  record(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  percentile(p: number): number {
    return this.count ? this.histogram.getValueAtPercentile(p) / 1000 : Number.NaN;
  }

  summary(): { p50: number; p95: number; p99: number; max: number; count: number } {
    return { p50: this.percentile(50), p95: this.percentile(95), p99: this.percentile(99), max: this.histogram.maxValue / 1000, count: this.count };
  }
}

/** The median of repeated runs with their range: what docs/benchmarks.md reports for each figure. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  runs: number[];
}

export function spread(values: number[]): Spread {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (!sorted.length) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: values };
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: values };
}

/** One line of the result table. */
export interface Row {
  metric: string;
  value: Spread;
  unit: string;
  /** The target, in words, and whether the median meets it. */
  target?: { text: string; met: boolean };
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cells(row: Row): string[] {
  const { median, min, max, runs } = row.value;
  const range = runs.length > 1 ? `${formatNumber(min)}–${formatNumber(max)}` : '';
  const target = row.target ? `${row.target.text} ${row.target.met ? '✓' : '✗'}` : '';
  return [row.metric, `${formatNumber(median)} ${row.unit}`.trim(), range, target];
}

const HEADER = ['Measure', 'Median', 'Min–max', 'Target'];

/** The table printed at the end of a run. */
export function textTable(rows: Row[]): string {
  const lines = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const fmt = (l: string[]) =>
    l
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [fmt(lines[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.slice(1).map(fmt)].join('\n');
}

/** The same table in Markdown, for docs/benchmarks.md. */
export function markdownTable(rows: Row[]): string {
  const line = (l: string[]) => `| ${l.join(' | ')} |`;
  return [line(HEADER), line(HEADER.map(() => '---')), ...rows.map((r) => line(cells(r)))].join('\n');
}
