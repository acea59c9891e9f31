/**
 * The event vocabulary: every event a patient's machine can receive. Pure data, imported by the
 * server and bundled into the console (no Node, no zod, no XState here).
 */

/**
 * Events a person or an integration may post (docs/api.md, section "The event vocabulary"), in the
 * order a patient meets them (the console lists them so); those that end participation after the
 * infusion come last.
 */
export const USER_EVENT_TYPES = [
  'SCREENING_DATA_RECORDED',
  'CONSENT_SIGNED',
  'RECONSENT_DECLINED',
  'ELIGIBILITY_CONFIRMED',
  'SCREEN_FAILED',
  'ENROLLED',
  'LEUKAPHERESIS_COMPLETED',
  'APHERESIS_SHIPPED',
  'APHERESIS_RECEIVED',
  'MANUFACTURING_STARTED',
  'PRODUCT_RELEASED',
  'REMANUFACTURE_ORDERED',
  'MANUFACTURING_FAILED',
  'BRIDGING_THERAPY_GIVEN',
  'PRODUCT_SHIPPED',
  'PRODUCT_RECEIVED',
  'PRODUCT_STORED',
  'ELIGIBILITY_RECONFIRMED',
  'LYMPHODEPLETION_STARTED',
  'LYMPHODEPLETION_COMPLETED',
  'PRODUCT_THAWED',
  'INFUSION_COMPLETED',
  'SECOND_INFUSION_COMPLETED',
  'VISIT_COMPLETED',
  'UNSCHEDULED_VISIT_COMPLETED',
  'ADVERSE_EVENT_REPORTED',
  'DLT_ADJUDICATED',
  'LAB_RESULT_RECORDED',
  'LAB_TOXICITY_DISMISSED',
  'RESPONSE_ASSESSED',
  'PROGRESSION_OR_RELAPSE',
  'PROTOCOL_DEVIATION_RECORDED',
  'LOST_TO_FOLLOW_UP',
  'WITHDRAWN',
  'DEATH',
] as const;

/** Events only the engine's scheduler raises, when a durable timer falls due (actor `system:scheduler`). */
export const SCHEDULER_EVENT_TYPES = [
  'VISIT_REMINDER',
  'VISIT_WINDOW_CLOSING',
  'VISIT_MISSED',
  'DLT_WINDOW_ENDING',
  'DLT_WINDOW_CLOSED',
  'FOLLOW_UP_ENDED',
  'APHERESIS_STABILITY_EXCEEDED',
  'POST_THAW_LIMIT_EXCEEDED',
] as const;

export type UserEventType = (typeof USER_EVENT_TYPES)[number];
export type SchedulerEventType = (typeof SCHEDULER_EVENT_TYPES)[number];
export type ClinicalEventType = UserEventType | SchedulerEventType;

export function isSchedulerEventType(type: string): type is SchedulerEventType {
  return (SCHEDULER_EVENT_TYPES as readonly string[]).includes(type);
}

export function isUserEventType(type: string): type is UserEventType {
  return (USER_EVENT_TYPES as readonly string[]).includes(type);
}
