import { Table } from '@mantine/core';
import type { DataIssue } from '../api/types';
import { Section } from './Section';
import { SubjectName } from './SubjectName';

/**
 * The stored records an answer left out because they could not be used as they stand, so a reader
 * knows the figures above are without them and which record to correct. Nothing when there is none.
 */
export function DataIssues({ issues, leftOutOf }: { issues: DataIssue[]; leftOutOf: string }) {
  if (!issues.length) return null;
  return (
    <Section
      title="Data issues"
      description={`${issues.length} stored record${issues.length === 1 ? '' : 's'} could not be used and ${issues.length === 1 ? 'is' : 'are'} left out of ${leftOutOf}. Correct ${issues.length === 1 ? 'it' : 'them'} with a new event and a reason.`}
      testId="data-issues"
    >
      <Table.ScrollContainer minWidth={520}>
        <Table verticalSpacing={4} data-testid="data-issues-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Subject</Table.Th>
              <Table.Th className="num">Entry</Table.Th>
              <Table.Th>Event</Table.Th>
              <Table.Th>Field</Table.Th>
              <Table.Th>Problem</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {issues.map((issue, i) => (
              <Table.Tr key={`${issue.patientId ?? 'anonymous'}-${issue.seq ?? 'row'}-${issue.field}-${i}`}>
                <Table.Td className="nowrap">
                  <SubjectName patientId={issue.patientId} subjectId={issue.subjectId} />
                </Table.Td>
                <Table.Td className="num">{issue.seq ?? '—'}</Table.Td>
                <Table.Td>{issue.type ?? 'stored record'}</Table.Td>
                <Table.Td>
                  <code>{issue.field}</code>
                </Table.Td>
                <Table.Td>{issue.problem}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Section>
  );
}
