import type { AnyStateNode } from 'xstate';
import { PROTOCOLS } from '../registry';
import { buildProtocol } from '../lifecycle/protocol';
import { OFF_STUDY } from '../lifecycle/machine';
import { EVENT_POLICY, SIGNER_ROLES, endsStudy, isDirectResponse, mayPost, requiresSignature, rolesMayPost, signOffMeaning } from './event-policy';
import { ROLES } from './roles';
import { SCHEDULER_EVENT_TYPES, USER_EVENT_TYPES, isUserEventType } from './vocabulary';

/**
 * The expectations are the rules as they stood before they were gathered here: `EVENT_ROLES` of
 * apps/api/src/http/event-permissions.ts, `requiresSignature` of libs/domain/src/users/signature-service.ts,
 * `defaultMeaning` and `ENDS_STUDY` of the console. They are written out again on purpose, so a change
 * to the policy is a change to this test too.
 */
const CLINICAL = ['coordinator', 'investigator'];
const ROLES_BEFORE: Record<string, string[]> = {
  SCREENING_DATA_RECORDED: CLINICAL,
  CONSENT_SIGNED: CLINICAL,
  RECONSENT_DECLINED: CLINICAL,
  ELIGIBILITY_CONFIRMED: ['investigator'],
  SCREEN_FAILED: CLINICAL,
  ENROLLED: CLINICAL,
  LEUKAPHERESIS_COMPLETED: CLINICAL,
  // The chain of custody (issue 18): hand-offs by the site's staff; making the product again and re-confirming eligibility are the investigator's.
  APHERESIS_SHIPPED: CLINICAL,
  APHERESIS_RECEIVED: CLINICAL,
  MANUFACTURING_STARTED: CLINICAL,
  PRODUCT_RELEASED: CLINICAL,
  REMANUFACTURE_ORDERED: ['investigator'],
  MANUFACTURING_FAILED: CLINICAL,
  BRIDGING_THERAPY_GIVEN: CLINICAL,
  PRODUCT_SHIPPED: CLINICAL,
  PRODUCT_RECEIVED: CLINICAL,
  PRODUCT_STORED: CLINICAL,
  ELIGIBILITY_RECONFIRMED: ['investigator'],
  LYMPHODEPLETION_STARTED: CLINICAL,
  LYMPHODEPLETION_COMPLETED: CLINICAL,
  PRODUCT_THAWED: CLINICAL,
  INFUSION_COMPLETED: CLINICAL,
  SECOND_INFUSION_COMPLETED: CLINICAL,
  ADVERSE_EVENT_REPORTED: CLINICAL,
  DLT_ADJUDICATED: ['investigator'],
  LAB_RESULT_RECORDED: ['lab', 'coordinator', 'investigator'],
  LAB_TOXICITY_DISMISSED: ['investigator'],
  RESPONSE_ASSESSED: CLINICAL,
  VISIT_COMPLETED: CLINICAL,
  UNSCHEDULED_VISIT_COMPLETED: CLINICAL,
  PROGRESSION_OR_RELAPSE: CLINICAL,
  PROTOCOL_DEVIATION_RECORDED: CLINICAL,
  DEATH: CLINICAL,
  WITHDRAWN: CLINICAL,
  LOST_TO_FOLLOW_UP: CLINICAL,
};
const MEANINGS_BEFORE: Record<string, string> = {
  ELIGIBILITY_CONFIRMED: 'I confirm the patient meets every eligibility criterion',
  DLT_ADJUDICATED: 'I adjudicate the dose-limiting toxicity call for this adverse event',
  RESPONSE_ASSESSED: 'I confirm this response assessment',
  PRODUCT_RELEASED: "I justify infusing this out-of-specification product under the protocol's rule",
  ELIGIBILITY_RECONFIRMED: "I confirm the patient still meets the protocol's criteria for lymphodepletion after bridging therapy",
};
const ENDS_STUDY_BEFORE = ['SCREEN_FAILED', 'MANUFACTURING_FAILED', 'LOST_TO_FOLLOW_UP', 'WITHDRAWN', 'DEATH'];

