import { z } from 'zod';
import { instant } from './common';

const day = z.string().describe('a calendar date, YYYY-MM-DD');
const recorder = z.strictObject({ id: z.string().describe('user:<id>'), name: z.string() });

/** A correction of a site's approval: what it set, what it replaced, why, who and when. */
export const approvalCorrectionSchema = z.strictObject({
  approvedOn: day,
  reference: z.string(),
  replaced: z.strictObject({ approvedOn: day, reference: z.string() }),
  reason: z.string(),
  recordedBy: recorder,
  recordedAt: instant,
});

/** A site's IRB/ethics approval of an amendment as it stands, with the corrections that made it so. */
export const siteApprovalSchema = z.strictObject({
  protocolId: z.string(),
  version: z.number().int().describe('the protocol version the amendment made'),
  siteId: z.string(),
  approvedOn: day.describe('the approval date after any correction: the amendment is in force at the site from this day on'),
  reference: z.string(),
  recordedBy: recorder.describe('who first recorded the approval'),
  recordedAt: instant,
  corrections: z.array(approvalCorrectionSchema).describe('oldest first; the history is never overwritten'),
});
export type SiteApprovalRecord = z.infer<typeof siteApprovalSchema>;

/** `GET /trials/{protocolId}/amendments`: each amendment, and the approvals of the sites the caller may see. */
export const amendmentsSchema = z.strictObject({
  protocolId: z.string(),
  amendments: z.array(
    z.strictObject({
      version: z.number().int(),
      effective: day.describe('the date the sponsor issued it: no approval is dated earlier'),
      summary: z.string(),
      siteApproval: z.boolean().describe('true: in force at a site only from the approval recorded for it'),
      sites: z.array(siteApprovalSchema).describe("the sites with an approval recorded; a non-admin sees its own sites' only"),
    }),
  ),
});
export type Amendments = z.infer<typeof amendmentsSchema>;
