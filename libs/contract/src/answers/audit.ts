import { z } from 'zod';
import { instant, pageOf } from './common';

const brokenPatientSchema = z.strictObject({ patientId: z.string(), seq: z.number().int(), problem: z.string() });

/** A checkpoint: a signed tree head over every patient's chain head. */
export const checkpointBodySchema = z.strictObject({
  origin: z.string(),
  treeSize: z.number().int(),
  rootHash: z.string().describe('hex SHA-256'),
  number: z.number().int(),
  issuedAt: instant,
  patients: z.number().int(),
  entries: z.number().int(),
});
/** The latest checkpoint with its signed note: the digest a sponsor keeps. */
export const checkpointSummarySchema = checkpointBodySchema.extend({ note: z.string().describe('the signed note (C2SP signed-note form)') });

/** `GET /audit/verify`: every patient whose record does not hold its hash chain or the latest checkpoint. */
export const auditAnswerSchema = z.strictObject({
  ok: z.boolean(),
  patientsChecked: z.number().int(),
  entriesChecked: z.number().int(),
  firstBroken: brokenPatientSchema.nullable(),
  broken: z.array(brokenPatientSchema),
  checkpoint: checkpointBodySchema.nullable(),
  checkpointProblem: z.string().nullable(),
});

/** `POST /audit/checkpoints`. */
export const checkpointOutcomeSchema = z.strictObject({
  created: z.boolean().describe('false when no chain head moved since the last checkpoint'),
  checkpoint: checkpointSummarySchema.nullable(),
  sealed: z.number().int(),
  held: z.array(z.object({ patientId: z.string(), siteId: z.string(), problem: z.string() })),
});

export const checkpointKeySchema = z.strictObject({ origin: z.string(), keyId: z.string(), verifierKey: z.string(), publicKeyPem: z.string() });

/** One record of the access audit. */
export const accessRecordSchema = z.strictObject({
  id: z.number().int(),
  at: instant,
  actor: z.string(),
  actorName: z.string(),
  actorRole: z.string(),
  address: z.string().nullable(),
  requestId: z.string().nullable(),
  action: z.string(),
  patientId: z.string().nullable(),
  subject: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export const accessPageSchema = pageOf(accessRecordSchema);
