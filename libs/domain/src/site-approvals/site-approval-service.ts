import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { type LifecycleSpec, PROTOCOLS } from '#protocols';
import { AccessLog, type Caller } from '../audit/access-log';
import { type Actor, canSeeSite } from '../kernel/actor';
import { Clock } from '../kernel/clock';
import { requireProtocol } from '../kernel/require-protocol';
import { RefusedError } from '../errors';
import { TransactionRunner } from '../persistence/transaction-runner';
import {
  amendmentName,
  approvalDateRefusals,
  type ApprovalRevision,
  currentApprovals,
  dayOf,
  explicitVersionRefusals,
  inForceOn,
  needsSiteApproval,
  registrationVersion,
  type SiteApproval,
} from './approval-rules';
import { SiteApprovalRepository } from './site-approval-repository';

/** What an admin records: the IRB/ethics approval date and reference, and why when it corrects one. */
export interface ApprovalInput {
  approvedOn: string;
  reference: string;
  reason?: string;
}

/** The answer to a recording: the approval as it stands, and whether this request changed it. */
export interface RecordedApproval {
  approval: SiteApproval;
  outcome: 'recorded' | 'corrected' | 'unchanged';
}

/** One amendment of a protocol with the approvals of the sites the reader may see. */
export interface AmendmentApprovals {
  version: number;
  effective: string;
  summary: string;
  siteApproval: boolean;
  sites: SiteApproval[];
}

/** Two admins recording the same site at once: the second tries again once, on the first's row. */
const ATTEMPTS = 2;

/**
 * Per-site activation of protocol amendments (issue 16, item 2): an amendment that needs site
 * approval takes effect at a site only from the IRB/ethics approval date an admin records for it;
 * until then new patients there register on the earlier version.
 */
@Injectable()
export class SiteApprovalService {
  constructor(
    private readonly approvals: SiteApprovalRepository,
    private readonly tx: TransactionRunner,
    private readonly access: AccessLog,
    private readonly clock: Clock,
  ) {}

  /** Every site's approval of every amendment of a protocol. */
  async approvalsOf(protocolId: string): Promise<SiteApproval[]> {
    return currentApprovals(await this.approvals.revisions(protocolId));
  }

  /** Each amendment of a protocol, newest last, with the approvals of the sites `actor` may see. */
  async amendmentsOf(protocolId: string, actor: Actor): Promise<AmendmentApprovals[]> {
    requireProtocol(protocolId);
    const approvals = (await this.approvalsOf(protocolId)).filter((approval) => canSeeSite(actor, approval.siteId));
    return versionsOf(protocolId)
      .filter((spec) => spec.amendment)
      .map(({ version, amendment }) => ({
        version,
        effective: amendment!.effective,
        summary: amendment!.summary,
        siteApproval: amendment!.siteApproval === true,
        sites: approvals.filter((approval) => approval.version === version),
      }));
  }

