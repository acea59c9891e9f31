import { z } from 'zod';
import { instant, pageOf } from './common';

const outcome = z.enum(['accepted', 'inbox', 'duplicate', 'rejected']);

/** One result held in a site's integration inbox, or settled from it. */
export const labInboxItemSchema = z.strictObject({
  id: z.string(),
  siteId: z.string(),
  controlId: z.string().describe('MSH-10 and OBX set id, or the FHIR identifier'),
  status: z.enum(['open', 'resolved', 'rejected']).nullable(),
  reason: z.string().nullable().describe('why the result is held, in words'),
  receivedAt: instant,
  patientIdentifiers: z.array(z.string()).describe('as the lab sent them (PID-3, Observation.subject.identifier)'),
  code: z.strictObject({ system: z.string(), code: z.string(), text: z.string().nullable() }),
  value: z.string().describe('as sent'),
  unit: z.string().describe('as sent'),
  collected: z.string().describe('the collection time as sent'),
  resultStatus: z.string(),
  patientId: z.string().nullable(),
  labCode: z.string().nullable(),
  seq: z.number().int().nullable().describe('the LAB_RESULT_RECORDED event, once resolved'),
  resolvedBy: z.string().nullable(),
  resolvedAt: instant.nullable(),
  resolution: z.string().nullable(),
});
export const labInboxPageSchema = pageOf(labInboxItemSchema);

/** One message as received, with what became of it (its bytes stay in the database). */
export const labMessageSchema = z.strictObject({
  id: z.string(),
  channel: z.enum(['hl7-mllp', 'hl7-http', 'fhir']),
  siteId: z.string().nullable(),
  controlId: z.string().nullable(),
  receivedAt: instant,
  receivedBy: z.string(),
  sizeBytes: z.number().int(),
  sha256: z.string(),
  rawTruncated: z.boolean(),
  acknowledgement: z.string().describe('AA, AE or AR; the HTTP status for FHIR'),
  outcome: z.union([outcome, z.literal('mixed')]),
  reason: z.string().nullable(),
  results: z.array(z.strictObject({ controlId: z.string(), outcome, reason: z.string().optional(), seq: z.number().int().optional() })),
});
export const labMessagePageSchema = pageOf(labMessageSchema);

export const labCodeMappingListSchema = z.array(
  z.strictObject({ siteId: z.string(), codeSystem: z.string(), code: z.string(), labCode: z.string(), createdBy: z.string(), createdAt: instant }),
);
