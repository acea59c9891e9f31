import { Injectable } from '@nestjs/common';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Actor } from '../../kernel/actor';
import { LabIntakeService } from '../lab-intake-service';
import { operationOutcome, readFhirObservations } from './observation-in';

/** What the route answers: the HTTP status and an OperationOutcome. */
export interface FhirAnswer {
  status: 200 | 400 | 403 | 422;
  outcome: OperationOutcome;
}

/**
 * FHIR R4 results in: an Observation or a transaction Bundle of them, taken at the site the caller
 * names (its lab user's one site, or `siteId` when it has several), with the same matching, mapping,
 * idempotency and record as HL7 v2. A body refused whole is recorded and answered 400 (not an
 * Observation, unreadable) or 403 (a site not the caller's); results held in the inbox are 200 with
 * a warning per result, since they are kept, and recorded results 200 with their seq.
 */
@Injectable()
export class FhirIntake {
  constructor(private readonly intake: LabIntakeService) {}

  async receive(raw: Buffer, body: unknown, unreadable: string | undefined, siteId: string | undefined, sender: Actor): Promise<FhirAnswer> {
    const site = siteId ?? (sender.siteIds !== 'all' && sender.siteIds.length === 1 ? sender.siteIds[0] : undefined);
    const read = unreadable ? { problem: unreadable } : readFhirObservations(body);
    const message = { channel: 'fhir' as const, raw, siteId: site ?? null, controlId: 'controlId' in read ? (read.controlId ?? null) : null };
    if ('problem' in read) {
      await this.intake.refuse(message, read.problem, '400', sender);
      return { status: 400, outcome: operationOutcome([{ severity: 'error', text: read.problem, code: 'invalid' }]) };
    }
    if (!site) {
      const problem = 'name the site the results are for (?siteId=): you send for several';
      await this.intake.refuse(message, problem, '400', sender);
      return { status: 400, outcome: operationOutcome([{ severity: 'error', text: problem, code: 'required' }]) };
    }
    const { refused, refusedAs, outcomes } = await this.intake.receive(message, read.results, sender);
    if (refused) {
      return refusedAs === 'invalid'
        ? { status: 400, outcome: operationOutcome([{ severity: 'error', text: refused, code: 'too-costly' }]) }
        : { status: 403, outcome: operationOutcome([{ severity: 'error', text: refused, code: 'forbidden' }]) };
    }
    const issues = outcomes.map((o) =>
      o.outcome === 'inbox'
        ? { severity: 'warning' as const, text: `${o.controlId}: held in the integration inbox: ${o.reason}`, code: 'business-rule' }
        : { severity: 'information' as const, text: `${o.controlId}: ${o.outcome}${o.seq ? ` as seq ${o.seq}` : ''}`, code: 'informational' },
    );
    return { status: 200, outcome: operationOutcome(issues) };
  }
}
