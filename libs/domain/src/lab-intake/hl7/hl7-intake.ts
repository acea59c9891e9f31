import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/config';
import type { Actor } from '../../kernel/actor';
import { Clock } from '../../kernel/clock';
import type { LabChannel } from '../../persistence/entities';
import { LabIntakeService } from '../lab-intake-service';
import { acknowledgement, type AckError } from './acknowledgement';
import { messageText } from './hl7-text';
import { readOruR01 } from './oru-r01';

/** The MLLP listener as a sender: the sites it was configured for (HL7_MLLP_SITES). */
export function mllpSender(sites: string[] | 'all'): Actor {
  return { id: 'system:hl7-mllp', name: 'HL7 MLLP listener', role: 'system', siteIds: sites };
}

/**
 * One HL7 v2 message in, its ACK out, whichever channel carried it (MLLP, HTTP). The message and its
 * outcome are recorded before the ACK is returned: AR for a message refused whole (too large, not
 * UTF-8, a NUL, not ORU^R01, out of order, another site's), AE when a result went to the inbox, AA
 * when every result was recorded or had been before.
 */
@Injectable()
export class Hl7Intake {
  private readonly maxBytes: number;

  constructor(
    private readonly intake: LabIntakeService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'hl7'>,
  ) {
    this.maxBytes = config.hl7.maxMessageBytes;
  }

  /** `size`: the message's whole size when only its first bytes were kept (the MLLP listener stops buffering at the limit). */
  async receive(channel: LabChannel, raw: Buffer, sender: Actor, size = raw.length): Promise<{ ack: string; code: 'AA' | 'AE' | 'AR' }> {
    const now = this.clock.now();
    if (size > this.maxBytes) {
      const problem = `the message is ${size} bytes, more than the ${this.maxBytes} the engine takes`;
      const header = headerOf(raw);
      await this.intake.refuse({ channel, raw, siteId: header.siteId ?? null, controlId: header.controlId ?? null }, problem, 'AR', sender);
      return { ack: acknowledgement(undefined, 'AR', [{ text: problem }], now), code: 'AR' };
    }
    const text = messageText(raw);
    const read = 'text' in text ? readOruR01(text.text) : { ...headerOf(raw), problem: text.problem };
    if ('problem' in read) {
      await this.intake.refuse({ channel, raw, siteId: read.siteId ?? null, controlId: read.controlId ?? null }, read.problem, 'AR', sender);
      return { ack: acknowledgement(read.message, 'AR', [{ text: read.problem }], now), code: 'AR' };
    }
    const { refused, outcomes } = await this.intake.receive({ channel, raw, siteId: read.siteId, controlId: read.controlId }, read.results, sender);
    if (refused) return { ack: acknowledgement(read.message, 'AR', [{ text: refused }], now), code: 'AR' };
    const errors: AckError[] = outcomes
      .filter((o) => o.outcome === 'inbox')
      .map((o) => ({ text: `result ${o.controlId} held in the integration inbox: ${o.reason}`, location: `OBX^${o.controlId.slice(read.controlId.length + 1)}` }));
    const code = errors.length ? 'AE' : 'AA';
    return { ack: acknowledgement(read.message, code, errors, now), code };
  }
}

/** MSH-4 and MSH-10 read from the first line of bytes that may not be a whole message: for the record of a refused one. */
function headerOf(raw: Buffer): { siteId?: string; controlId?: string } {
  const first = raw
    .subarray(0, 2048)
    .toString('latin1')
    .split(/[\r\n]/)[0];
  if (!first.startsWith('MSH|')) return {};
  const fields = first.split('|');
  return { siteId: fields[3]?.split('^')[0]?.split('&')[0] || undefined, controlId: fields[9] || undefined };
}
