import { InFlightBatch } from './in-flight-batch';

/** A run whose round trips the test lets finish one at a time. */
function gated<I>(answer: (input: I) => string) {
  const batches: I[][] = [];
  const open: Array<() => void> = [];
  const run = async (inputs: I[]) => {
    batches.push(inputs);
    await new Promise<void>((done) => open.push(done));
    return inputs.map(answer);
  };
  return { batches, run, next: () => open.shift()!() };
}

const flush = () => new Promise((done) => setImmediate(done));

describe('InFlightBatch', () => {
  it('sends a lone call at once, and the calls made meanwhile as one batch after it', async () => {
    const g = gated((n: number) => `#${n}`);
    const batch = new InFlightBatch(g.run);
    const first = batch.call(1);
    await flush();
    expect(g.batches).toEqual([[1]]);
    const rest = [2, 3, 4].map((n) => batch.call(n));
    await flush();
    expect(g.batches).toEqual([[1]]);
    g.next();
    expect(await first).toBe('#1');
    await flush();
    expect(g.batches).toEqual([[1], [2, 3, 4]]);
    g.next();
    expect(await Promise.all(rest)).toEqual(['#2', '#3', '#4']);
  });

  it('sends at most `max` calls at a time, in order', async () => {
    const g = gated((n: number) => String(n));
    const batch = new InFlightBatch(g.run, 2);
    const all = [1, 2, 3, 4, 5].map((n) => batch.call(n));
    for (let i = 0; i < 3; i++) {
      await flush();
      g.next();
    }
    expect(await Promise.all(all)).toEqual(['1', '2', '3', '4', '5']);
    expect(g.batches).toEqual([[1], [2, 3], [4, 5]]);
  });

  it("tries a failed batch one call at a time: only the failing call's caller sees the error", async () => {
    const run = jest.fn(async (inputs: string[]) => {
      await flush();
      if (inputs.includes('bad')) throw new Error('value too long');
      return inputs.map((i) => i.toUpperCase());
    });
    const batch = new InFlightBatch(run);
    const first = batch.call('a');
    const [b, bad, c] = [batch.call('b'), batch.call('bad'), batch.call('c')];
    expect(await first).toBe('A');
    expect(await b).toBe('B');
    await expect(bad).rejects.toThrow('value too long');
    expect(await c).toBe('C');
    expect(run.mock.calls.map(([inputs]) => inputs)).toEqual([['a'], ['b', 'bad', 'c'], ['b'], ['bad'], ['c']]);
    // Idle again: the next call goes at once.
    expect(await batch.call('d')).toBe('D');
  });
});
