import { Badge } from '@mantine/core';
import type { VisitStatus } from '../api/types';
import { humanizeState } from '../lib/format';

/** A badge in a narrow table cell keeps its whole label rather than an ellipsis. */
const FULL_WIDTH = { minWidth: 'max-content' } as const;

const OFF_STUDY = new Set(['screenFailed', 'manufacturingFailed', 'withdrawn', 'died', 'lostToFollowUp', 'completed']);

/** A patient's state in words; off-study states in grey. */
export function StateBadge({ state }: { state: string }) {
  const off = OFF_STUDY.has(state);
  return (
    <Badge variant={off ? 'outline' : 'light'} color={off ? 'gray' : 'blue'} radius="sm" tt="none" data-state={state} style={FULL_WIDTH}>
      {humanizeState(state)}
    </Badge>
  );
}

export type VisitDisplayStatus = VisitStatus | 'overdue';

const VISIT_LOOK: Record<VisitDisplayStatus, { color: string; label: string; variant: 'light' | 'filled' | 'outline' }> = {
  planned: { color: 'gray', label: 'Planned', variant: 'outline' },
  due: { color: 'blue', label: 'Due', variant: 'light' },
  overdue: { color: 'orange', label: 'Overdue', variant: 'filled' },
  done: { color: 'teal', label: 'Done', variant: 'light' },
  missed: { color: 'red', label: 'Missed', variant: 'light' },
};

export function VisitBadge({ status }: { status: VisitDisplayStatus }) {
  const look = VISIT_LOOK[status];
  return (
    <Badge color={look.color} variant={look.variant} radius="sm" tt="none" data-status={status} style={FULL_WIDTH}>
      {look.label}
    </Badge>
  );
}

export function DltBadge({ provisional }: { provisional?: boolean }) {
  return (
    <Badge color="red" variant={provisional ? 'outline' : 'filled'} radius="sm" tt="none" style={FULL_WIDTH}>
      {provisional ? 'DLT (provisional)' : 'DLT'}
    </Badge>
  );
}
