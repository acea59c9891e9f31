import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One recording of a site's IRB/ethics approval of a protocol amendment: revision 1 is the approval,
 * each later revision a correction of its date or reference, with the reason. Append-only: the
 * approval is evidence, so a correction is a new row and the database refuses UPDATE and DELETE
 * (migration 1764530000000).
 */
@Entity('site_amendment_approvals')
@Index('ux_site_amendment_approvals', ['protocolId', 'amendmentVersion', 'siteId', 'revision'], { unique: true })
export class SiteAmendmentApprovalEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id!: number;

  @Column({ name: 'protocol_id', type: 'varchar', length: 60 })
  protocolId!: string;

  /** The protocol version the amendment made. */
  @Column({ name: 'amendment_version', type: 'integer' })
  amendmentVersion!: number;

  @Column({ name: 'site_id', type: 'varchar', length: 60 })
  siteId!: string;

  /** 1 for the approval as first recorded, 2, 3 … for each correction. */
  @Column({ type: 'integer' })
  revision!: number;

  /** The calendar date of the IRB/ethics approval, `YYYY-MM-DD`. */
  @Column({ name: 'approved_on', type: 'varchar', length: 10 })
  approvedOn!: string;

  /** The IRB/ethics committee's reference for the approval, as the site's letter gives it. */
  @Column({ type: 'varchar', length: 200 })
  reference!: string;

  /** Why the approval was corrected; required from revision 2 on. */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  /** `user:<id>` of the admin who recorded it. */
  @Column({ name: 'recorded_by', type: 'varchar', length: 60 })
  recordedBy!: string;

  @Column({ name: 'recorded_by_name', type: 'varchar', length: 200 })
  recordedByName!: string;

  /** The server clock when it was recorded. */
  @Column({ name: 'recorded_at', type: 'varchar', length: 30 })
  recordedAt!: string;
}
