import { Anchor, Badge, Table, Text } from '@mantine/core';
import type { ProtocolDeviationAnswer } from '#contract';
import { formatDateTime, sentence } from '../lib/format';
import { href } from '../lib/router';
import { NoData } from './Feedback';

/** Each kind of deviation in words. */
const KIND: Record<ProtocolDeviationAnswer['kind'], string> = {
  'visit-out-of-window': 'Visit outside its window',
  'visit-missed': 'Visit missed',
  'assessment-out-of-window': 'Assessment outside its window',
  'late-dlt': 'DLT reported late',
  'apheresis-stability': 'Apheresis stability window passed',
  'post-thaw-limit': 'Post-thaw limit passed',
  'shipping-temperature': 'Shipper out of temperature',
  'out-of-specification-release': 'Released out of specification',
  recorded: 'Recorded by the site',
};

/** Each category in words. */
const CATEGORY: Record<ProtocolDeviationAnswer['category'], string> = {
  consent: 'Informed consent',
  eligibility: 'Eligibility',
  visitSchedule: 'Visit schedule',
  procedure: 'Study procedure',
  investigationalProduct: 'Investigational product',
  safetyReporting: 'Safety reporting',
  other: 'Other',
};

/**
 * Protocol deviations (README, "Protocol deviations"), oldest first: when, what kind and category,
 * the severity, what happened and the rule it breaks; with the patient and site when `withPatient`.
 */
export function DeviationList({ deviations, withPatient = false, empty }: { deviations: ProtocolDeviationAnswer[]; withPatient?: boolean; empty: string }) {
  if (!deviations.length) return <NoData>{empty}</NoData>;
  return (
    <Table striped data-testid="deviation-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>When</Table.Th>
          {withPatient && <Table.Th>Patient</Table.Th>}
          {withPatient && <Table.Th>Site</Table.Th>}
          <Table.Th>Deviation</Table.Th>
          <Table.Th>Severity</Table.Th>
          <Table.Th>What happened</Table.Th>
          <Table.Th>Rule</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {deviations.map((d) => (
          <Table.Tr key={`${d.patientId}:${d.id}`} data-deviation={d.id} data-kind={d.kind}>
            <Table.Td>{formatDateTime(d.at)}</Table.Td>
            {withPatient && (
              <Table.Td>
                <Anchor href={href.patient(d.patientId)}>{d.subjectId}</Anchor>
              </Table.Td>
            )}
            {withPatient && <Table.Td>{d.siteId}</Table.Td>}
            <Table.Td>
              <Text size="sm">{KIND[d.kind]}</Text>
              <Text size="xs" c="dimmed">
                {CATEGORY[d.category]}
              </Text>
            </Table.Td>
            <Table.Td>
              <Badge color={d.severity === 'major' ? 'red' : 'orange'} variant="light" data-severity={d.severity}>
                {d.severity === 'major' ? 'Major' : 'Minor'}
              </Badge>
            </Table.Td>
            <Table.Td>{d.description}</Table.Td>
            <Table.Td>
              <Text size="sm" c="dimmed">
                {sentence(d.rule)}
              </Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
