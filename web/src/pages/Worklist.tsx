import { useState, type ReactNode } from 'react';
import { Anchor, Badge, Button, Grid, Group, Select, SimpleGrid, Stack, Table, Text, UnstyledButton } from '@mantine/core';
import { worklist as readWorklist } from '../api/cache';
import { api } from '../api/client';
import type { Notification, Worklist as WorklistAnswer, WorklistDltWindow, WorklistPatient, WorklistTrial, WorklistVisit } from '../api/types';
import { StateBadge } from '../components/Badges';
import { ClinicalDate } from '../components/Dates';
import { LoadError, Loading, NoData } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { DataIssues } from '../components/DataIssues';
import { Section } from '../components/Section';
import { Stat } from '../components/Stat';
import { formatDateTime, formatRange, formatStudyDay, humanizeEvent, humanizeState, listInWords, studyDay } from '../lib/format';
import { href } from '../lib/router';
import { useResource } from '../lib/use-resource';

/** Home: the caller's patients by trial, visits due and overdue, open DLT windows, unread notifications. */
export function Worklist() {
  const worklist = useResource(readWorklist, 'worklist');
  if (!worklist.data) return worklist.error ? <LoadError error={worklist.error} onRetry={worklist.reload} /> : <Loading label="Loading your worklist…" />;
  const w = worklist.data;
  const titles = new Map(w.trials.map((t) => [t.protocolId, t.title]));
  const active = w.trials.reduce((n, t) => n + t.active, 0);
  // The counts are per trial; the rows are the most recently changed patients only (the answer lists at most 500).
  const registered = w.trials.reduce((n, t) => n + t.patients, 0);

  return (
    <Stack gap="lg">
      <PageHeader title="Worklist" subtitle={`${w.user.name} · as of ${formatDateTime(w.now)}`} />
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }}>
        <CountLink section="my-patients">
          <Stat label="Active patients" value={active} hint={`${registered} on ${w.trials.length} trial${w.trials.length === 1 ? '' : 's'}`} testId="stat-active" />
        </CountLink>
        <CountLink section="due-visits">
          <Stat label="Visits due today" value={w.visits.dueToday.length} testId="stat-due" />
        </CountLink>
        <CountLink section="overdue-visits">
          <Stat label="Overdue visits" value={w.visits.overdue.length} color={w.visits.overdue.length ? 'orange.8' : undefined} testId="stat-overdue" />
        </CountLink>
        <CountLink section="dlt-windows">
          <Stat label="Open DLT windows" value={w.dltWindows.length} testId="stat-dlt" />
        </CountLink>
        <CountLink section="notifications">
          <Stat label="Unread notifications" value={w.notifications.unread} testId="stat-unread" />
        </CountLink>
        {w.reconsentDue.length > 0 && (
          <CountLink section="reconsent-due">
            <Stat label="Re-consent due" value={w.reconsentDue.length} color="orange.8" testId="stat-reconsent" />
          </CountLink>
        )}
        {w.queries.length > 0 && (
          <Anchor href={href.queries('open')} underline="never" c="inherit">
            <Stat
              label="Open data queries"
              value={w.queries.reduce((n, q) => n + q.open, 0)}
              hint={`on ${w.queries.length} patient${w.queries.length === 1 ? '' : 's'}`}
              color="orange.8"
              testId="stat-queries"
            />
          </Anchor>
        )}
      </SimpleGrid>
      {w.truncated && (
        <Text size="sm" c="orange.8" data-testid="worklist-truncated">
          Your sites have more active patients past Day 0 than the worklist walks: the visits and DLT windows of some are not listed.
        </Text>
      )}

      <DataIssues issues={w.dataIssues ?? []} leftOutOf="the visits and DLT windows below" />

      <Grid gap="md">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack gap="md">
            <Section title="Overdue visits" description="Not done, target date passed, window not yet closed." testId="overdue-visits">
              <VisitTable visits={w.visits.overdue} titles={titles} overdue />
            </Section>
            <Section title="Visits due today" description="Window open now." testId="due-visits">
              <VisitTable visits={w.visits.dueToday} titles={titles} />
            </Section>
            <Section title="Open DLT windows" description="Patients still inside the dose-limiting toxicity window." testId="dlt-windows">
              <DltWindowTable windows={w.dltWindows} />
            </Section>
            {w.manufacturing.length > 0 && (
              <Section
                title="Manufacturing slots"
                description="Enrolled patients not yet infused: their slot week and expected release, or their place in the queue."
                testId="manufacturing-slots"
              >
                <SlotTable slots={w.manufacturing} titles={titles} />
              </Section>
            )}
            {w.queries.length > 0 && (
              <Section
                title="Data queries"
                description="Patients with questions on their record not closed: open ones wait for the site, answered ones for the one who asked."
                actions={<Anchor href={href.queries()}>All queries</Anchor>}
                testId="worklist-queries"
              >
                <QueryTable queries={w.queries} titles={titles} />
              </Section>
            )}
            {w.reconsentDue.length > 0 && (
              <Section
                title="Re-consent due"
                description="Patients an amendment moved who owe its new consent: the steps listed are refused until the consent is recorded."
                testId="reconsent-due"
              >
                <ReconsentTable due={w.reconsentDue} titles={titles} />
              </Section>
            )}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Notifications worklist={w} onChange={worklist.reload} />
        </Grid.Col>
      </Grid>

      <Section
        title="My patients"
        description={`By trial and state; ${registered > w.patients.length ? `the ${w.patients.length} most recently changed of ${registered}` : 'most recently changed first'}.`}
        testId="my-patients"
      >
        {w.trials.length === 0 ? (
          <NoData>No patients are registered at your sites yet.</NoData>
        ) : (
          <Stack gap="lg">
            {w.trials.map((trial) => (
              <TrialPatients key={trial.protocolId} trial={trial} patients={w.patients.filter((p) => p.protocolId === trial.protocolId)} now={w.now} />
            ))}
          </Stack>
        )}
      </Section>
    </Stack>
  );
}

