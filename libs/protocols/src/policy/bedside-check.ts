import type { Role } from './roles';

/**
 * The bedside check before an infusion (docs/design.md, section "Chain of identity"): two different
 * people confirm that the chain-of-identity identifier on the product bag is the patient's. One of
 * them is an investigator (the trained verifier; admins, who may post any event, count as one); the
 * other posts or witnesses the infusion. The FACT-JACIE International Standards for Hematopoietic
 * Cellular Therapy ask for the recipient's and the product's identity to be verified by two
 * qualified people immediately before administration; the manufacturers' REMS and package inserts
 * for CAR-T products (e.g. Kymriah, Yescarta) ask that the patient's identity be matched with the
 * identifiers on the infusion bag before infusing. The console reads this rule here too.
 */
/** The events that give a product bag to the patient, each checked at the bedside. */
export const BEDSIDE_CHECKED_EVENTS: readonly string[] = ['INFUSION_COMPLETED', 'SECOND_INFUSION_COMPLETED'];
export const takesBedsideCheck = (type: unknown): boolean => typeof type === 'string' && BEDSIDE_CHECKED_EVENTS.includes(type);

export const BEDSIDE_VERIFIER_ROLES: readonly Role[] = ['investigator', 'admin'];
/** Who may take part in the check at all: the roles that may post an infusion. */
export const BEDSIDE_ROLES: readonly Role[] = ['coordinator', 'investigator', 'admin'];

/** The meaning the witness states by signing, unless they write their own. */
export const BEDSIDE_WITNESS_MEANING = "I verified at the bedside that the product bag's chain-of-identity identifier is this patient's";

export interface BedsidePerson {
  id: string;
  role: string;
}

/** Why these two people cannot make the bedside check together; empty when they can. */
export function bedsidePeopleProblems(poster: BedsidePerson, witness: BedsidePerson | undefined): string[] {
  if (!witness) {
    return ['the bedside check needs a second person: the witness signs with their own signing password (witness.userId, witness.password)'];
  }
  if (witness.id === poster.id) return ['the bedside check needs two different people: the witness cannot be the person recording the infusion'];
  const problems: string[] = [];
  if (!BEDSIDE_ROLES.includes(witness.role as Role)) problems.push(`the witness of the bedside check must be a coordinator or an investigator, not a ${witness.role}`);
  if (!BEDSIDE_VERIFIER_ROLES.includes(poster.role as Role) && !BEDSIDE_VERIFIER_ROLES.includes(witness.role as Role)) {
    problems.push('one of the two people of the bedside check must be an investigator');
  }
  return problems;
}
