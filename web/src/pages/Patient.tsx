import { BagLabels } from './patient/BagLabels';
import { CustodyTimeline } from './patient/CustodyTimeline';
import { useMemo } from 'react';
import { Grid, Group, Stack, Text } from '@mantine/core';
import { api } from '../api/client';
import { protocolDefinition, protocolSummaries, splitProtocol } from '../api/cache';
import type { LogEntry, Patient, ProtocolDefinition, Schedule, User } from '../api/types';
import { LoadError, Loading } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { ExportButton } from '../components/ExportButton';
import { Section } from '../components/Section';
import { href } from '../lib/router';
import { useResource } from '../lib/use-resource';
import { ProtocolHistory, ReconsentBanner, RolloverForm } from './patient/Amendment';
import { EventPanel } from './patient/EventPanel';
import { Facts } from './patient/Facts';
import { ScheduleTable } from './patient/ScheduleTable';
import { Timeline } from './patient/Timeline';
import { ManufacturingSlot } from './patient/ManufacturingSlot';
import { DataQueries } from './patient/DataQueries';
import { PatientDeviations } from './patient/Deviations';

interface PatientData {
  patient: Patient;
  schedule: Schedule;
  events: LogEntry[];
  protocol: ProtocolDefinition;
  /** The long-term follow-up protocols an off-study patient may roll over into. */
  followUp: ProtocolDefinition[];
}

/** The protocols that take patients of other trials for long-term follow-up (read once per session). */
async function followUpProtocols(): Promise<ProtocolDefinition[]> {
  const definitions = await Promise.all((await protocolSummaries()).map((s) => protocolDefinition(s.id)));
  return definitions.filter((d) => d.rollover);
}

/** The patient, its schedule and log; on a reload (after an event) only the log entries past the ones `shown`, since the log only grows. */
async function loadPatient(id: string, shown: PatientData | undefined): Promise<PatientData> {
  const [patient, schedule, newer] = await Promise.all([api.patient(id), api.schedule(id), api.events(id, shown?.events.at(-1)?.seq ?? 0)]);
  const [protocolId, version] = splitProtocol(patient.protocol);
  const [protocol, followUp] = await Promise.all([protocolDefinition(protocolId, version), patient.status === 'offStudy' ? followUpProtocols() : []]);
  return { patient, schedule, events: shown ? [...shown.events, ...newer] : newer, protocol, followUp };
}

/** One patient: state, Day 0, dose, schedule, the event log, and a form for each event the state accepts. */
export default function PatientPage({ patientId, user }: { patientId: string; user: User }) {
  // On a reload, `shown` is what the page shows, so only the newer log entries are fetched.
  const page = useResource((shown: PatientData | undefined) => loadPatient(patientId, shown), patientId);
  // One context object per answer, so the forms regenerate their schemas only when the patient changed.
  const context = useMemo(() => page.data && { protocol: page.data.protocol, patient: page.data.patient, visits: page.data.schedule.visits }, [page.data]);
  if (!page.data || !context) return page.error ? <LoadError error={page.error} onRetry={page.reload} /> : <Loading label="Loading the patient…" />;
  const { patient, schedule, events, protocol, followUp } = page.data;

  return (
    <Stack gap="lg">
      <PageHeader
        crumbs={[{ label: 'Worklist', href: href.worklist() }, { label: protocol.title, href: href.trial(protocol.id, protocol.version) }, { label: patient.subjectId }]}
        title={<span data-testid="patient-subject">{patient.subjectId}</span>}
        actions={
          <ExportButton
            label="FHIR bundle"
            title="The patient as a FHIR R4 Bundle (JSON): study, subject, pseudonymous patient, adverse events, observations"
            role={user.role}
            export="exportFhir"
            fetchFile={() => api.fhirBundle(patient.id, patient.subjectId)}
            testId="export-fhir"
          />
        }
        subtitle={
          <Group gap="xs" component="span">
            <Text span>
              {protocol.id} v{protocol.version}
            </Text>
            <Text span c="dimmed">
              · site {patient.siteId}
              {patient.cohort ? ` · cohort ${patient.cohort}` : ''} · record version {patient.version}
            </Text>
          </Group>
        }
      />
      <ReconsentBanner patient={patient} protocol={protocol} />
      <Facts patient={patient} protocol={protocol} now={schedule.now} events={events} />
      <BagLabels patient={patient} />
      <CustodyTimeline patient={patient} events={events} />
      <ManufacturingSlot patient={patient} user={user} onChanged={page.reload} />
      <ProtocolHistory patient={patient} events={events} />
      <RolloverForm patient={patient} events={events} followUp={followUp} user={user} />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Section
            title="Record an event"
            description={
              patient.status === 'offStudy' && patient.acceptedEvents.length
                ? 'Off study: data about the time on study can still be entered late, dated no later than the day the patient left.'
                : `Forms for the ${patient.acceptedEvents.length} event${patient.acceptedEvents.length === 1 ? '' : 's'} this state accepts, generated from the protocol.`
            }
            testId="record-event"
          >
            <EventPanel context={context} user={user} onRecorded={page.reload} onReload={() => void page.reload()} />
          </Section>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Section title="Schedule" description="Visits from Day 0 with their windows." testId="schedule-section">
            <ScheduleTable visits={schedule.visits} day0={schedule.day0} now={schedule.now} />
          </Section>
        </Grid.Col>
      </Grid>
      <DataQueries patient={patient} events={events} user={user} />
      <PatientDeviations patient={patient} events={events} user={user} />
      <Section
        title="Timeline"
        description={`${events.length} entries, newest first. “When it happened” is clinical time; “Recorded” is when the server wrote the entry.`}
        testId="timeline-section"
      >
        <Timeline entries={events} day0={patient.day0} />
      </Section>
    </Stack>
  );
}
