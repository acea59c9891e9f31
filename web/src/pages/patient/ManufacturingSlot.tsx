import { useState } from 'react';
import { Anchor, Badge, Button, Group, Paper, Stack, Text, TextInput } from '@mantine/core';
import { api } from '../../api/client';
import type { Patient, User } from '../../api/types';
import { ExplanationAlert } from '../../components/Feedback';
import { explain } from '../../lib/errors';
import { formatDate } from '../../lib/format';
import type { Explanation } from '../../lib/refusal';
import { href } from '../../lib/router';

/**
 * The patient's manufacturing slot (README, "Manufacturing capacity"): the week and expected release,
 * or the place in the queue; a coordinator or investigator books another week or gives the slot up.
 * Shown once the patient is enrolled; a slot in which manufacturing began no longer moves.
 */
export function ManufacturingSlot({ patient, user, onChanged }: { patient: Patient; user: User; onChanged: () => Promise<void> | void }) {
  const [week, setWeek] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<Explanation | null>(null);
  const [busy, setBusy] = useState(false);
  const slot = patient.manufacturingSlot;
  const enrolled = Boolean(patient.record.enrollment);
  if (!enrolled || (!slot && patient.status === 'offStudy')) return null;
  const movable = patient.status === 'active' && slot?.status !== 'consumed' && ['coordinator', 'investigator', 'admin'].includes(user.role);

  async function act(work: () => Promise<unknown>) {
    setBusy(true);
    setProblem(null);
    try {
      await work();
      setWeek('');
      setReason('');
      await onChanged();
    } catch (error) {
      setProblem(explain(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Paper withBorder p="md" data-testid="manufacturing-slot">
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" align="flex-start">
          <div>
            <Text size="xs" c="dimmed">
              Manufacturing slot
            </Text>
            {!slot && <Text fw={600}>None: no manufacturing site holds a slot for this patient.</Text>}
            {slot?.week && (
              <Text fw={600} data-testid="slot-summary">
                {slot.week} at <Anchor href={href.manufacturing()}>{slot.manufacturingSiteName}</Anchor> · starts {formatDate(slot.weekStart)} · release expected{' '}
                {formatDate(slot.expectedRelease)}{' '}
                {slot.status === 'consumed' && (
                  <Badge size="xs" variant="light" color="gray">
                    in manufacture
                  </Badge>
                )}
              </Text>
            )}
            {slot && !slot.week && (
              <Text fw={600} data-testid="slot-summary">
                Queue #{slot.queuePosition} at <Anchor href={href.manufacturing()}>{slot.manufacturingSiteName}</Anchor>: booked when a slot frees
              </Text>
            )}
          </div>
        </Group>
        {movable && (
          <Group align="flex-end" gap="sm" wrap="wrap">
            <TextInput label="Week" placeholder="2027-W05" value={week} onChange={(e) => setWeek(e.currentTarget.value)} w={130} data-testid="slot-week-input" />
            <TextInput label="Reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)} style={{ flex: 1, minWidth: 180 }} data-testid="slot-reason" />
            <Button
              size="sm"
              loading={busy}
              disabled={!week.trim()}
              onClick={() => void act(() => api.rebookSlot(patient.id, { week: week.trim(), ...(reason.trim() ? { reason: reason.trim() } : {}) }))}
              data-testid="slot-rebook"
            >
              Book this week
            </Button>
            {slot && (
              <Button
                size="sm"
                variant="default"
                loading={busy}
                disabled={!reason.trim()}
                onClick={() => void act(() => api.cancelSlot(patient.id, { reason: reason.trim() }))}
                data-testid="slot-cancel"
              >
                Give the slot up
              </Button>
            )}
          </Group>
        )}
        {problem && <ExplanationAlert explanation={problem} onClose={() => setProblem(null)} />}
      </Stack>
    </Paper>
  );
}
