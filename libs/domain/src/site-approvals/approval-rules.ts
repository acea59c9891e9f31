import type { LifecycleSpec } from '#protocols';
import { amendmentName } from '#protocols';

/** A site's IRB/ethics approval of an amendment as it stands now, with the corrections that made it so. */
export interface SiteApproval {
  protocolId: string;
  version: number;
  siteId: string;
  /** The approval date after any correction, `YYYY-MM-DD`. */
  approvedOn: string;
  reference: string;
  /** Who recorded the approval first, and when (the server clock). */
  recordedBy: { id: string; name: string };
  recordedAt: string;
  corrections: ApprovalCorrection[];
}

/** One correction: the values it set, those it replaced, why, who and when. */
export interface ApprovalCorrection {
  approvedOn: string;
  reference: string;
  replaced: { approvedOn: string; reference: string };
  reason: string;
  recordedBy: { id: string; name: string };
  recordedAt: string;
}

/** One stored revision (revision 1: the approval; later ones: corrections). */
export interface ApprovalRevision {
  protocolId: string;
  amendmentVersion: number;
  siteId: string;
  revision: number;
  approvedOn: string;
  reference: string;
  reason: string | null;
  recordedBy: string;
  recordedByName: string;
  recordedAt: string;
}

/** The calendar day (UTC) of an instant: an approval dated that day is in force all of it. */
export const dayOf = (instant: Date) => instant.toISOString().slice(0, 10);

/** How the amendment that made a version is named to a site (one name with the migration's refusals). */
export { amendmentName };

/** Whether a version reaches a site only from that site's IRB/ethics approval. */
export const needsSiteApproval = (spec: Pick<LifecycleSpec, 'amendment'>) => spec.amendment?.siteApproval === true;

/**
 * Why `approvedOn` cannot be the date of a site's approval of `spec`'s amendment, on `today`: an
 * IRB cannot approve an amendment before the sponsor issued it (its effective date), and an approval
 * not yet given cannot be recorded (ICH E6(R2) 3.1.2 and 4.4.1: the IRB's written approval comes first).
 */
export function approvalDateRefusals(spec: Pick<LifecycleSpec, 'id' | 'version' | 'amendment'>, approvedOn: string, today: string): string[] {
  const effective = spec.amendment?.effective;
  if (effective && approvedOn < effective) return [`the approval date ${approvedOn} is before ${amendmentName(spec)} took effect on ${effective}`];
  if (approvedOn > today) return [`the approval date ${approvedOn} is in the future (today is ${today})`];
  return [];
}

/** Each site's approval of each version, as its revisions make it: the newest revision's values, the first's recording. */
export function currentApprovals(revisions: readonly ApprovalRevision[]): SiteApproval[] {
  const bySite = new Map<string, ApprovalRevision[]>();
  for (const row of [...revisions].sort((a, b) => a.revision - b.revision)) {
    const key = `${row.amendmentVersion}\u0000${row.siteId}`;
    bySite.set(key, [...(bySite.get(key) ?? []), row]);
  }
  return [...bySite.values()].map(toApproval).sort((a, b) => a.version - b.version || a.siteId.localeCompare(b.siteId));
}

function toApproval([first, ...later]: ApprovalRevision[]): SiteApproval {
  const corrections: ApprovalCorrection[] = [];
  let current = first;
  for (const row of later) {
    corrections.push({
      approvedOn: row.approvedOn,
      reference: row.reference,
      replaced: { approvedOn: current.approvedOn, reference: current.reference },
      reason: row.reason ?? '',
      recordedBy: { id: row.recordedBy, name: row.recordedByName },
      recordedAt: row.recordedAt,
    });
    current = row;
  }
  return {
    protocolId: first.protocolId,
    version: first.amendmentVersion,
    siteId: first.siteId,
    approvedOn: current.approvedOn,
    reference: current.reference,
    recordedBy: { id: first.recordedBy, name: first.recordedByName },
    recordedAt: first.recordedAt,
    corrections,
  };
}

/** Whether a version is in force at a site on `day`: everywhere when it needs no approval, else from the site's approval date on. */
export function inForceOn(spec: Pick<LifecycleSpec, 'amendment'>, approval: Pick<SiteApproval, 'approvedOn'> | undefined, day: string): boolean {
  if (!needsSiteApproval(spec)) return true;
  return approval !== undefined && approval.approvedOn <= day;
}

/**
 * The version a new patient at a site registers on, on `day`: the newest that is in force there
 * (issue 16: until a site's IRB approves an amendment, new patients there register on the earlier
 * version). Undefined when none is (a first version that itself needed approval).
 */
export function registrationVersion(
  versions: ReadonlyArray<Pick<LifecycleSpec, 'version' | 'amendment'>>,
  approvalOf: (version: number) => Pick<SiteApproval, 'approvedOn'> | undefined,
  day: string,
): number | undefined {
  const newestFirst = [...versions].sort((a, b) => b.version - a.version);
  return newestFirst.find((spec) => inForceOn(spec, approvalOf(spec.version), day))?.version;
}

/** Why a patient may not register at a site on an explicitly named version, on `day`; empty when it may. */
export function explicitVersionRefusals(
  spec: Pick<LifecycleSpec, 'id' | 'version' | 'amendment'>,
  siteId: string,
  approval: Pick<SiteApproval, 'approvedOn'> | undefined,
  day: string,
): string[] {
  if (inForceOn(spec, approval, day)) return [];
  const why = approval ? `approved from ${approval.approvedOn}` : 'no IRB approval recorded';
  return [`${amendmentName(spec)} is not approved at site ${siteId} (${why})`];
}
