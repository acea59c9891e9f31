import { ackOf, hl7Timestamp, MllpClient } from '#domain';
import type { ServiceStack } from '#testing';
import type { Phase } from './progress';
import { Latency } from './report';

export interface MllpBurstResult {
  connections: number;
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  /** From a message's write to its ACK, one message in flight per connection. */
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  /** ACK codes (MSA-1) of the burst: a correct run has only AA. */
  acks: Record<string, number>;
  /** How much the patients' logs grew, and the results recorded as accepted: each must equal `messages`. */
  logged: number;
  recorded: number;
  /** The burst's first `resent` messages sent again: each acknowledged AA, none logged again. */
  resent: number;
  resentAcks: Record<string, number>;
  resentLogged: number;
}

/**
 * A lab's burst of ORU^R01 messages over MLLP to the worker's listener: `messages` IL-6 results
 * (LOINC 26881-3, pg/mL: the engine load's own event, so the two rates compare) for patients drawn
 * in turn from `subjects`, over `connections` TCP connections, each sending its next message when
 * the ACK of the last arrives (original-mode acknowledgement, as a lab's interface engine does).
 * Then the first `resend` messages are sent again: a duplicate is acknowledged and writes nothing.
 */
export async function mllpBurst(options: {
  stack: ServiceStack;
  port: number;
  siteId: string;
  subjects: string[];
  idPattern: string;
  messages: number;
  connections: number;
  resend: number;
  tag: string;
  phase?: Phase;
}): Promise<MllpBurstResult> {
  const { stack, siteId, subjects, tag } = options;
  const at = hl7Timestamp(new Date(Date.now() - 60_000));
  const messages = Array.from({ length: options.messages }, (_, i) => {
    const controlId = `${tag}-${i}`;
    const code = '26881-3^Interleukin 6^LN';
    return [
      `MSH|^~\\&|BENCH-LIS|${siteId}|CART|ENGINE|${at}||ORU^R01^ORU_R01|${controlId}|P|2.5.1`,
      `PID|1||${subjects[i % subjects.length]}^^^${siteId}^PI`,
      `OBR|1||${controlId}|${code}|||${at}`,
      `OBX|1|NM|${code}||${10 + (i % 500)}|pg/mL^^UCUM|||||F|||${at}`,
    ].join('\r');
  });
  const send = async (batch: string[]) => {
    const clients = await Promise.all(Array.from({ length: options.connections }, () => MllpClient.open(options.port)));
    const latency = new Latency();
    const acks: Record<string, number> = {};
    let next = 0;
    const started = performance.now();
    try {
      await Promise.all(
        clients.map(async (client) => {
          for (let i = next++; i < batch.length; i = next++) {
            const sent = performance.now();
            const { code } = ackOf(await client.send(batch[i], 60_000));
            latency.record(performance.now() - sent);
            acks[code] = (acks[code] ?? 0) + 1;
            if ((next & 255) === 0) options.phase?.update(next);
          }
        }),
      );
    } finally {
      for (const client of clients) client.close();
    }
    return { seconds: (performance.now() - started) / 1000, latency: latency.summary(), acks };
  };
  const logs = async () => Number((await stack.query<{ n: string }>('SELECT coalesce(sum(last_seq), 0) AS n FROM patients WHERE id LIKE $1', [options.idPattern]))[0].n);
  const before = await logs();
  const burst = await send(messages);
  const logged = (await logs()) - before;
  const [{ n: recorded }] = await stack.query<{ n: string }>(`SELECT count(*) AS n FROM lab_results WHERE control_id LIKE $1 AND outcome = 'accepted'`, [`${tag}-%`]);
  const resent = messages.slice(0, options.resend);
  const again = await send(resent);
  const resentLogged = (await logs()) - before - logged;
  const { count: _count, ...latencyMs } = burst.latency;
  return {
    connections: options.connections,
    messages: messages.length,
    seconds: burst.seconds,
    messagesPerSecond: messages.length / burst.seconds,
    latencyMs,
    acks: burst.acks,
    logged,
    recorded: Number(recorded),
    resent: resent.length,
    resentAcks: again.acks,
    resentLogged,
  };
}

/** What is wrong with a burst, whatever its speed: a message not acknowledged AA, lost or doubled. */
export function mllpBurstProblems(result: MllpBurstResult): string[] {
  const found: string[] = [];
  if ((result.acks.AA ?? 0) !== result.messages) found.push(`${result.messages} messages sent, ACKs ${JSON.stringify(result.acks)}`);
  if (result.logged !== result.messages) found.push(`${result.messages} messages acknowledged, the logs grew by ${result.logged}`);
  if (result.recorded !== result.messages) found.push(`${result.messages} messages acknowledged, ${result.recorded} results recorded`);
  if ((result.resentAcks.AA ?? 0) !== result.resent) found.push(`${result.resent} duplicates sent, ACKs ${JSON.stringify(result.resentAcks)}`);
  if (result.resentLogged !== 0) found.push(`${result.resent} duplicates sent, the logs grew by ${result.resentLogged}`);
  return found;
}
