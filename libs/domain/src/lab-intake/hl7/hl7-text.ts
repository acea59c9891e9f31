import { unfitText } from '../../audit/record-text';

/** HL7 v2's escape sequences for its delimiters in text (v2.5.1 chapter 2, 2.7.1): what a reason in an ACK needs. */
export function escapeHl7(text: string): string {
  return text
    .replace(/\\/g, '\\E\\')
    .replace(/\|/g, '\\F\\')
    .replace(/\^/g, '\\S\\')
    .replace(/~/g, '\\R\\')
    .replace(/&/g, '\\T\\')
    .replace(/[\r\n]+/g, ' ');
}

/**
 * A message's bytes as text: UTF-8 (ASCII included), without a NUL or an unpaired surrogate. Bytes
 * that are not UTF-8 (a surrogate written as CESU-8 among them) are refused, not replaced by U+FFFD:
 * the result would no longer be what the lab sent.
 */
export function messageText(raw: Buffer): { text: string } | { problem: string } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return { problem: 'the message is not UTF-8 text (a lone surrogate or bytes of another character set)' };
  }
  const unfit = unfitText(text);
  return unfit ? { problem: `the message ${unfit}` } : { text };
}

/** An instant as an HL7 v2 timestamp in UTC, to the second: 2027-01-18T15:24:08.314Z → 20270118152408+0000 (what hl7Instant reads back). */
export function hl7Timestamp(at: Date | string): string {
  return `${new Date(at).toISOString().slice(0, 19).replace(/[-:T]/g, '')}+0000`;
}

/**
 * An HL7 v2 timestamp (DTM/TS: `YYYYMMDD[HH[MM[SS[.S…]]]][+/-ZZZZ]`) as ISO 8601. A date alone is
 * a date; a time must carry its UTC offset, since the engine does not guess a lab's time zone.
 */
export function hl7Instant(value: string): { at: string } | { problem: string } {
  const match = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})?(?:(\d{2})(?:\.(\d{1,4}))?)?)?([+-]\d{4})?$/.exec(value);
  if (!match) return { problem: `collection time "${value}" is not an HL7 timestamp (YYYYMMDDHHMM[SS]+ZZZZ)` };
  const [, year, month, day, hour, minute = '00', second = '00', fraction, offset] = match;
  const date = `${year}-${month}-${day}`;
  if (Number.isNaN(Date.parse(`${date}T00:00:00Z`)) || new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10) !== date) {
    return { problem: `collection time "${value}" is not a calendar date` };
  }
  if (hour === undefined) return offset ? { problem: `collection time "${value}" has an offset but no time` } : { at: date };
  if (!offset) return { problem: `collection time "${value}" has no UTC offset (+ZZZZ); the engine does not guess the lab's time zone` };
  const iso = `${date}T${hour}:${minute}:${second}${fraction ? `.${fraction.padEnd(3, '0').slice(0, 3)}` : ''}${offset.slice(0, 3)}:${offset.slice(3)}`;
  const at = Date.parse(iso);
  if (Number.isNaN(at) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return { problem: `collection time "${value}" is not a time of day` };
  return { at: new Date(at).toISOString() };
}

/** A decimal number as HL7's NM writes it (`-1.5`, `.5`, `+3`). */
export function hl7Number(text: string): number | undefined {
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text.trim()) ? Number(text.trim()) : undefined;
}
