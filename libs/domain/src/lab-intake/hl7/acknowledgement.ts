import { Hl7Message, Hl7Segment } from '@medplum/core';
import { escapeHl7 } from './hl7-text';

export type AckCode = 'AA' | 'AE' | 'AR';

/** One problem for an ERR segment: its text, and where (`OBX^3` …) when it is one result's. */
export interface AckError {
  text: string;
  location?: string;
}

/** The engine as a receiving application (MSH-3/MSH-4 of its ACKs). */
const RECEIVER = ['CART', 'ENGINE'] as const;

/**
 * The ACK of a message (original acknowledgement mode): MSA-1 the code, MSA-2 the message's control
 * id, MSA-3 the first problem in words, and an ERR segment per problem (ERR-2 where, ERR-3 HL7 table
 * 0357 code 207 "application internal error" for a result held back, 100–203 for a message refused,
 * ERR-4 severity, ERR-8 the text). Built with @medplum/core's `buildAck` when the message could be
 * parsed; otherwise a minimal ACK of v2.5.1 with an empty MSA-2.
 */
export function acknowledgement(message: Hl7Message | undefined, code: AckCode, errors: AckError[], now: Date, controlId = `ACK${now.getTime()}`): string {
  const ack = message ? message.buildAck({ ackCode: code }) : bareAck(code, now, controlId);
  const msa = ack.getSegment('MSA');
  if (msa && errors.length) msa.setField(3, escapeHl7(errors[0].text).slice(0, 80));
  const lines = [ack.toString().replace(/\r+$/, '')];
  for (const error of errors) {
    lines.push(`ERR||${error.location ?? ''}|${errorCode(code, error.text)}|E||||${escapeHl7(error.text)}`);
  }
  return lines.join('\r');
}

/** HL7 table 0357 for a problem. */
function errorCode(code: AckCode, text: string): string {
  if (code === 'AE') return '207^Application internal error^HL70357';
  if (/message type/.test(text)) return '200^Unsupported message type^HL70357';
  if (/HL7 version/.test(text)) return '203^Unsupported version id^HL70357';
  if (/order|second MSH|before/.test(text)) return '100^Segment sequence error^HL70357';
  if (/no control id|names no|no OBX|does not begin/.test(text)) return '101^Required field missing^HL70357';
  return '102^Data type error^HL70357';
}

function bareAck(code: AckCode, now: Date, controlId: string): Hl7Message {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const msh = Hl7Segment.parse(`MSH|^~\\&|${RECEIVER[0]}|${RECEIVER[1]}|||${stamp}||ACK|${controlId}|P|2.5.1`);
  const msa = Hl7Segment.parse(`MSA|${code}|`);
  return new Hl7Message([msh, msa]);
}
