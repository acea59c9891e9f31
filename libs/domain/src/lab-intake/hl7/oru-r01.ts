import { Hl7Message, type Hl7Segment } from '@medplum/core';
import type { IncomingResult } from '../incoming-result';
import { hl7Instant, hl7Number } from './hl7-text';

/** The versions of HL7 v2 whose ORU^R01 the engine reads. */
export const HL7_VERSIONS = ['2.3', '2.3.1', '2.4', '2.5', '2.5.1'] as const;

/** MSH-10's length in v2.5 and later (v2.3 and 2.4 allowed 20). */
const MAX_CONTROL_ID = 199;
/** A site id as the engine spells them (registration, users). */
const SITE_ID = /^[A-Za-z0-9._-]{1,60}$/;

/** What an ORU^R01 holds for the engine: the sending site, the control id, the results. */
export interface OruR01 {
  message: Hl7Message;
  siteId: string;
  controlId: string;
  results: IncomingResult[];
}

/** Why a message is refused whole (AR), with whatever of its header could be read for the ACK. */
export interface Unreadable {
  problem: string;
  message?: Hl7Message;
  controlId?: string;
  siteId?: string;
}

/**
 * Reads an HL7 v2 ORU^R01 (v2.3–2.5.1) with @medplum/core's Hl7Message. The message is refused whole
 * when it is not one: no MSH first, encoding characters other than `|^~\&`, another type or
 * version, no control id, or segments out of the order ORU^R01 defines (an OBR before its PID, an
 * OBX before its OBR, a second MSH).
 */
export function readOruR01(text: string): OruR01 | Unreadable {
  if (!text.startsWith('MSH')) return { problem: 'the message does not begin with an MSH segment' };
  if (!text.startsWith('MSH|^~\\&')) return { problem: 'the encoding characters (MSH-1, MSH-2) are not |^~\\&' };
  let message: Hl7Message;
  try {
    message = Hl7Message.parse(text);
  } catch (error) {
    return { problem: `the message cannot be parsed: ${(error as Error).message}` };
  }
  const header = message.header;
  const controlId = field(header, 10).trim() || undefined;
  // MSH-4's namespace id: its first component's first subcomponent (HD: `SITE-A&1.2.3&ISO`).
  const siteId = (header.getField(4)?.getComponent(1, 0) ?? '').trim() || undefined;
  const known = { message, controlId, siteId };
  const type = `${component(header, 9, 1)}^${component(header, 9, 2)}`;
  if (type !== 'ORU^R01') return { ...known, problem: `message type ${type || '(none)'} is not ORU^R01` };
  const version = component(header, 12, 1);
  if (!(HL7_VERSIONS as readonly string[]).includes(version)) return { ...known, problem: `HL7 version ${version || '(none)'} is not one of ${HL7_VERSIONS.join(', ')}` };
  if (!controlId) return { ...known, problem: 'the message has no control id (MSH-10)' };
  if (controlId.length > MAX_CONTROL_ID) return { ...known, controlId: undefined, problem: `the control id (MSH-10) is longer than ${MAX_CONTROL_ID} characters` };
  if (!siteId) return { ...known, problem: 'the message names no sending facility (MSH-4)' };
  if (!SITE_ID.test(siteId)) return { ...known, siteId: undefined, problem: 'the sending facility (MSH-4) is not a site id (letters, digits, ".", "-" and "_", at most 60)' };
  const grouped = groups(message.segments.filter((s) => s.name !== '').slice(1));
  if ('problem' in grouped) return { ...known, problem: grouped.problem };
  // OBX-1 is a sequence id (SI, at most 4 digits); anything else is replaced by the OBX's position in its order.
  const setIds = grouped.map((g) => (/^\d{1,4}$/.test(field(g.obx, 1).trim()) ? field(g.obx, 1).trim() : ''));
  const setIdsUnique = setIds.every(Boolean) && new Set(setIds).size === setIds.length;
  // Keys in order of preference: the set id alone, the OBR and set id, and where set ids repeat inside one OBR (or are missing) the OBR and the OBX's place in it.
  const byObr = grouped.map((g, i) => `${g.obrIndex}.${setIds[i]}`);
  const obrSetIdsUnique = setIds.every(Boolean) && new Set(byObr).size === byObr.length;
  const keyOf = (group: ObxInGroup, i: number) =>
    setIdsUnique ? `${controlId}-${setIds[i]}` : obrSetIdsUnique ? `${controlId}-${byObr[i]}` : `${controlId}-${group.obrIndex}.${group.obxIndex}`;
  const results = grouped.map((group, i) => readObx(group, keyOf(group, i)));
  return { message, controlId, siteId, results };
}

/** A field as text; '' when the segment is shorter (Hl7Segment.getField answers undefined). */
function field(segment: Hl7Segment, index: number): string {
  return segment.getField(index)?.toString() ?? '';
}

function component(segment: Hl7Segment, index: number, position: number): string {
  return segment.getField(index)?.getComponent(position) ?? '';
}

interface ObxInGroup {
  pid: Hl7Segment;
  obr: Hl7Segment;
  obx: Hl7Segment;
  obrIndex: number;
  obxIndex: number;
}

