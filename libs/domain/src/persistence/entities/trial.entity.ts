import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One protocol's trial, every version's patients in it (ADR 0011): enrollment, the current dose level,
 * per-level tallies, decisions and the MTD. Changed only in the transaction of the patient event that
 * moves it (or a signed act on it), under a version check.
 */
@Entity('trials')
export class TrialEntity {
  @PrimaryColumn({ name: 'protocol_id', type: 'varchar', length: 60 })
  protocolId!: string;

  @Column({ type: 'simple-json' })
  state!: Record<string, unknown>;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'updated_at', type: 'varchar', length: 30 })
  updatedAt!: string;
}