describe('the event policy', () => {
  it('has one entry for every event a person may post, and none for anything else', () => {
    expect(Object.keys(EVENT_POLICY).sort()).toEqual([...USER_EVENT_TYPES].sort());
    expect(new Set(USER_EVENT_TYPES).size).toBe(USER_EVENT_TYPES.length);
    for (const type of SCHEDULER_EVENT_TYPES) expect(isUserEventType(type)).toBe(false);
  });

  it('lets the same roles post each event as before', () => {
    expect(Object.fromEntries(USER_EVENT_TYPES.map((type) => [type, [...EVENT_POLICY[type].roles]]))).toEqual(ROLES_BEFORE);
    for (const type of USER_EVENT_TYPES) expect(rolesMayPost(type, {})).toEqual(ROLES_BEFORE[type]);
  });

  it('names only roles that exist, and gives the monitor none', () => {
    for (const type of USER_EVENT_TYPES) for (const role of EVENT_POLICY[type].roles) expect(ROLES).toContain(role);
    expect(USER_EVENT_TYPES.filter((type) => mayPost('monitor', type))).toEqual([]);
  });

  it('asks for a signature on eligibility (and its re-confirmation), DLT adjudication, a response given directly and an out-of-specification release, and on nothing else', () => {
    const signed = USER_EVENT_TYPES.filter((type) => requiresSignature(type, { response: 'CR' }));
    expect(signed).toEqual(['ELIGIBILITY_CONFIRMED', 'ELIGIBILITY_RECONFIRMED', 'DLT_ADJUDICATED', 'RESPONSE_ASSESSED']);
    expect(USER_EVENT_TYPES.filter((type) => requiresSignature(type, {}))).toEqual(['ELIGIBILITY_CONFIRMED', 'ELIGIBILITY_RECONFIRMED', 'DLT_ADJUDICATED']);
    expect(USER_EVENT_TYPES.filter((type) => requiresSignature(type, { outOfSpecification: { justification: 'x' } }))).toEqual([
      'ELIGIBILITY_CONFIRMED',
      'PRODUCT_RELEASED',
      'ELIGIBILITY_RECONFIRMED',
      'DLT_ADJUDICATED',
    ]);
    expect(rolesMayPost('PRODUCT_RELEASED', { lot: 'L1' })).toEqual(CLINICAL);
    expect(rolesMayPost('PRODUCT_RELEASED', { lot: 'L1', outOfSpecification: { justification: 'x' } })).toEqual(['investigator']);
    expect(requiresSignature('ELIGIBILITY_CONFIRMED', undefined)).toBe(true);
    expect(requiresSignature('RESPONSE_ASSESSED', undefined)).toBe(false);
    expect(requiresSignature('RESPONSE_ASSESSED', { marrowBlastsPct: 2 })).toBe(false);
    // A response that is not a string is not one given directly (the schema refuses it anyway).
    expect(requiresSignature('RESPONSE_ASSESSED', { response: 1 })).toBe(false);
    for (const type of [...SCHEDULER_EVENT_TYPES, 'UNKNOWN', 'constructor', '__proto__', 'toString']) expect(requiresSignature(type, { response: 'CR' })).toBe(false);
  });

  it("makes a response given directly the investigator's adjudication, and only RESPONSE_ASSESSED is one", () => {
    expect(isDirectResponse('RESPONSE_ASSESSED', { response: 'CRi' })).toBe(true);
    expect(isDirectResponse('RESPONSE_ASSESSED', { anc: 1 })).toBe(false);
    expect(isDirectResponse('VISIT_COMPLETED', { response: 'CR' })).toBe(false);
    expect(rolesMayPost('RESPONSE_ASSESSED', { response: 'CR' })).toEqual(['investigator']);
    expect(mayPost('coordinator', 'RESPONSE_ASSESSED', { response: 'CR' })).toBe(false);
    expect(mayPost('coordinator', 'RESPONSE_ASSESSED', { anc: 1 })).toBe(true);
  });

  it('gives every sign-off to the signer roles alone', () => {
    for (const type of USER_EVENT_TYPES) {
      if (requiresSignature(type, { response: 'CR' })) expect(rolesMayPost(type, { response: 'CR' })).toEqual(SIGNER_ROLES);
    }
    expect(SIGNER_ROLES).toEqual(['investigator']);
  });

  it('states the meaning of every sign-off (Part 11 §11.50), as the console offered it', () => {
    const meanings = Object.fromEntries(USER_EVENT_TYPES.flatMap((type) => (signOffMeaning(type) ? [[type, signOffMeaning(type)]] : [])));
    expect(meanings).toEqual(MEANINGS_BEFORE);
    expect(signOffMeaning('VISIT_COMPLETED')).toBeUndefined();
  });

  it('lets an admin post anything, and leaves a type it does not know to the engine', () => {
    for (const type of USER_EVENT_TYPES) expect(mayPost('admin', type, { response: 'CR' })).toBe(true);
    for (const type of [...SCHEDULER_EVENT_TYPES, 'UNKNOWN', 'constructor', 'hasOwnProperty', '__proto__']) {
      expect(rolesMayPost(type)).toBeUndefined();
      expect(mayPost('lab', type)).toBe(true);
    }
    expect(mayPost('lab', 'LAB_RESULT_RECORDED')).toBe(true);
    expect(mayPost('lab', 'ADVERSE_EVENT_REPORTED')).toBe(false);
    expect(mayPost('coordinator', 'ELIGIBILITY_CONFIRMED')).toBe(false);
    expect(mayPost('coordinator', 'DLT_ADJUDICATED')).toBe(false);
  });

  it('ends the study with the same events as before', () => {
    expect(USER_EVENT_TYPES.filter(endsStudy)).toEqual(ENDS_STUDY_BEFORE);
    for (const type of [...SCHEDULER_EVENT_TYPES, 'constructor']) expect(endsStudy(type)).toBe(false);
  });

  // The machines decide where an event leads; the policy must say the same of every protocol and cohort.
  it.each(PROTOCOLS.flatMap((p) => [p, ...p.cohorts.map((c) => p.forCohort(c))]).map((p) => [`${p.id} v${p.version}${p.cohort ? ` ${p.cohort}` : ''}`, p]))(
    'ends the study exactly where the machine of %s leaves it',
    (_name, protocol) => {
      const leaving = new Set<string>();
      const visit = (node: AnyStateNode) => {
        const offStudy = node.type === 'final' || node.tags.includes(OFF_STUDY);
        if (!offStudy) {
          for (const [type, transitions] of node.transitions) {
            const targets = transitions.flatMap((t) => t.target ?? []);
            if (targets.some((target) => target.type === 'final' || target.tags.includes(OFF_STUDY)) && isUserEventType(type)) leaving.add(type);
          }
        }
        for (const child of Object.values(node.states) as AnyStateNode[]) visit(child);
      };
      visit(protocol.machine.root);
      expect([...leaving].sort()).toEqual(USER_EVENT_TYPES.filter(endsStudy).sort());
    },
  );
});

