/**
 * Calls that arrive while the previous batch is in flight, sent together as the next batch (at most
 * `max` at a time): under load one round trip serves many callers, and a lone caller waits for no
 * one. A batch that fails is tried again one call at a time, so one call's failure is its own.
 */
export class InFlightBatch<I, O> {
  private queue: Array<{ input: I; resolve: (output: O) => void; reject: (error: unknown) => void }> = [];
  private running = false;

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly max = 32,
  ) {}

  call(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.max);
        try {
          const outputs = await this.run(batch.map((b) => b.input));
          batch.forEach((b, i) => b.resolve(outputs[i]));
        } catch (error) {
          if (batch.length === 1) {
            batch[0].reject(error);
            continue;
          }
          for (const b of batch) await this.run([b.input]).then(([output]) => b.resolve(output), b.reject);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
