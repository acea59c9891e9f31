/**
 * Domain errors: each names what was wrong in words a coordinator understands and carries a code;
 * the API maps codes to HTTP statuses in one exception filter. None is thrown after a write.
 */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export type DomainErrorCode =
  | 'invalid_input'
  | 'unauthenticated'
  | 'forbidden'
  | 'signing_locked'
  | 'not_found'
  | 'event_not_accepted'
  | 'version_conflict'
  | 'already_exists'
  | 'slot_full'
  | 'query_state'
  | 'refused'
  | 'idempotency_key_reused';

export class InvalidInputError extends DomainError {
  readonly code = 'invalid_input';
  constructor(message: string, issues: string[]) {
    super(message, { issues });
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'unauthenticated';
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
}

/** Signing is locked for the user after too many wrong signing passwords in a row; an admin unlocks it. */
export class SigningLockedError extends DomainError {
  readonly code = 'signing_locked';
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
}

export class AlreadyExistsError extends DomainError {
  readonly code = 'already_exists';
}

/** Every slot of the manufacturing week asked for is taken (README, "Manufacturing capacity"). */
export class SlotFullError extends DomainError {
  readonly code = 'slot_full';
  constructor(week: string, siteName: string, slotsPerWeek: number) {
    super(`Week ${week} at ${siteName} has no free slot (${slotsPerWeek} a week, all taken). Choose another week.`, {
      week,
      reasons: [`week ${week} is full: its ${slotsPerWeek} slots are taken`],
    });
  }
}

/** A data query whose status does not allow the step: a reply to a closed query, a query closed twice. */
export class QueryStateError extends DomainError {
  readonly code = 'query_state';
  constructor(queryId: string, status: string, what: string) {
    super(`Query ${queryId} is ${status}: ${what}.`, { status });
  }
}

export class EventNotAcceptedError extends DomainError {
  readonly code = 'event_not_accepted';
  /** `offStudy`: the patient has left the study, so what it still accepts is data about its time on study, entered late. */
  constructor(type: string, state: string, acceptedEvents: readonly string[], offStudy = false) {
    const accepted = acceptedEvents.join(', ');
    super(
      offStudy && accepted
        ? `${type} is not accepted while the patient is in ${state}, off study: it accepts only data about its time on study, entered late: ${accepted}.`
        : `${type} is not accepted while the patient is in ${state}; accepted now: ${accepted || 'none (off study)'}.`,
      { state, acceptedEvents },
    );
  }
}

export class VersionConflictError extends DomainError {
  readonly code = 'version_conflict';
  constructor(expected: number, current: number) {
    super(`The patient changed since version ${expected}; it is now at version ${current}. Reload and try again.`, {
      currentVersion: current,
    });
  }
}

export class RefusedError extends DomainError {
  readonly code = 'refused';
  constructor(summary: string, reasons: string[]) {
    super(`${summary}: ${reasons.join('; ')}.`, { reasons });
  }
}

/**
 * The product bag at the bedside is not the patient's (docs/design.md, section "Chain of identity"):
 * a hard stop, refused like any other (422, nothing written), and raised as an alarm besides.
 */
export class BedsideMismatchError extends RefusedError {
  constructor(
    reasons: string[],
    readonly mismatch: { patientId: string; siteId: string; protocolId: string; subjectId: string; bagCoi: string; patientCoi: string },
  ) {
    super("INFUSION_COMPLETED refused: the product bag is not this patient's", reasons);
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'idempotency_key_reused';
  constructor(key: string) {
    super(`Idempotency-Key "${key}" was already used for a different request on this patient.`, {
      reasons: [`the key "${key}" was first used with another body`],
    });
  }
}
