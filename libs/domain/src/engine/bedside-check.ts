import { bedsidePeopleProblems, chainOfIdentityProblems, type ClinicalEvent, formatChainOfIdentityId, normalizeChainOfIdentityId, type PatientContext } from '#protocols';
import type { PatientEntity } from '../persistence/entities';
import { type Actor, canSeeSite } from '../kernel/actor';
import type { BedsideWitness } from '../users/signature-service';

export type { BedsideWitness };

/** One of the two people of a bedside check, as the log entry keeps them. */
export interface BedsideVerifier {
  userId: string;
  name: string;
  role: string;
  /** The witness's signature: its meaning and time. */
  meaning?: string;
  signedAt?: string;
}

export interface BedsideRecord {
  bagCoi: string;
  patientCoi: string;
  verifiedBy: BedsideVerifier[];
}

export interface BedsideJudgement {
  /** Why the infusion cannot be recorded as it is; empty when the check passes. */
  reasons: string[];
  /** Set when the bag is well read and is another patient's: the hard stop that raises the alarm. */
  mismatch?: { patientId: string; siteId: string; protocolId: string; subjectId: string; bagCoi: string; patientCoi: string };
  /** When the check passes: what the log entry keeps of it, once the witness has signed. */
  record?: (now: Date) => Promise<BedsideRecord>;
}

/**
 * The bedside check of an INFUSION_COMPLETED (docs/design.md, section "Chain of identity"): the
 * bag's identifier well formed (its check character right) and the patient's, and two different
 * people, one of them an investigator, both at the patient's site.
 */
export function bedsideCheckOf(patient: PatientEntity, context: PatientContext, event: ClinicalEvent, poster: Actor, witness: BedsideWitness | undefined): BedsideJudgement {
  const given = (event.data as { bedsideCheck?: { bagCoi: string } }).bedsideCheck;
  const reasons = bedsidePeopleProblems({ id: poster.id, role: poster.role }, witness && { id: witness.actor.id, role: witness.actor.role });
  if (witness && !canSeeSite(witness.actor, patient.siteId)) reasons.push(`the witness ${witness.actor.name} is not assigned to site ${patient.siteId}`);
  if (!given) {
    return { reasons: ['INFUSION_COMPLETED needs the bedside check: the chain-of-identity identifier read off the product bag (data.bedsideCheck.bagCoi)', ...reasons] };
  }
  const patientCoi = context.enrollment?.coi;
  if (!patientCoi) {
    return { reasons: ['this patient has no chain-of-identity identifier to check the bag against (enrolled before identifiers were allocated)', ...reasons] };
  }
  const malformed = chainOfIdentityProblems(given.bagCoi, 'data.bedsideCheck.bagCoi');
  if (malformed.length) return { reasons: [...malformed, ...reasons] };
  const bagCoi = normalizeChainOfIdentityId(given.bagCoi);
  if (bagCoi !== patientCoi) {
    const { id: patientId, siteId, protocolId, subjectId } = patient;
    return {
      reasons: [
        `the product bag's chain-of-identity identifier ${formatChainOfIdentityId(bagCoi)} is not this patient's (${formatChainOfIdentityId(patientCoi)}): do not infuse; the site's investigators are alerted`,
        ...reasons,
      ],
      mismatch: { patientId, siteId, protocolId, subjectId, bagCoi, patientCoi },
    };
  }
  if (reasons.length || !witness) return { reasons };
  return {
    reasons,
    record: async (now) => {
      const signed = await witness.authenticate();
      return {
        bagCoi,
        patientCoi,
        verifiedBy: [
          { userId: poster.id, name: poster.name, role: poster.role },
          { userId: signed.signerId, name: signed.signerName, role: witness.actor.role, meaning: signed.meaning, signedAt: now.toISOString() },
        ],
      };
    },
  };
}