// A word of the vocabulary that no machine accepts would be a 409 in every state: each must lead somewhere.
describe('the vocabulary and the machines', () => {
  it.each(PROTOCOLS.flatMap((p) => [p, ...p.cohorts.map((c) => p.forCohort(c))]).map((p) => [`${p.id} v${p.version}${p.cohort ? ` ${p.cohort}` : ''}`, p]))(
    'has every event a person may post accepted in some state of %s',
    (_name, protocol) => {
      const accepted = new Set<string>();
      const visit = (node: AnyStateNode) => {
        for (const type of node.transitions.keys()) accepted.add(type);
        for (const child of Object.values(node.states) as AnyStateNode[]) visit(child);
      };
      visit(protocol.machine.root);
      // A second infusion is the one event a protocol opts into (its spec's `secondInfusion`); none of the seeds does.
      expect(USER_EVENT_TYPES.filter((type) => !accepted.has(type))).toEqual(protocol.spec.secondInfusion ? [] : ['SECOND_INFUSION_COMPLETED']);
    },
  );

  it('accepts a second infusion in a protocol that allows one', () => {
    const twice = buildProtocol({ ...PROTOCOLS[0].spec, cohorts: undefined, secondInfusion: { minDaysAfterFirst: 14, maxDaysAfterFirst: 60, source: 'test' } });
    const accepted = new Set<string>();
    const visit = (node: AnyStateNode) => {
      for (const type of node.transitions.keys()) accepted.add(type);
      for (const child of Object.values(node.states) as AnyStateNode[]) visit(child);
    };
    visit(twice.machine.root);
    expect(USER_EVENT_TYPES.filter((type) => !accepted.has(type))).toEqual([]);
  });
});
