import { z } from 'zod';
import { instant } from './common';

const isoWeek = z.string().describe('an ISO 8601 week, YYYY-Www');
const day = z.string().describe('YYYY-MM-DD');

/** A patient's manufacturing slot: booked into a week, consumed once the cells were collected, or waiting in the queue. */
export const manufacturingSlotSchema = z
  .strictObject({
    manufacturingSiteId: z.string(),
    manufacturingSiteName: z.string(),
    status: z.enum(['booked', 'queued', 'consumed']),
    week: isoWeek.nullable().describe('null while queued'),
    weekStart: day.nullable().describe('the Monday of the week'),
    expectedRelease: day.nullable().describe("the slot's Monday plus the site's days to release"),
    queuePosition: z.number().int().nullable().describe('1 for the head of the queue; null when booked'),
  })
  .describe("A patient's manufacturing slot");
export type ManufacturingSlot = z.infer<typeof manufacturingSlotSchema>;

/** A manufacturing site as an admin defined it. */
export const manufacturingSiteSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  protocolIds: z.array(z.string()),
  slotsPerWeek: z.number().int(),
  releaseDays: z.number().int(),
  horizonWeeks: z.number().int(),
  createdAt: instant,
  updatedAt: instant,
});
export type ManufacturingSite = z.infer<typeof manufacturingSiteSchema>;

export const manufacturingSitesSchema = z.strictObject({ items: z.array(manufacturingSiteSchema) });

/** A patient holding or awaiting a slot, named only when the caller may see the patient's site. */
const slotHolderSchema = z.strictObject({
  patientId: z.string().nullable().describe("null for another site's patient"),
  subjectId: z.string().nullable(),
  siteId: z.string().nullable(),
  status: z.enum(['booked', 'queued', 'consumed']),
});

/** `GET /manufacturing/sites/{siteId}/capacity`: the weeks from the current one, booked and free, and the queue. */
export const capacitySchema = z.strictObject({
  site: manufacturingSiteSchema,
  currentWeek: isoWeek,
  lastBookableWeek: isoWeek,
  weeks: z.array(
    z.strictObject({
      week: isoWeek,
      weekStart: day,
      expectedRelease: day,
      slots: z.number().int(),
      taken: z.number().int().describe('booked and consumed'),
      free: z.number().int(),
      bookable: z.boolean().describe('within the horizon'),
      patients: z.array(slotHolderSchema),
    }),
  ),
  queue: z.array(slotHolderSchema.extend({ position: z.number().int(), queuedAt: instant })),
});
export type ManufacturingCapacity = z.infer<typeof capacitySchema>;

/** `GET|PUT /patients/{id}/manufacturing-slot`: the patient's slot (null: none), and on a change what it moved. */
export const slotAnswerSchema = z.strictObject({
  patientId: z.string(),
  slot: manufacturingSlotSchema.nullable(),
  previous: manufacturingSlotSchema.nullable().optional().describe('on a rebooking or a cancellation: the slot before'),
  promoted: z.number().int().optional().describe('on a change that freed a slot: how many patients left the queue for it'),
});
export type SlotAnswer = z.infer<typeof slotAnswerSchema>;
