import type { ReactNode } from 'react';
import { Group, Paper, SimpleGrid, Stack, Text } from '@mantine/core';
import type { LogEntry, Patient, ProtocolDefinition } from '../../api/types';
import { adverseEventGroups } from '../../lib/adverse-events';
import { DltBadge, StateBadge } from '../../components/Badges';
import { ClinicalDate } from '../../components/Dates';
import { Caption } from '../../components/Stat';
import { formatStudyDay, humanizeState, scientific, studyDay } from '../../lib/format';
import { DoseTable } from './ResultSummary';

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <Stack gap={2} data-testid={testId}>
      <Caption>{label}</Caption>
      <div>{children}</div>
    </Stack>
  );
}

/**
 * Toxicity from the labs: ICAHT (the grade the samples prove, and the worst the gaps allow) and the
 * lab results proposed as adverse events, waiting for the investigator to confirm or dismiss them.
 */
function LabToxicity({ record }: { record: Patient['record'] }) {
  const { icaht, proposals } = record.labToxicity;
  if (!icaht && proposals.length === 0) return null;
  return (
    <Stack gap={4} mt="md" data-testid="fact-lab-toxicity">
      {icaht && (
        <Caption>
          ICAHT · early grade {icaht.early.grade}
          {icaht.early.worstPossibleGrade > icaht.early.grade ? ` (up to ${icaht.early.worstPossibleGrade} over ${icaht.early.unknownDays} unsampled days)` : ''} · ANC ≤ 500/µL{' '}
          {icaht.early.daysAtOrBelow500} days, ≤ 100/µL {icaht.early.daysAtOrBelow100} days · late grade {icaht.late.grade}
        </Caption>
      )}
      {proposals.map((p) => (
        <Text key={p.id} size="xs">
          Proposed AE: <b>{p.term}</b>, grade {p.grade} ({p.value} {p.unit}, day {p.studyDay}){p.dlt ? ' · dose-limiting if confirmed' : ''} · confirm by reporting the AE with
          labProposal <code>{p.id}</code>, or dismiss it with a reason
        </Text>
      ))}
    </Stack>
  );
}

/** The patient at a glance: where they are, Day 0 (and the study day at the server's `now`), the dose, safety so far. */
export function Facts({ patient, protocol, now, events }: { patient: Patient; protocol: ProtocolDefinition; now: string; events: LogEntry[] }) {
  const adverseEvents = adverseEventGroups(events);
  const reports = adverseEvents.reduce((n, g) => n + g.reports, 0);
  const { record } = patient;
  const level = protocol.doseLevels.find((d) => d.level === patient.doseLevel);
  const lastResponse = record.responses.at(-1);
  return (
    <Paper withBorder p="md">
      <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="md" verticalSpacing="md">
        <Fact label="State" testId="fact-state">
          <Group gap={6}>
            <StateBadge state={patient.state} offStudy={patient.status === 'offStudy'} />
            {patient.status === 'offStudy' && (
              <Text size="xs" c="dimmed">
                off study
              </Text>
            )}
          </Group>
        </Fact>
        <Fact label="Day 0 (infusion)" testId="fact-day0">
          {patient.day0 ? (
            <Stack gap={0}>
              <Text size="sm" fw={600}>
                <ClinicalDate iso={patient.day0} withTime />
              </Text>
              {patient.status === 'active' && (
                <Text size="xs" c="dimmed">
                  today is {formatStudyDay(studyDay(now, patient.day0))}
                </Text>
              )}
            </Stack>
          ) : (
            <Text size="sm" c="dimmed">
              not infused yet
            </Text>
          )}
        </Fact>
        <Fact label="Dose level" testId="fact-dose">
          {patient.doseLevel ? (
            <Stack gap={0}>
              <Text size="sm" fw={600}>
                Level {patient.doseLevel}
                {level ? ` · ${level.label}` : ''}
              </Text>
              {record.infusion && (
                <Text size="xs" c="dimmed">
                  given {scientific(record.infusion.cellsPerKg)}/kg · {scientific(record.infusion.totalCells)} cells
                </Text>
              )}
            </Stack>
          ) : (
            <Text size="sm" c="dimmed">
              assigned at enrollment
            </Text>
          )}
        </Fact>
        <Fact label="DLT window">
          {record.dltWindow ? (
            <Stack gap={0}>
              <Text size="sm">
                {record.dltWindow.closedAt ? 'closed ' : 'closes '}
                <ClinicalDate iso={record.dltWindow.closedAt ?? record.dltWindow.closesAt} />
              </Text>
            </Stack>
          ) : (
            <Text size="sm" c="dimmed">
              opens at infusion
            </Text>
          )}
        </Fact>
        <Fact label="Safety" testId="fact-safety">
          <Stack gap={2}>
            <Text size="sm" data-testid="ae-count">
              {adverseEvents.length} AE{adverseEvents.length === 1 ? '' : 's'}
              {reports > adverseEvents.length ? ` (${reports} reports)` : ''}
              {record.worstAdverseEventGrade ? `, worst grade ${record.worstAdverseEventGrade}` : ''}
            </Text>
            {adverseEvents
              .filter((g) => g.reports > 1)
              .map((g) => (
                <Text key={`${g.term}-${g.onset}`} size="xs" c="dimmed">
                  {g.term}: {g.reports} reports
                </Text>
              ))}
            {record.dlts.map((d) => (
              <Group key={`${d.term}-${d.onset}`} gap={4} wrap="nowrap">
                <DltBadge provisional={d.provisional} />
                <Text size="xs">
                  {d.term}, grade {d.grade}
                  {d.adjudicated ? ' · adjudicated' : ''}
                </Text>
              </Group>
            ))}
          </Stack>
        </Fact>
        <Fact label="Response">
          {lastResponse ? (
            <Text size="sm">
              <b>{lastResponse.response}</b> at {lastResponse.visit}
              {record.progression ? ' · progressed' : ''}
            </Text>
          ) : (
            <Text size="sm" c="dimmed">
              {record.progression ? 'progressed' : 'not assessed'}
            </Text>
          )}
        </Fact>
      </SimpleGrid>
      {record.lymphodepletion && (
        <Stack gap={4} mt="md">
          <Caption>
            Lymphodepletion · BSA {record.lymphodepletion.plan.bsaM2} m² · started <ClinicalDate iso={record.lymphodepletion.startedAt} />
          </Caption>
          <DoseTable plan={record.lymphodepletion.plan} />
        </Stack>
      )}
      <LabToxicity record={record} />
      {record.offStudy && (
        <Text size="sm" mt="sm" c="dimmed">
          Off study: {humanizeState(patient.state)}
          {record.offStudy.reason ? ` (${record.offStudy.reason})` : ''}.
        </Text>
      )}
    </Paper>
  );
}
