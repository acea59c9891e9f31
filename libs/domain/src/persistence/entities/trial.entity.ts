import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One protocol version's trial: enrollment, the current dose level, per-level tallies, decisions and
 * the MTD. Changed only in the transaction of the patient event that moves it, under a version check.
 */
@Entity('trials')
export class TrialEntity {
  @PrimaryColumn({ name: 'protocol_id', type: 'varchar', length: 60 })
  protocolId!: string;

  @PrimaryColumn({ name: 'protocol_version', type: 'integer' })
  protocolVersion!: number;

  @Column({ type: 'simple-json' })
  state!: Record<string, unknown>;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt!: string;
}