/** Each OBX with the PID and OBR it belongs to, or what breaks ORU^R01's order. */
function groups(segments: Hl7Segment[]): ObxInGroup[] | { problem: string } {
  const found: ObxInGroup[] = [];
  let pid: Hl7Segment | undefined;
  let obr: Hl7Segment | undefined;
  let obrIndex = 0;
  let obxIndex = 0;
  for (const [i, segment] of segments.entries()) {
    const where = `segment ${i + 2} (${segment.name})`;
    if (!/^[A-Z][A-Z0-9]{2}$/.test(segment.name)) return { problem: `${where} is not a segment name` };
    if (segment.name === 'MSH') return { problem: `${where}: a second MSH within one message` };
    if (segment.name === 'PID') {
      pid = segment;
      obr = undefined;
    } else if (segment.name === 'OBR') {
      if (!pid) return { problem: `${where}: an OBR before the PID of its patient` };
      obr = segment;
      obrIndex += 1;
      obxIndex = 0;
    } else if (segment.name === 'OBX' && !obr) {
      // An OBX outside any order: ORU^R01 has none before the first OBR, nor between a PID and its OBR.
      return { problem: `${where}: an OBX before the OBR of its order` };
    } else if (segment.name === 'OBX' && pid && obr) {
      obxIndex += 1;
      found.push({ pid, obr, obx: segment, obrIndex, obxIndex });
    }
  }
  if (!found.length) return { problem: 'the message holds no OBX result' };
  return found;
}

/** Reads one OBX (v2.5.1 7.4.2): code OBX-3, value OBX-5 (NM, or SN without a comparator), unit OBX-6, status OBX-11, time OBX-14 or OBR-7. */
function readObx(group: ObxInGroup, controlId: string): IncomingResult {
  const { pid, obr, obx } = group;
  const problems: string[] = [];
  const identifiers = [...(pid.getField(3)?.components ?? []), ...(pid.getField(2)?.components ?? [])].map((cx) => cx[0]?.trim()).filter((id): id is string => Boolean(id));
  const code = codeOf(obx);
  const valueType = field(obx, 2).trim();
  const valueText = field(obx, 5);
  let value: number | undefined;
  if (valueType === 'NM') value = hl7Number(valueText);
  else if (valueType === 'SN' && ['', '='].includes(component(obx, 5, 1)) && !component(obx, 5, 3)) value = hl7Number(component(obx, 5, 2));
  else problems.push(`value type ${valueType || '(none)'} (OBX-2) is not a number (NM)`);
  const collectedText = field(obx, 14).trim() || field(obr, 7).trim();
  const instant = collectedText ? hl7Instant(collectedText) : { problem: 'the result has no collection time (OBX-14 or OBR-7)' };
  if ('problem' in instant) problems.push(instant.problem);
  const resultStatus = field(obx, 11).trim();
  return {
    controlId,
    patientIdentifiers: [...new Set(identifiers)],
    code,
    valueText,
    ...(value !== undefined ? { value } : {}),
    unit: component(obx, 6, 1).trim(),
    ...optionalRange(referenceRangeOf(field(obx, 7))),
    collectedText,
    ...('at' in instant ? { collectedAt: instant.at } : {}),
    resultStatus,
    status: resultStatus === 'F' ? 'final' : resultStatus === 'C' ? 'corrected' : 'other',
    problems,
  };
}

/**
 * OBX-7 (v2.5.1 7.4.2.7): "lower-upper", "> lower" or "< upper" (also ">=", "<="), in the result's
 * unit. Any other text (an alphabetic range, a range with a negative limit) is left unread: the
 * result is kept and graded against the catalogue's documented default limits.
 */
export function referenceRangeOf(text: string): { low?: number; high?: number } | undefined {
  const number = '(\\d+(?:\\.\\d+)?)';
  const both = new RegExp(`^\\s*${number}\\s*-\\s*${number}\\s*$`).exec(text);
  if (both) {
    const [low, high] = [Number(both[1]), Number(both[2])];
    return low < high ? { low, high } : undefined;
  }
  const above = new RegExp(`^\\s*>=?\\s*${number}\\s*$`).exec(text);
  if (above) return { low: Number(above[1]) };
  const below = new RegExp(`^\\s*<=?\\s*${number}\\s*$`).exec(text);
  if (below && Number(below[1]) > 0) return { high: Number(below[1]) };
  return undefined;
}

function optionalRange(range: { low?: number; high?: number } | undefined): { referenceRange?: { low?: number; high?: number } } {
  return range ? { referenceRange: range } : {};
}

/** OBX-3: the LOINC triplet when either the identifier or the alternate identifier is LOINC (`LN`), else the first as sent. */
function codeOf(obx: Hl7Segment): IncomingResult['code'] {
  const triplet = (first: number) => ({ code: component(obx, 3, first).trim(), text: component(obx, 3, first + 1).trim(), system: component(obx, 3, first + 2).trim() });
  const [primary, alternate] = [triplet(1), triplet(4)];
  const chosen = primary.system !== 'LN' && alternate.system === 'LN' && alternate.code ? alternate : primary;
  return { system: chosen.system || 'local', code: chosen.code, ...(chosen.text ? { text: chosen.text } : {}) };
}
