import { useState } from 'react';
import { Accordion, Badge, Group, Stack, Text } from '@mantine/core';
import type { EventAnswer, User } from '../../api/types';
import { NoData } from '../../components/Feedback';
import type { EventFormContext } from '../../forms/event-schema';
import { EventForm } from '../../forms/EventForm';
import { humanizeEvent, listInWords, patientStateSentence } from '../../lib/format';
import { ResultSummary } from './ResultSummary';
import { endsStudy, mayPost, requiresSignature, USER_EVENT_TYPES, type UserEventType } from '@protocols/policy';

const HINTS: Partial<Record<UserEventType, string>> = {
  SCREENING_DATA_RECORDED: 'Any part of the screening record; later values win.',
  CONSENT_SIGNED: 'The version of the consent form the patient signed.',
  RECONSENT_DECLINED: "The patient declined the amendment's new consent: follow-up continues under its rules.",
  ELIGIBILITY_CONFIRMED: 'Refused with every unmet criterion named.',
  ENROLLED: 'The trial assigns the dose level.',
  LYMPHODEPLETION_STARTED: 'The answer gives the body surface area and the daily doses.',
  INFUSION_COMPLETED: 'Day 0. The cell dose must lie within the assigned dose level.',
  ADVERSE_EVENT_REPORTED: 'Graded by CTCAE or ASTCT; the answer says whether it is a DLT.',
  DLT_ADJUDICATED: 'Confirm or overturn the DLT call the protocol made for an adverse event.',
  LAB_RESULT_RECORDED: 'Blood counts, chemistry, CAR copies, cytokines, MRD …',
  LAB_TOXICITY_DISMISSED: 'Dismiss a lab toxicity proposal as not an adverse event, with the reason.',
  RESPONSE_ASSESSED: 'Computed from the findings by the protocol’s criteria.',
  VISIT_COMPLETED: 'Marks a scheduled visit as done; one outside its window is listed as a protocol deviation.',
  UNSCHEDULED_VISIT_COMPLETED: 'A visit the schedule does not plan, with the reason it took place.',
  PROTOCOL_DEVIATION_RECORDED: 'A deviation the engine cannot see (consent, a procedure, the product), with the rule not followed.',
};

/** In the vocabulary's order, the order a patient meets the events. */
function sortEvents(types: readonly string[]): string[] {
  const order: readonly string[] = USER_EVENT_TYPES;
  const rank = (t: string) => (order.includes(t) ? order.indexOf(t) : order.length);
  return [...types].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** A form for each event the patient's current state accepts, and the answer to the last one recorded. */
export function EventPanel({ context, user, onRecorded, onReload }: { context: EventFormContext; user: User; onRecorded: () => Promise<void>; onReload: () => void }) {
  const [open, setOpen] = useState<string | null>(null);
  const [last, setLast] = useState<{ type: string; answer: EventAnswer } | null>(null);
  const { patient } = context;

  if (!USER_EVENT_TYPES.some((type) => mayPost(user.role, type))) return <NoData>Monitors have read-only access: no events are recorded from this account.</NoData>;
  // Only the forms this user may post: a coordinator is not offered an investigator's sign-off.
  const accepted = sortEvents(patient.acceptedEvents.filter((type) => mayPost(user.role, type)));
  const othersOnly = sortEvents(patient.acceptedEvents.filter((type) => !mayPost(user.role, type)));

  return (
    <Stack gap="sm">
      {last && <ResultSummary type={last.type} answer={last.answer} onClose={() => setLast(null)} />}
      {accepted.length === 0 && othersOnly.length === 0 && <NoData>{patientStateSentence(patient.state)} and is off study: no further events are accepted.</NoData>}
      {accepted.length === 0 && othersOnly.length > 0 && (
        <NoData>
          The next step{othersOnly.length === 1 ? '' : 's'} ({listInWords(othersOnly.map(humanizeEvent))}) {othersOnly.length === 1 ? 'is' : 'are'} for another role to record.
        </NoData>
      )}
      {accepted.length > 0 && (
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
                  {endsStudy(type) && (
                    <Badge size="xs" variant="outline" color="gray">
                      Ends participation
                    </Badge>
                  )}
                  {HINTS[type as UserEventType] && (
                    <Text size="xs" c="dimmed" truncate>
                      {HINTS[type as UserEventType]}
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
