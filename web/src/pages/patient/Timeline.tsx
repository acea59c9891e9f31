import { Badge, Stack, Table, Text, Tooltip } from '@mantine/core';
import type { LogEntry } from '../../api/types';
import { ClinicalDate, RecordedTime } from '../../components/Dates';
import { NoData } from '../../components/Feedback';
import { formatStudyDay, humanizeEvent, studyDay, summarizeData } from '../../lib/format';

const SCHEDULER = 'system:scheduler';

/** The event log, newest first: clinical time (when it happened) beside recorded time (when it was written). */
export function Timeline({ entries, day0 }: { entries: LogEntry[]; day0: string | null }) {
  if (!entries.length) return <NoData>No entries yet.</NoData>;
  const newestFirst = [...entries].reverse();
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table verticalSpacing={6} striped highlightOnHover data-testid="timeline">
        <Table.Thead>
          <Table.Tr>
            <Table.Th className="num">#</Table.Th>
            <Table.Th>Event</Table.Th>
            <Table.Th>When it happened</Table.Th>
            <Table.Th>Recorded</Table.Th>
            <Table.Th>By</Table.Th>
            <Table.Th>Details</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {newestFirst.map((e) => {
            const late = Date.parse(e.recordedAt) - Date.parse(e.occurredAt) > 60 * 60 * 1000;
            return (
              <Table.Tr key={e.seq} data-seq={e.seq} data-type={e.type}>
                <Table.Td className="num">{e.seq}</Table.Td>
                <Table.Td>
                  <Stack gap={2}>
                    <Text size="sm" fw={600}>
                      {humanizeEvent(e.type)}
                    </Text>
                    {e.signature && (
                      <Tooltip label={`${e.signature.signerName}: “${e.signature.meaning}”`} multiline w={300}>
                        <Badge size="xs" variant="outline" color="dark" w="fit-content">
                          Signed
                        </Badge>
                      </Tooltip>
                    )}
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <Stack gap={0}>
                    <ClinicalDate iso={e.occurredAt} withTime />
                    {day0 && (
                      <Text size="xs" c="dimmed">
                        {formatStudyDay(studyDay(e.occurredAt, day0))}
                      </Text>
                    )}
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <Stack gap={0}>
                    <RecordedTime iso={e.recordedAt} />
                    {late && (
                      <Text size="xs" c="dimmed" fs="italic">
                        late entry
                      </Text>
                    )}
                  </Stack>
                </Table.Td>
                <Table.Td>
                  {e.actor === SCHEDULER ? (
                    <Text size="sm" c="dimmed">
                      Scheduler
                    </Text>
                  ) : (
                    <Text size="sm" className="nowrap">
                      {e.actorName ?? e.actor}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td className="timeline-data">
                  <Text size="sm">{summarizeData(e.data)}</Text>
                  {e.reason && (
                    <Text size="sm" c="dimmed" fs="italic">
                      Reason: {e.reason}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
