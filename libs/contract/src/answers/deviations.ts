import { z } from 'zod';
import { DEVIATION_CATEGORIES, DEVIATION_SEVERITIES } from '../vocabulary';
import { dataIssueSchema, instant } from './common';

/** One protocol deviation (README, "Protocol deviations"): found by the engine or recorded by the site. */
export const protocolDeviationSchema = z.strictObject({
  id: z.string().describe('stable within the patient: the kind and what it is about (`visit-missed:D28`, `recorded:12`)'),
  kind: z
    .enum([
      'visit-out-of-window',
      'visit-missed',
      'assessment-out-of-window',
      'late-dlt',
      'apheresis-stability',
      'post-thaw-limit',
      'shipping-temperature',
      'out-of-specification-release',
      'recorded',
    ])
    .describe('recorded: by the site (PROTOCOL_DEVIATION_RECORDED); the others the engine finds in the record'),
  category: z.enum(DEVIATION_CATEGORIES),
  severity: z.enum(DEVIATION_SEVERITIES).describe('major: may affect the safety or rights of the patient or the reliability of the data (ICH E3 (R1) Q&A, "important")'),
  rule: z.string().describe('the rule of the protocol not followed'),
  description: z.string(),
  at: instant.describe('when it happened (clinical time)'),
  source: z.enum(['engine', 'site']),
  visit: z.string().optional(),
  seq: z.number().int().optional().describe('the log entry behind it'),
  patientId: z.string(),
  subjectId: z.string(),
  siteId: z.string(),
});
export type ProtocolDeviationAnswer = z.infer<typeof protocolDeviationSchema>;

export const siteDeviationFiguresSchema = z.strictObject({
  siteId: z.string(),
  patients: z.number().int(),
  deviations: z.number().int(),
  major: z.number().int(),
  minor: z.number().int(),
  visitsInWindow: z.number().int().describe('visits done within their window'),
  visitsOutOfWindow: z.number().int().describe('visits done outside their window'),
  visitsMissed: z.number().int().describe('visits whose window closed without them'),
  windowComplianceRate: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .meta({ 'x-unit': '1' })
    .describe('visits done in their window over the visits done or missed, a fraction from 0 to 1; null while none is settled'),
});
export type SiteDeviationFigures = z.infer<typeof siteDeviationFiguresSchema>;

/** `GET /trials/{protocolId}/deviations`: the deviations of the caller's sites, oldest first, and each site's figures. */
export const trialDeviationsSchema = z.strictObject({
  protocolId: z.string(),
  asOf: instant,
  deviations: z.array(protocolDeviationSchema),
  sites: z.array(siteDeviationFiguresSchema),
  dataIssues: z.array(dataIssueSchema).describe('stored entries left out, and why'),
});
export type TrialDeviations = z.infer<typeof trialDeviationsSchema>;
