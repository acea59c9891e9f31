import { z } from 'zod';

/** `GET /protocols`: the newest version of each protocol. */
export const protocolSummarySchema = z.strictObject({
  id: z.string(),
  version: z.number().int(),
  versions: z.array(z.number().int()),
  title: z.string(),
  registryId: z.string().nullable(),
  phase: z.string(),
  targetEnrollment: z.number().int(),
});
export type ProtocolSummary = z.infer<typeof protocolSummarySchema>;

export const doseLevelSchema = z.object({ level: z.number().int(), label: z.string(), minCellsPerKg: z.number(), maxCellsPerKg: z.number() });
export type DoseLevel = z.infer<typeof doseLevelSchema>;

export const scheduleEntrySchema = z.object({
  name: z.string(),
  day: z.number().int(),
  windowBeforeDays: z.number().int(),
  windowAfterDays: z.number().int(),
  assessments: z.array(z.string()),
  findings: z.array(z.string()).optional().describe('the findings VISIT_COMPLETED must carry for this visit (malignancy screening, long-term follow-up)'),
});
export type ScheduleEntry = z.infer<typeof scheduleEntrySchema>;

const outcomeMeasureSchema = z.object({ kind: z.enum(['primary', 'secondary']), title: z.string(), timeFrame: z.string() });

/** The DLT rule: the window after infusion and what counts. */
export const dltRuleSchema = z.object({
  windowDays: z.number().int(),
  minGrade: z.number().int(),
  requiresRelated: z.boolean(),
  excludedTerms: z.array(z.string()),
  expectedEvents: z
    .array(
      z.object({
        term: z.string(),
        maxGrade: z.number().int().optional(),
        resolvesWithinDays: z.number().int().optional(),
        resolution: z.enum(['resolved', 'grade-1-or-less']).optional(),
      }),
    )
    .optional()
    .describe('events that do not count within limits of grade and time to resolve'),
  description: z.string(),
});

export const responseCriteriaSchema = z.enum(['ALL', 'LUGANO_2014']);

export const cohortSchema = z.object({
  id: z.string(),
  title: z.string(),
  diagnoses: z.array(z.string()),
  responseCriteria: responseCriteriaSchema.optional(),
  primaryResponseVisit: z.string().optional(),
  schedule: z.array(scheduleEntrySchema).optional(),
  followUpDays: z.number().int().optional(),
  outcomeMeasures: z.array(outcomeMeasureSchema).optional(),
  dlt: dltRuleSchema.optional(),
});
export type Cohort = z.infer<typeof cohortSchema>;

/** How the trial moves between dose levels toward the MTD: 3+3 or BOIN. */
const escalationCommon = { cohortSize: z.number().int(), staggerDays: z.number().int().optional().describe('days between one infusion and the next') };
export const doseEscalationSchema = z.discriminatedUnion('design', [
  z.object({ design: z.literal('3+3'), ...escalationCommon }),
  z.object({
    design: z.literal('BOIN'),
    ...escalationCommon,
    targetDltRate: z.number(),
    maxSampleSize: z.number().int(),
    phi1: z.number().optional(),
    phi2: z.number().optional(),
    eliminationCutoff: z.number().optional(),
    extraSafe: z.boolean().optional(),
    offset: z.number().optional(),
  }),
]);

/** A state of the machine with the events it accepts. */
export const protocolStateSchema = z.strictObject({
  id: z.string(),
  type: z.string().describe('atomic, compound, parallel, final or history'),
  accepts: z.array(z.string()).describe('events a person or an integration may post in this state'),
  scheduled: z.array(z.string()).describe('events the scheduler raises in this state'),
  tags: z.array(z.string()).describe('`offStudy` on the states a patient is off study in'),
});
export type ProtocolState = z.infer<typeof protocolStateSchema>;

/** A JSON Schema (draft 2020-12, as zod writes it) of an event's `data`. */
export const jsonSchemaSchema = z.record(z.string(), z.unknown());
export type JsonSchema = z.infer<typeof jsonSchemaSchema>;

/** `GET /protocols/{id}`: the whole definition of a protocol version. */
export const protocolDefinitionSchema = z.strictObject({
  id: z.string(),
  version: z.number().int(),
  title: z.string(),
  officialTitle: z.string(),
  registryId: z.string().nullable(),
  phase: z.string(),
  product: z.string(),
  disease: z.string(),
  targetEnrollment: z.number().int(),
  eligibility: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      text: z.string(),
      rule: z.unknown().optional(),
      attestation: z.string().optional(),
      attestationStatement: z.string().optional(),
    }),
  ),
  attestations: z.record(z.string(), z.string()),
  cellDoseRange: z.object({ minCellsPerKg: z.number(), maxCellsPerKg: z.number(), source: z.string() }),
  doseLevels: z.array(doseLevelSchema),
  lymphodepletion: z.object({
    agents: z.array(z.object({ agent: z.string(), mgPerM2: z.number(), days: z.array(z.number().int()), maxDailyMg: z.number().optional() })),
    bsaCapM2: z.number().optional(),
  }),
  dlt: dltRuleSchema,
  responseCriteria: responseCriteriaSchema,
  primaryResponseVisit: z.string(),
  schedule: z.array(scheduleEntrySchema),
  reminderLeadDays: z.number().int(),
  followUpDays: z.number().int(),
  outcomeMeasures: z.array(outcomeMeasureSchema),
  cohorts: z.array(cohortSchema),
  amendment: z
    .object({
      effective: z.string(),
      summary: z.string(),
      siteApproval: z.boolean().optional().describe('takes effect at a site only from its IRB/ethics approval'),
      migration: z
        .object({
          fromVersions: z.array(z.number().int()),
          states: z.record(z.string(), z.string()).describe('state on the earlier version → state here'),
          unmapped: z.record(z.string(), z.string()).describe('states it does not move, each with why'),
          reconsent: z.object({ consentVersion: z.string(), blocks: z.array(z.string()), before: z.string(), onDecline: z.string() }).optional(),
        })
        .optional()
        .describe('how a patient on an earlier version moves to this one'),
    })
    .nullable(),
  rollover: z
    .object({ parents: z.array(z.string()), fromStates: z.array(z.string()) })
    .nullable()
    .describe('a long-term follow-up protocol: the trials whose patients roll over into it, and from which states'),
  assumptions: z.array(z.string()),
  eventData: z.record(z.string(), jsonSchemaSchema).describe("the JSON Schema of each event's data"),
  states: z.array(protocolStateSchema),
});
export type ProtocolDefinition = z.infer<typeof protocolDefinitionSchema>;
