import { useState } from 'react';
import { Accordion, Badge, Group, Stack, Text } from '@mantine/core';
import type { EventAnswer, User } from '../../api/types';
import { NoData } from '../../components/Feedback';
import type { EventFormContext } from '../../forms/event-schema';
import { EventForm } from '../../forms/EventForm';
import { humanizeEvent, humanizeState } from '../../lib/format';
import { requiresSignature } from '../../lib/signature';
import { ResultSummary } from './ResultSummary';

/** The clinical order of the vocabulary; the events that end participation come last. */
const ORDER = [
  'SCREENING_DATA_RECORDED', 'CONSENT_SIGNED', 'ELIGIBILITY_CONFIRMED', 'SCREEN_FAILED', 'ENROLLED', 'LEUKAPHERESIS_COMPLETED',
  'PRODUCT_RELEASED', 'MANUFACTURING_FAILED', 'LYMPHODEPLETION_STARTED', 'LYMPHODEPLETION_COMPLETED', 'INFUSION_COMPLETED',
  'VISIT_COMPLETED', 'ADVERSE_EVENT_REPORTED', 'DLT_ADJUDICATED', 'LAB_RESULT_RECORDED', 'RESPONSE_ASSESSED',
  'PROGRESSION_OR_RELAPSE', 'LOST_TO_FOLLOW_UP', 'WITHDRAWN', 'DEATH',
];
const ENDS_STUDY = new Set(['SCREEN_FAILED', 'MANUFACTURING_FAILED', 'LOST_TO_FOLLOW_UP', 'WITHDRAWN', 'DEATH']);

const HINTS: Record<string, string> = {
  SCREENING_DATA_RECORDED: 'Any part of the screening record; later values win.',
  CONSENT_SIGNED: 'The version of the consent form the patient signed.',
  ELIGIBILITY_CONFIRMED: 'Refused with every unmet criterion named.',
  ENROLLED: 'The trial assigns the dose level.',
  LYMPHODEPLETION_STARTED: 'The answer gives the body surface area and the daily doses.',
  INFUSION_COMPLETED: 'Day 0. The cell dose must lie within the assigned dose level.',
  ADVERSE_EVENT_REPORTED: 'Graded by CTCAE or ASTCT; the answer says whether it is a DLT.',
  DLT_ADJUDICATED: 'Confirm or overturn the DLT call the protocol made for an adverse event.',
  LAB_RESULT_RECORDED: 'CAR copies, cytokines, MRD …',
  RESPONSE_ASSESSED: 'Computed from the findings by the protocol’s criteria.',
  VISIT_COMPLETED: 'Marks a scheduled visit as done.',
};

function sortEvents(types: readonly string[]): string[] {
  const rank = (t: string) => (ORDER.includes(t) ? ORDER.indexOf(t) : ORDER.length);
  return [...types].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** A form for each event the patient's current state accepts, and the answer to the last one recorded. */
export function EventPanel({ context, user, onRecorded, onReload }: { context: EventFormContext; user: User; onRecorded: () => Promise<void>; onReload: () => void }) {
  const [open, setOpen] = useState<string | null>(null);
  const [last, setLast] = useState<{ type: string; answer: EventAnswer } | null>(null);
  const { patient } = context;

  if (user.role === 'monitor') return <NoData>Monitors have read-only access: no events are recorded from this account.</NoData>;
  const accepted = sortEvents(patient.acceptedEvents);

  return (
    <Stack gap="sm">
      {last && <ResultSummary type={last.type} answer={last.answer} onClose={() => setLast(null)} />}
      {accepted.length === 0 ? (
        <NoData>The patient is {humanizeState(patient.state).toLowerCase()} and off study: no further events are accepted.</NoData>
      ) : (
        <Accordion variant="separated" value={open} onChange={setOpen} transitionDuration={0} data-testid="event-forms">
          {accepted.map((type) => (
            <Accordion.Item key={type} value={type} data-testid={`event-item-${type}`}>
              <Accordion.Control>
                <Group gap="xs" wrap="nowrap">
                  <Text fw={600} size="sm">
                    {humanizeEvent(type)}
                  </Text>
                  {requiresSignature(type, undefined) && (
                    <Badge size="xs" variant="outline" color="dark">
                      Investigator e-signature
                    </Badge>
                  )}
                  {ENDS_STUDY.has(type) && (
                    <Badge size="xs" variant="outline" color="gray">
                      Ends participation
                    </Badge>
                  )}
                  {HINTS[type] && (
                    <Text size="xs" c="dimmed" truncate>
                      {HINTS[type]}
                    </Text>
                  )}
                </Group>
              </Accordion.Control>
              <Accordion.Panel>
                {open === type && (
                  <EventForm
                    type={type}
                    context={context}
                    user={user}
                    onReload={onReload}
                    onRecorded={(t, answer) => {
                      setLast({ type: t, answer });
                      setOpen(null);
                      void onRecorded();
                    }}
                  />
                )}
              </Accordion.Panel>
            </Accordion.Item>
          ))}
        </Accordion>
      )}
    </Stack>
  );
}