const SCROLL_MARGIN = 72;

/** A count of the summary row that takes the reader to the patients behind it: the section of this page that lists them. */
function CountLink({ section, children }: { section: string; children: ReactNode }) {
  const show = () => {
    const target = document.querySelector(`[data-testid="${section}"]`);
    // Below the fixed header (56 px), with a little room.
    if (target) window.scrollTo({ top: target.getBoundingClientRect().top + window.scrollY - SCROLL_MARGIN, behavior: 'smooth' });
  };
  return (
    <UnstyledButton onClick={show} data-testid={`count-link-${section}`} title="Show the patients behind this count" style={{ display: 'block', width: '100%' }}>
      {children}
    </UnstyledButton>
  );
}

function PatientLink({ id, subjectId }: { id: string; subjectId: string }) {
  return (
    <Anchor href={href.patient(id)} fw={600} className="nowrap">
      {subjectId}
    </Anchor>
  );
}

function VisitTable({ visits, titles, overdue = false }: { visits: WorklistVisit[]; titles: Map<string, string>; overdue?: boolean }) {
  if (!visits.length) return <NoData>{overdue ? 'No overdue visits.' : 'No visits due today.'}</NoData>;
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table verticalSpacing={6} highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Subject</Table.Th>
            <Table.Th>Trial</Table.Th>
            <Table.Th>Visit</Table.Th>
            <Table.Th>Target</Table.Th>
            <Table.Th>Window</Table.Th>
            {overdue && <Table.Th className="num">Overdue</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {visits.map((v) => (
            <Table.Tr key={`${v.patientId}-${v.visit}`} data-subject={v.subjectId}>
              <Table.Td>
                <PatientLink id={v.patientId} subjectId={v.subjectId} />
              </Table.Td>
              <Table.Td title={titles.get(v.protocolId)} className="nowrap">
                {v.protocolId}
              </Table.Td>
              <Table.Td className="nowrap">
                <Text size="sm" fw={600} span>
                  {v.visit}
                </Text>
                <Text size="xs" c="dimmed" span ml={6} className="nowrap">
                  {formatStudyDay(v.day)}
                </Text>
              </Table.Td>
              <Table.Td>
                <ClinicalDate iso={v.targetDate} />
              </Table.Td>
              <Table.Td className="nowrap">{formatRange(v.windowStart, v.windowEnd)}</Table.Td>
              {overdue && (
                <Table.Td className="num">
                  <Text span inherit c="orange.8" fw={700}>
                    {v.daysOverdue}
                  </Text>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function DltWindowTable({ windows }: { windows: WorklistDltWindow[] }) {
  if (!windows.length) return <NoData>No DLT window is open.</NoData>;
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table verticalSpacing={6} highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Subject</Table.Th>
            <Table.Th>Trial</Table.Th>
            <Table.Th className="num">Dose level</Table.Th>
            <Table.Th className="nowrap">Day 0</Table.Th>
            <Table.Th>Window closes</Table.Th>
            <Table.Th className="num">Days left</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {windows.map((d) => (
            <Table.Tr key={d.patientId} data-subject={d.subjectId}>
              <Table.Td>
                <PatientLink id={d.patientId} subjectId={d.subjectId} />
              </Table.Td>
              <Table.Td className="nowrap">{d.protocolId}</Table.Td>
              <Table.Td className="num">{d.doseLevel ?? '—'}</Table.Td>
              <Table.Td>
                <ClinicalDate iso={d.infusedAt} />
              </Table.Td>
              <Table.Td>
                <ClinicalDate iso={d.closesAt} />
              </Table.Td>
              <Table.Td className="num">{d.daysLeft}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function SlotTable({ slots, titles }: { slots: WorklistAnswer['manufacturing']; titles: Map<string, string> }) {
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table verticalSpacing={6} highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Subject</Table.Th>
            <Table.Th>Trial</Table.Th>
            <Table.Th>Manufacturing site</Table.Th>
            <Table.Th>Slot</Table.Th>
            <Table.Th>Expected release</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {slots.map(({ patientId, subjectId, protocolId, slot }) => (
            <Table.Tr key={patientId} data-subject={subjectId}>
              <Table.Td>
                <PatientLink id={patientId} subjectId={subjectId} />
              </Table.Td>
              <Table.Td title={titles.get(protocolId)} className="nowrap">
                {protocolId}
              </Table.Td>
              <Table.Td>
                <Anchor href={href.manufacturing()}>{slot.manufacturingSiteName}</Anchor>
              </Table.Td>
              <Table.Td className="nowrap" data-testid="slot-week">
                {slot.week ?? (
                  <Badge color="orange" variant="light">
                    queue #{slot.queuePosition}
                  </Badge>
                )}
              </Table.Td>
              <Table.Td className="nowrap">{slot.expectedRelease ? <ClinicalDate iso={slot.expectedRelease} /> : '—'}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function QueryTable({ queries, titles }: { queries: WorklistAnswer['queries']; titles: Map<string, string> }) {
  return (
    <Table verticalSpacing={6} highlightOnHover>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Subject</Table.Th>
          <Table.Th>Trial</Table.Th>
          <Table.Th className="num">Open</Table.Th>
          <Table.Th className="num">Answered</Table.Th>
          <Table.Th>Oldest raised</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {queries.map((q) => (
          <Table.Tr key={q.patientId} data-subject={q.subjectId}>
            <Table.Td>
              <PatientLink id={q.patientId} subjectId={q.subjectId} />
            </Table.Td>
            <Table.Td title={titles.get(q.protocolId)}>{q.protocolId}</Table.Td>
            <Table.Td className="num">{q.open}</Table.Td>
            <Table.Td className="num">{q.answered}</Table.Td>
            <Table.Td>
              <ClinicalDate iso={q.oldestRaisedAt} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function ReconsentTable({ due, titles }: { due: WorklistAnswer['reconsentDue']; titles: Map<string, string> }) {
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table verticalSpacing={6} highlightOnHover>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Subject</Table.Th>
            <Table.Th>Trial</Table.Th>
            <Table.Th>Consent version</Table.Th>
            <Table.Th>Due since</Table.Th>
            <Table.Th>Until then refused</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {due.map((r) => (
            <Table.Tr key={r.patientId} data-subject={r.subjectId}>
              <Table.Td>
                <PatientLink id={r.patientId} subjectId={r.subjectId} />
              </Table.Td>
              <Table.Td title={titles.get(r.protocolId)} className="nowrap">
                <Anchor href={href.amendments(r.protocolId, r.amendment)}>{r.protocolId}</Anchor>
              </Table.Td>
              <Table.Td>{r.consentVersion}</Table.Td>
              <Table.Td>
                <ClinicalDate iso={r.dueSince} />
              </Table.Td>
              <Table.Td>{listInWords(r.blocks.map(humanizeEvent))}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

const KIND_LABEL: Record<string, { label: string; color: string }> = {
  'visit-reminder': { label: 'Visit reminder', color: 'gray' },
  'visit-window-closing': { label: 'Window closing', color: 'orange' },
  'visit-missed': { label: 'Visit missed', color: 'orange' },
  'dlt-window-ending': { label: 'DLT window ending', color: 'gray' },
  'dlt-window-closed': { label: 'DLT window closed', color: 'gray' },
  'dose-limiting-toxicity': { label: 'DLT', color: 'red' },
  'severe-adverse-event': { label: 'Severe AE', color: 'red' },
  'lab-toxicity-proposed': { label: 'Lab toxicity to review', color: 'orange' },
  withdrawal: { label: 'Withdrawal', color: 'gray' },
  'dose-escalation-revised': { label: 'Escalation revised', color: 'red' },
  death: { label: 'Death', color: 'dark' },
  'secondary-malignancy': { label: 'Secondary malignancy', color: 'red' },
  'apheresis-stability-exceeded': { label: 'Apheresis stability passed', color: 'orange' },
  'post-thaw-limit-exceeded': { label: 'Post-thaw limit passed', color: 'red' },
  'product-out-of-specification': { label: 'Out-of-specification release', color: 'orange' },
  'query-raised': { label: 'Data query', color: 'blue' },
  'remanufacture-ordered': { label: 'Made again', color: 'orange' },
  'reconsent-due': { label: 'Re-consent due', color: 'orange' },
};

function Notifications({ worklist, onChange }: { worklist: WorklistAnswer; onChange: () => Promise<void> }) {
  const [marking, setMarking] = useState<string | null>(null);
  const [kind, setKind] = useState<string | null>(null);
  const { unread, items } = worklist.notifications;
  const subjects = new Map(worklist.patients.map((p) => [p.id, p.subjectId]));
  const kinds = [...new Set(items.map((n) => n.kind))];
  const shown = kind ? items.filter((n) => n.kind === kind) : items;

  async function markRead(n: Notification) {
    setMarking(n.id);
    try {
      await api.markRead(n.id);
      await onChange();
    } finally {
      setMarking(null);
    }
  }

  /** Every unread notice (of the kind chosen) up to the moment this worklist was read: one that arrived since stays unread. */
  async function markAllRead() {
    setMarking('all');
    try {
      await api.markAllRead({ ...(kind ? { kind } : {}), upTo: worklist.now });
      setKind(null);
      await onChange();
    } finally {
      setMarking(null);
    }
  }

  return (
    <Section title="Unread notifications" description={unread > items.length ? `The ${items.length} newest of ${unread} unread.` : 'Newest first.'} testId="notifications">
      {items.length > 0 && (
        <Group justify="space-between" mb={6} wrap="nowrap">
          <Select
            size="xs"
            placeholder="Every kind"
            clearable
            value={kind}
            onChange={setKind}
            data={kinds.map((k) => ({ value: k, label: KIND_LABEL[k]?.label ?? k }))}
            aria-label="Show notifications of one kind"
            data-testid="notification-kind"
          />
          <Button size="compact-xs" variant="light" loading={marking === 'all'} onClick={() => void markAllRead()} data-testid="mark-all-read">
            {kind ? `Mark all ${(KIND_LABEL[kind]?.label ?? kind).toLowerCase()} read` : `Mark all ${unread} read`}
          </Button>
        </Group>
      )}
      {!items.length ? (
        <NoData>Nothing unread.</NoData>
      ) : (
        <Stack gap={0}>
          {shown.map((n) => {
            const kind = KIND_LABEL[n.kind] ?? { label: n.kind, color: 'gray' };
            const subject = n.payload?.subjectId ?? (n.patientId ? subjects.get(n.patientId) : undefined);
            return (
              <Group key={n.id} justify="space-between" wrap="nowrap" py={6} style={{ borderBottom: '1px solid var(--mantine-color-gray-2)' }} data-testid="notification">
                <Stack gap={2} style={{ minWidth: 0 }}>
                  <Group gap={6} wrap="nowrap">
                    <Badge size="sm" variant="light" color={kind.color}>
                      {kind.label}
                    </Badge>
                    {subject && n.patientId && <PatientLink id={n.patientId} subjectId={subject} />}
                  </Group>
                  <Text size="sm">{n.message}</Text>
                  <Text size="xs" c="dimmed">
                    {formatDateTime(n.createdAt)}
                  </Text>
                </Stack>
                <Button size="compact-xs" variant="subtle" loading={marking === n.id} onClick={() => void markRead(n)} style={{ flexShrink: 0 }}>
                  Mark read
                </Button>
              </Group>
            );
          })}
        </Stack>
      )}
    </Section>
  );
}

function TrialPatients({ trial, patients, now }: { trial: WorklistTrial; patients: WorklistPatient[]; now: string }) {
  const states = Object.entries(trial.byState).sort((a, b) => b[1] - a[1]);
  // A state's count shows the patients behind it; a second click shows them all again.
  const [state, setState] = useState<string | null>(null);
  const shown = state ? patients.filter((p) => p.state === state) : patients;
  return (
    <Stack gap={6} data-testid="trial-patients" data-protocol={trial.protocolId}>
      <Group justify="space-between" align="baseline">
        <div>
          <Anchor href={href.trial(trial.protocolId)} fw={700}>
            {trial.title}
          </Anchor>
          <Text size="xs" c="dimmed">
            {trial.protocolId} · {trial.patients} patient{trial.patients === 1 ? '' : 's'}, {trial.active} active
          </Text>
        </div>
        <Group gap={4}>
          {states.map(([name, n]) => (
            <Badge
              key={name}
              component="button"
              variant={state === name ? 'filled' : 'default'}
              fw={500}
              style={{ cursor: 'pointer' }}
              onClick={() => setState(state === name ? null : name)}
              aria-pressed={state === name}
              title={state === name ? 'Show every patient' : `Show the patients in ${humanizeState(name)}`}
              data-testid="state-count"
              data-state={name}
            >
              {humanizeState(name)}: {n}
            </Badge>
          ))}
        </Group>
      </Group>
      {state && (
        <Text size="xs" c="dimmed" data-testid="state-filter">
          {shown.length} patient{shown.length === 1 ? '' : 's'} in {humanizeState(state)}
          {shown.length < (trial.byState[state] ?? 0) ? ` of the ${trial.byState[state]} (the others changed less recently than those listed)` : ''}.{' '}
          <Anchor component="button" size="xs" onClick={() => setState(null)}>
            Show all
          </Anchor>
        </Text>
      )}
      <Table.ScrollContainer minWidth={640}>
        <Table verticalSpacing={4} striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Subject</Table.Th>
              <Table.Th>Site</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th className="num">Dose level</Table.Th>
              <Table.Th>Day 0</Table.Th>
              <Table.Th className="num">Study day</Table.Th>
              <Table.Th>Last change</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {shown.map((p) => (
              <Table.Tr key={p.id} data-subject={p.subjectId}>
                <Table.Td>
                  <PatientLink id={p.id} subjectId={p.subjectId} />
                  {p.cohort && (
                    <Text span size="xs" c="dimmed" ml={6}>
                      {p.cohort}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{p.siteId}</Table.Td>
                <Table.Td>
                  <StateBadge state={p.state} offStudy={p.status === 'offStudy'} />
                </Table.Td>
                <Table.Td className="num">{p.doseLevel ?? '—'}</Table.Td>
                <Table.Td>
                  <ClinicalDate iso={p.day0} />
                </Table.Td>
                <Table.Td className="num">{p.day0 && p.status === 'active' ? studyDay(now, p.day0) : '—'}</Table.Td>
                <Table.Td>
                  <ClinicalDate iso={p.updatedAt} withTime />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}
