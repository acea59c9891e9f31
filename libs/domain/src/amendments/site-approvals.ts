import { SiteApprovalService } from '../site-approvals/site-approval-service';
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

/** The site-approvals service answers the migrator's question: the approval in force at the site on the day of `on`. */
export const SITE_APPROVALS_PROVIDER = {
  provide: SiteApprovals,
  inject: [SiteApprovalService],
  useFactory: (service: SiteApprovalService): SiteApprovals => ({
    async activeApproval(protocolId, version, siteId, on) {
      if (!(await service.isActiveAt(protocolId, version, siteId, new Date(on)))) return null;
      const approval = (await service.approvalsOf(protocolId)).find((a) => a.version === version && a.siteId === siteId);
      return approval ? { approvedOn: approval.approvedOn, reference: approval.reference } : null;
    },
  }),
};
