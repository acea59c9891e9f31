import { call, labResultEvent } from '#testing';
import { Latency } from './report';

export interface HistoryResult {
  /** The two patients' log lengths (their last seq) when the samples began. */
  shortEvents: number;
  longEvents: number;
  shortMs: { p50: number; p99: number };
  longMs: { p50: number; p99: number };
  /** p50 of the long-history patient over p50 of the short one: 1.0 means history costs nothing. */
  ratio: number;
}

/**
 * Apply-event latency of a patient with a short log against one with a long log: one request at a
 * time, alternating between the two (and which goes first) so drift hits both alike.
 */
export async function historyLatency(options: {
  url: string;
  token: string;
  short: { id: string; events: number };
  long: { id: string; events: number };
  samples: number;
  onSample?: (done: number) => void;
}): Promise<HistoryResult> {
  const short = new Latency();
  const long = new Latency();
  const post = async (patientId: string, into: Latency, i: number) => {
    const started = performance.now();
    const res = await call(options.url, 'POST', `/patients/${patientId}/events`, options.token, labResultEvent(i));
    const ms = performance.now() - started;
    if (res.status !== 200) throw new Error(`history sample on ${patientId} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 300)}`);
    into.record(ms);
  };
  for (let i = 0; i < options.samples; i++) {
    if (i % 2) {
      await post(options.short.id, short, i);
      await post(options.long.id, long, i);
    } else {
      await post(options.long.id, long, i);
      await post(options.short.id, short, i);
    }
    options.onSample?.(i + 1);
  }
  const s = short.summary();
  const l = long.summary();
  return {
    shortEvents: options.short.events,
    longEvents: options.long.events,
    shortMs: { p50: s.p50, p99: s.p99 },
    longMs: { p50: l.p50, p99: l.p99 },
    ratio: l.p50 / s.p50,
  };
}