  /**
   * Records a site's approval of an amendment. The same approval again changes nothing; another date
   * or reference is a correction, which needs a reason and is kept beside the approval it corrects.
   * Refusals (422) name what is wrong and write nothing; the write and its audit record commit together.
   */
  async record(protocolId: string, version: number, siteId: string, input: ApprovalInput, caller: Caller): Promise<RecordedApproval> {
    const spec = amendmentNeedingApproval(protocolId, version);
    const refusals = approvalDateRefusals(spec, input.approvedOn, dayOf(this.clock.now()));
    if (refusals.length) throw new RefusedError('Approval not recorded', refusals);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.tx.run((manager) => this.recordIn(manager, spec, siteId, input, caller));
      } catch (error) {
        if (attempt < ATTEMPTS && this.approvals.isDuplicate(error)) continue;
        throw error;
      }
    }
  }

  /** Whether a version is in force at a site at `on`: approved there on or before that day (always, for a version that needs no approval). */
  async isActiveAt(protocolId: string, version: number, siteId: string, on: Date): Promise<boolean> {
    const spec = requireProtocol(protocolId, version).spec;
    if (!needsSiteApproval(spec)) return true;
    return inForceOn(spec, await this.approvalAt(protocolId, version, siteId), dayOf(on));
  }

  /** The newest version in force at a site at `now`: what a new patient there registers on. */
  async versionForRegistration(protocolId: string, siteId: string, now: Date): Promise<number> {
    requireProtocol(protocolId);
    const approvals = (await this.approvalsOf(protocolId)).filter((approval) => approval.siteId === siteId);
    const version = registrationVersion(versionsOf(protocolId), (v) => approvals.find((approval) => approval.version === v), dayOf(now));
    if (version === undefined) throw new RefusedError('Registration refused', [`no version of ${protocolId} is approved at site ${siteId} yet`]);
    return version;
  }

  /**
   * The version a registration goes on (WorkflowEngine.register): the one named, if it is in force
   * at the site, else the newest in force there. A long-term follow-up protocol takes no registration.
   */
  async versionToRegister(command: { protocolId: string; protocolVersion?: number; siteId: string }, now: Date): Promise<number> {
    const { protocolId, protocolVersion, siteId } = command;
    const spec = requireProtocol(protocolId, protocolVersion).spec;
    if (spec.rollover) {
      throw new RefusedError('Registration refused', [`patients join ${protocolId} by rollover from a parent trial, not by registration`]);
    }
    if (protocolVersion === undefined) return this.versionForRegistration(protocolId, siteId, now);
    if (!needsSiteApproval(spec)) return protocolVersion;
    const refusals = explicitVersionRefusals(spec, siteId, await this.approvalAt(protocolId, protocolVersion, siteId), dayOf(now));
    if (refusals.length) throw new RefusedError('Registration refused', refusals);
    return protocolVersion;
  }

  private async approvalAt(protocolId: string, version: number, siteId: string): Promise<SiteApproval | undefined> {
    return currentApprovals(await this.approvals.revisionsAt(this.tx.manager, protocolId, version, siteId))[0];
  }

  private async recordIn(manager: EntityManager, spec: LifecycleSpec, siteId: string, input: ApprovalInput, caller: Caller): Promise<RecordedApproval> {
    if (!(await this.approvals.siteKnown(manager, siteId))) {
      throw new RefusedError('Approval not recorded', [`site ${siteId} is not known: no user is assigned to it and no patient is registered there`]);
    }
    const revisions = await this.approvals.revisionsAt(manager, spec.id, spec.version, siteId);
    const [current] = currentApprovals(revisions);
    if (current && current.approvedOn === input.approvedOn && current.reference === input.reference) return { approval: current, outcome: 'unchanged' };
    if (current && !input.reason) {
      throw new RefusedError('Approval not recorded', [
        `${amendmentName(spec)} is already recorded as approved at site ${siteId} on ${current.approvedOn} (reference ${current.reference}): a correction needs a reason`,
      ]);
    }
    const revision: ApprovalRevision = {
      protocolId: spec.id,
      amendmentVersion: spec.version,
      siteId,
      revision: revisions.length + 1,
      approvedOn: input.approvedOn,
      reference: input.reference,
      reason: input.reason ?? null,
      recordedBy: caller.actor.id,
      recordedByName: caller.actor.name,
      recordedAt: this.clock.now().toISOString(),
    };
    await this.approvals.insert(manager, revision);
    const outcome = current ? 'corrected' : 'recorded';
    await this.access.record(
      caller,
      current ? 'amendment.approval-correct' : 'amendment.approval-record',
      [
        {
          subject: `${spec.id}@${spec.version} ${siteId}`,
          details: { approvedOn: input.approvedOn, reference: input.reference, revision: revision.revision, reason: revision.reason },
        },
      ],
      manager,
    );
    return { approval: currentApprovals([...revisions, revision])[0], outcome };
  }
}

/** Every version of a protocol, oldest first. */
function versionsOf(protocolId: string): LifecycleSpec[] {
  return PROTOCOLS.filter((p) => p.id === protocolId && p.cohort === null)
    .map((p) => p.spec)
    .sort((a, b) => a.version - b.version);
}

/** The spec of a version whose amendment needs site approval, or a refusal naming why not (404 for an unknown protocol). */
function amendmentNeedingApproval(protocolId: string, version: number): LifecycleSpec {
  requireProtocol(protocolId);
  const spec = versionsOf(protocolId).find((s) => s.version === version);
  if (!spec) {
    const known = versionsOf(protocolId).map((s) => s.version);
    throw new RefusedError('Approval not recorded', [`${protocolId} has no version ${version} (its versions are ${known.join(', ')})`]);
  }
  if (!spec.amendment)
    throw new RefusedError('Approval not recorded', [`version ${version} of ${protocolId} is the original protocol, not an amendment: it needs no site approval`]);
  if (!needsSiteApproval(spec)) {
    throw new RefusedError('Approval not recorded', [`${amendmentName(spec)} takes effect at every site at once: it needs no site approval`]);
  }
  return spec;
}
