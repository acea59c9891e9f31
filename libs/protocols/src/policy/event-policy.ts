import type { Role } from './roles';
import type { UserEventType } from './vocabulary';

/**
 * An electronic signature (21 CFR Part 11): the event is recorded only with the signer's signing
 * password and the meaning of the signature (§11.50), sealed into the record with the signer's name
 * and the time.
 */
export interface SignOff {
  /** What the signer states by signing, unless they write their own (§11.50(a)(3)). */
  meaning: string;
  /** When only some of the event's data make it a sign-off; absent: every one is. */
  when?: (data: unknown) => boolean;
}

/** What the policy says of one event a person may post. */
export interface EventRule {
  /** Who may post it; admins may post any event. */
  roles: readonly Role[];
  /** Set when the event (or, with `when`, some of its data) is an electronic signature. */
  signOff?: SignOff;
  /** True when the event ends the patient's participation: its state is off study from then on. */
  endsStudy?: true;
}

/** An electronic signature is an investigator's sign-off: whenever an event is one, only they may post it (admins aside). */
export const SIGNER_ROLES: readonly Role[] = ['investigator'];

const CLINICAL: readonly Role[] = ['coordinator', 'investigator'];

/** Data that state the response directly instead of the findings it is computed from. */
const givesResponse = (data: unknown): boolean => typeof (data as { response?: unknown } | undefined)?.response === 'string';

/** A release that waives a release criterion under the protocol's out-of-specification rule. */
const releasesOutOfSpecification = (data: unknown): boolean => (data as { outOfSpecification?: unknown } | undefined)?.outOfSpecification !== undefined;

/** A response the investigator gives directly (not computed from findings): an adjudication, the investigator's alone. */
export function isDirectResponse(type: string, data: unknown): boolean {
  return type === 'RESPONSE_ASSESSED' && givesResponse(data);
}

/**
 * The event policy (docs/design.md, section "Who may do what"): for every event a person may post, who may post
 * it, whether it is an electronic signature and with what meaning, and whether it ends the study.
 * The API, the engine and the console all read it here.
 */
export const EVENT_POLICY: { readonly [T in UserEventType]: EventRule } = {
  SCREENING_DATA_RECORDED: { roles: CLINICAL },
  CONSENT_SIGNED: { roles: CLINICAL },
  RECONSENT_DECLINED: { roles: CLINICAL },
  ELIGIBILITY_CONFIRMED: { roles: SIGNER_ROLES, signOff: { meaning: 'I confirm the patient meets every eligibility criterion' } },
  SCREEN_FAILED: { roles: CLINICAL, endsStudy: true },
  ENROLLED: { roles: CLINICAL },
  LEUKAPHERESIS_COMPLETED: { roles: CLINICAL },
  // The hand-offs of the chain of custody are recorded by the site's staff; the people of the other side (courier, manufacturing site) are named in the data.
  APHERESIS_SHIPPED: { roles: CLINICAL },
  APHERESIS_RECEIVED: { roles: CLINICAL },
  MANUFACTURING_STARTED: { roles: CLINICAL },
  /** Releasing a product that misses a release criterion is the investigator's signed decision under the protocol's out-of-specification rule. */
  PRODUCT_RELEASED: {
    roles: CLINICAL,
    signOff: { meaning: "I justify infusing this out-of-specification product under the protocol's rule", when: releasesOutOfSpecification },
  },
  /** Whether to make the product again, and from what, is the investigator's decision. */
  REMANUFACTURE_ORDERED: { roles: SIGNER_ROLES },
  MANUFACTURING_FAILED: { roles: CLINICAL, endsStudy: true },
  BRIDGING_THERAPY_GIVEN: { roles: CLINICAL },
  PRODUCT_SHIPPED: { roles: CLINICAL },
  PRODUCT_RECEIVED: { roles: CLINICAL },
  PRODUCT_STORED: { roles: CLINICAL },
  ELIGIBILITY_RECONFIRMED: {
    roles: SIGNER_ROLES,
    signOff: { meaning: "I confirm the patient still meets the protocol's criteria for lymphodepletion after bridging therapy" },
  },
  LYMPHODEPLETION_STARTED: { roles: CLINICAL },
  LYMPHODEPLETION_COMPLETED: { roles: CLINICAL },
  PRODUCT_THAWED: { roles: CLINICAL },
  INFUSION_COMPLETED: { roles: CLINICAL },
  /** Only where the protocol allows a second infusion (none of the seeds does): the state after the first takes it then. */
  SECOND_INFUSION_COMPLETED: { roles: CLINICAL },
  VISIT_COMPLETED: { roles: CLINICAL },
  /** A visit the schedule does not plan (a symptom, a check the investigator asked for), with its reason. */
  UNSCHEDULED_VISIT_COMPLETED: { roles: CLINICAL },
  ADVERSE_EVENT_REPORTED: { roles: CLINICAL },
  DLT_ADJUDICATED: { roles: SIGNER_ROLES, signOff: { meaning: 'I adjudicate the dose-limiting toxicity call for this adverse event' } },
  LAB_RESULT_RECORDED: { roles: ['lab', ...CLINICAL] },
  /** Whether a lab abnormality is an adverse event is the investigator's medical judgement; the reason is kept on the record (not a signature: nothing is attested). */
  LAB_TOXICITY_DISMISSED: { roles: SIGNER_ROLES },
  RESPONSE_ASSESSED: {
    roles: CLINICAL,
    signOff: { meaning: 'I confirm this response assessment', when: givesResponse },
  },
  PROGRESSION_OR_RELAPSE: { roles: CLINICAL },
  /** A deviation the engine cannot see (a consent, a procedure, a dose), recorded by the site's staff (README, "Protocol deviations"). */
  PROTOCOL_DEVIATION_RECORDED: { roles: CLINICAL },
  LOST_TO_FOLLOW_UP: { roles: CLINICAL, endsStudy: true },
  WITHDRAWN: { roles: CLINICAL, endsStudy: true },
  DEATH: { roles: CLINICAL, endsStudy: true },
};

/** The policy's rule for a type, own keys only: a type named like an Object.prototype member ("constructor") names no event. */
function ruleOf(type: string): EventRule | undefined {
  return Object.hasOwn(EVENT_POLICY, type) ? EVENT_POLICY[type as UserEventType] : undefined;
}

/** Whether posting this event with this data is an electronic signature (applied to the data as sent). */
export function requiresSignature(type: string, data: unknown): boolean {
  const signOff = ruleOf(type)?.signOff;
  return signOff !== undefined && (signOff.when?.(data) ?? true);
}

/** The meaning a signer states by default for this event, when it is (or can be) a sign-off. */
export function signOffMeaning(type: string): string | undefined {
  return ruleOf(type)?.signOff?.meaning;
}

/**
 * The roles besides admin that may post this event with this data: a sign-off is the signer roles';
 * undefined for a type the policy does not know (the engine refuses it on its own terms).
 */
export function rolesMayPost(type: string, data?: unknown): readonly Role[] | undefined {
  const rule = ruleOf(type);
  if (!rule) return undefined;
  return requiresSignature(type, data) ? SIGNER_ROLES : rule.roles;
}

/** Whether a user of this role may post the event with this data. Admins may post any. */
export function mayPost(role: string, type: string, data?: unknown): boolean {
  if (role === 'admin') return true;
  const roles = rolesMayPost(type, data);
  return roles === undefined || roles.includes(role as Role);
}

/** Whether the event ends the patient's participation (screen failure, manufacturing failure, loss to follow-up, withdrawal, death). */
export function endsStudy(type: string): boolean {
  return ruleOf(type)?.endsStudy === true;
}
