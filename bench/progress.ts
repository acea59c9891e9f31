import { Presets, SingleBar } from 'cli-progress';

/**
 * A progress bar per phase on a terminal; on anything else (CI, a pipe) one line when a phase ends.
 */
export class Progress {
  private readonly tty = Boolean(process.stderr.isTTY) && !process.env.CI;

  constructor(private readonly quiet = false) {}

  /** Starts a phase of `total` units; `update` moves it, `done` ends it with a short result. */
  phase(name: string, total: number, unit = ''): Phase {
    const started = Date.now();
    const bar =
      this.tty && !this.quiet
        ? new SingleBar(
            { format: `${name.padEnd(34)} [{bar}] {percentage}% | {value}/{total} ${unit} | {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
            Presets.shades_classic,
          )
        : undefined;
    bar?.start(total, 0);
    return {
      update: (value: number) => bar?.update(Math.min(value, total)),
      done: (result = '') => {
        bar?.update(total);
        bar?.stop();
        if (!this.quiet) process.stderr.write(`${name}: ${result} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      },
    };
  }

  /** A phase measured in seconds: the bar moves with the clock while `work` runs. */
  async timed<T>(name: string, seconds: number, work: () => Promise<T>, result: (value: T) => string): Promise<T> {
    const phase = this.phase(name, Math.ceil(seconds), 's');
    const started = Date.now();
    const tick = setInterval(() => phase.update(Math.floor((Date.now() - started) / 1000)), 250);
    try {
      const value = await work();
      phase.done(result(value));
      return value;
    } finally {
      clearInterval(tick);
    }
  }
}

export interface Phase {
  update(value: number): void;
  done(result?: string): void;
}
