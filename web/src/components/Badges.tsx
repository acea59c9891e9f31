import { Badge } from '@mantine/core';
import type { VisitStatus } from '../api/types';
import { humanizeState } from '../lib/format';

/** A patient's state in words; off study (the answer's `status`, set when the machine reached a final state) in grey. */
export function StateBadge({ state, offStudy }: { state: string; offStudy: boolean }) {
  return (
    <Badge variant={offStudy ? 'outline' : 'light'} color={offStudy ? 'gray' : 'blue'} data-state={state}>
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
  cancelled: { color: 'gray', label: 'Cancelled (off study)', variant: 'light' },
  notRequired: { color: 'gray', label: 'Not required', variant: 'outline' },
};

export function VisitBadge({ status }: { status: VisitDisplayStatus }) {
  const look = VISIT_LOOK[status];
  return (
    <Badge color={look.color} variant={look.variant} data-status={status}>
      {look.label}
    </Badge>
  );
}

export function DltBadge({ provisional }: { provisional?: boolean }) {
  return (
    <Badge color="red" variant={provisional ? 'outline' : 'filled'}>
      {provisional ? 'DLT (provisional)' : 'DLT'}
    </Badge>
  );
}
