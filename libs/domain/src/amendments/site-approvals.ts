/** The IRB/ethics approval of an amendment at a site, as recorded by an admin. */
export interface ActiveApproval {
  approvedOn: string;
  reference: string;
}

/**
 * Whether an amendment has taken effect at a site (docs/design.md, section "Amendments"): the
 * approval recorded for the site, dated on or before `on`, or null. The site-approvals service
 * answers it; the migrator only asks.
 */
export abstract class SiteApprovals {
  abstract activeApproval(protocolId: string, version: number, siteId: string, on: string): Promise<ActiveApproval | null>;
}
