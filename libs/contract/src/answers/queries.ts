import { z } from 'zod';
import { instant, pageOf } from './common';

export const queryStatusSchema = z.enum(['open', 'answered', 'closed']);

export const queryMessageSchema = z.strictObject({
  kind: z
    .enum(['question', 'reply', 'correction', 'close', 'reopen'])
    .describe('question: the raiser asks; reply or correction: the site answers (a correction names the correcting entry); close, reopen: the raiser'),
  text: z.string().nullable(),
  correctionSeq: z.number().int().nullable().describe('the later log entry that corrects the queried one'),
  authorId: z.string(),
  authorName: z.string(),
  authorRole: z.string(),
  at: instant,
});

/** One data query (README, "Data queries"). */
export const dataQuerySchema = z.strictObject({
  id: z.string(),
  patientId: z.string(),
  subjectId: z.string(),
  siteId: z.string(),
  protocolId: z.string(),
  seq: z.number().int().describe('the log entry the query is about'),
  field: z.string().nullable().describe('the field of that entry (a dotted path into its data, or occurredAt, reason); null: the whole entry'),
  status: queryStatusSchema,
  raisedBy: z.string(),
  raisedAt: instant,
  updatedAt: instant,
  closedAt: instant.nullable(),
  ageDays: z.number().int().describe('whole days since it was raised, to its closing once closed'),
  messages: z.array(queryMessageSchema).optional().describe('the exchange in order (one query read alone, or after a step)'),
});
export type DataQuery = z.infer<typeof dataQuerySchema>;

export const siteQueryFiguresSchema = z.strictObject({
  siteId: z.string(),
  open: z.number().int(),
  answered: z.number().int(),
  closed: z.number().int(),
  oldestOpenDays: z.number().int().nullable().describe('days the oldest query not closed has waited'),
  medianOpenDays: z.number().nullable().describe('median days the queries not closed have waited'),
  medianDaysToClose: z.number().nullable().describe('median days from raising to closing, over the closed ones'),
});

/** `GET /queries`: a page of queries and, per site of the caller's, the counts and ages. */
export const dataQueriesSchema = pageOf(dataQuerySchema).extend({ sites: z.array(siteQueryFiguresSchema) });
export type DataQueries = z.infer<typeof dataQueriesSchema>;

/** The worklist's marker: a patient with queries not closed. */
export const worklistQueriesSchema = z.strictObject({
  patientId: z.string(),
  subjectId: z.string(),
  protocolId: z.string(),
  open: z.number().int().describe('queries waiting for the site'),
  answered: z.number().int().describe('queries the site answered, waiting for the raiser to close them'),
  oldestRaisedAt: instant,
});
