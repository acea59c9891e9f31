import { Badge, Group, Table, Text, Tooltip } from '@mantine/core';
import type { Visit } from '../../api/types';
import { VisitBadge, type VisitDisplayStatus } from '../../components/Badges';
import { ClinicalDate } from '../../components/Dates';
import { NoData } from '../../components/Feedback';
import { formatDay, formatRange } from '../../lib/format';
import { daysOverdue } from '@protocols/policy';

/** A visit's status, or "overdue" by the worklist's rule (libs/protocols/src/policy/visits.ts) as of the server's clock `now`. */
function visitDisplayStatus(visit: Visit, now: string): VisitDisplayStatus {
  return daysOverdue(visit, now) !== undefined ? 'overdue' : visit.status;
}

/** The patient's visits from Day 0: target date, window, status, as of the server's `now` the schedule was read at. */
export function ScheduleTable({ visits, day0, now }: { visits: Visit[]; day0: string | null; now: string }) {
  if (!day0) return <NoData>The schedule starts at the infusion (Day 0).</NoData>;
  if (!visits.length) return <NoData>The protocol schedules no visits.</NoData>;
  return (
    <Table.ScrollContainer minWidth={420}>
      <Table verticalSpacing={5} highlightOnHover data-testid="schedule">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Visit</Table.Th>
            <Table.Th className="num">Day</Table.Th>
            <Table.Th>Target</Table.Th>
            <Table.Th>Window</Table.Th>
            <Table.Th>Status</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {visits.map((v) => (
            <Table.Tr key={v.name} data-visit={v.name}>
              <Table.Td>
                <Tooltip label={v.assessments?.join(' · ') || 'No assessments listed'} multiline w={280} openDelay={300}>
                  <Text size="sm" fw={600} span>
                    {v.name}
                  </Text>
                </Tooltip>
              </Table.Td>
              <Table.Td className="num">{formatDay(v.day)}</Table.Td>
              <Table.Td>
                <ClinicalDate iso={v.targetDate} />
              </Table.Td>
              <Table.Td className="nowrap">{formatRange(v.windowStart, v.windowEnd)}</Table.Td>
              <Table.Td>
                <Group gap={4}>
                  <VisitBadge status={visitDisplayStatus(v, now)} />
                  {v.outOfWindow && (
                    <Tooltip label="Done outside its window: a protocol deviation" openDelay={300}>
                      <Badge color="orange" variant="outline" data-testid="visit-out-of-window">
                        Outside window
                      </Badge>
                    </Tooltip>
                  )}
                </Group>
                {v.reason && (
                  <Text size="xs" c="dimmed" data-testid="visit-reason">
                    {v.reason}
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
