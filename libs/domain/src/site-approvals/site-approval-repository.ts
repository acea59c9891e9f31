import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PatientEntity, SiteAmendmentApprovalEntity, UserEntity } from '../persistence/entities';
import { TransactionRunner } from '../persistence/transaction-runner';
import { insertRows } from '../persistence/insert-rows';
import type { ApprovalRevision } from './approval-rules';

/** The stored approvals of amendments by sites, and the sites the service knows. */
@Injectable()
export class SiteApprovalRepository {
  constructor(private readonly tx: TransactionRunner) {}

  /** Every revision of every site's approval of a protocol's amendments (of one version when given). */
  revisions(protocolId: string, version?: number, manager: EntityManager = this.tx.manager): Promise<ApprovalRevision[]> {
    return manager.find(SiteAmendmentApprovalEntity, {
      where: { protocolId, ...(version === undefined ? {} : { amendmentVersion: version }) },
      order: { amendmentVersion: 'ASC', siteId: 'ASC', revision: 'ASC' },
    });
  }

  /** The revisions of one site's approval of one version, oldest first. */
  revisionsAt(manager: EntityManager, protocolId: string, version: number, siteId: string): Promise<ApprovalRevision[]> {
    return manager.find(SiteAmendmentApprovalEntity, { where: { protocolId, amendmentVersion: version, siteId }, order: { revision: 'ASC' } });
  }

  insert(manager: EntityManager, revision: ApprovalRevision) {
    return insertRows(manager, SiteAmendmentApprovalEntity, revision as SiteAmendmentApprovalEntity);
  }

  /**
   * Whether a site exists. The service keeps no table of sites: a site comes to be when an admin
   * assigns a user to it (`POST /users`), and it stays known by its patients and its users, revoked
   * ones included (a site whose staff left is still the site its records name).
   */
  async siteKnown(manager: EntityManager, siteId: string): Promise<boolean> {
    if (await manager.exists(PatientEntity, { where: { siteId } })) return true;
    // site_ids is a JSON list: read the (few) users' lists rather than search inside JSON two dialects apart.
    const users = await manager.find(UserEntity, { select: { id: true, siteIds: true } });
    return users.some((user) => user.siteIds.includes(siteId));
  }

  /** Whether `error` is the database refusing a revision another request recorded first. */
  isDuplicate(error: unknown): boolean {
    return this.tx.dialect.isUniqueViolation(error);
  }
}
