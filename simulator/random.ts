/**
 * Seeded randomness for the simulator (pure-rand's xoroshiro128+). Each patient draws from a stream
 * of its own, so a patient's screening, toxicity and course depend on the seed and its number only,
 * not on how the patients' requests happened to interleave.
 */

/** pure-rand's generator, as far as the simulator uses it. */
interface Generator {
  next(): number;
  clone(): Generator;
  jump(): void;
}

// pure-rand publishes its modules under package "exports" subpaths only, which this project's
// TypeScript module resolution ("node") does not read: load them with require and name their types here.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: `import` cannot resolve these subpaths here
const { xoroshiro128plus } = require('pure-rand/generator/xoroshiro128plus') as { xoroshiro128plus(seed: number): Generator };
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: `import` cannot resolve these subpaths here
const { uniformFloat64 } = require('pure-rand/distribution/uniformFloat64') as { uniformFloat64(rng: Generator): number };

export class Random {
  private constructor(private readonly rng: Generator) {}

  static seeded(seed: number): Random {
    const rng = xoroshiro128plus(seed | 0);
    // The first outputs of xoroshiro128+ from a small seed are poorly mixed: skip them.
    for (let i = 0; i < 16; i++) rng.next();
    return new Random(rng);
  }

  /** An independent stream (2^64 steps away per `n`), e.g. one per patient. */
  stream(n: number): Random {
    const rng = this.rng.clone();
    for (let i = 0; i <= n; i++) rng.jump();
    return new Random(rng);
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.rng);
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number {
    return Math.min(max, Math.floor(this.between(min, max + 1)));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (!items.length) throw new RangeError('cannot pick from an empty list');
    return items[this.int(0, items.length - 1)];
  }

  /** One of the items, each with its weight. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let at = this.float() * total;
    for (const [item, weight] of items) {
      if (at < weight) return item;
      at -= weight;
    }
    return items[items.length - 1][0];
  }

  /** Normal (Box–Muller). */
  normal(mean: number, sd: number): number {
    const u = 1 - this.float();
    const v = this.float();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Normal, kept within [min, max]. */
  normalWithin(mean: number, sd: number, min: number, max: number): number {
    return Math.min(max, Math.max(min, this.normal(mean, sd)));
  }

  /** Log-normal with the given median and the sd of its logarithm. */
  logNormal(median: number, sdLog: number): number {
    return median * Math.exp(this.normal(0, sdLog));
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }
}

/** A seed for a run that was not given one (printed, so the run can be repeated). */
export function freshSeed(): number {
  return Math.floor(Math.random() * 1_000_000);
}

/** Rounds to a number of decimals. */
export function round(value: number, decimals = 0): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
