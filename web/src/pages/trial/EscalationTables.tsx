import { Badge, Stack, Table, Text } from '@mantine/core';
import type { Trial } from '../../api/types';
import { ClinicalDate } from '../../components/Dates';
import { NoData } from '../../components/Feedback';
import { formatLevel, formatPercent, sentence } from '../../lib/format';

/** Per dose level: enrolled, evaluable (DLT window closed), DLTs, the observed DLT rate. */
export function LevelsTable({ trial }: { trial: Trial }) {
  return (
    <Table verticalSpacing={5} data-testid="levels-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Level</Table.Th>
          <Table.Th>Dose</Table.Th>
          <Table.Th className="num">Enrolled</Table.Th>
          <Table.Th className="num">Evaluable</Table.Th>
          <Table.Th className="num">DLTs</Table.Th>
          <Table.Th className="num">DLT rate</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {trial.levels.map((l) => (
          <Table.Tr key={l.level} fw={l.level === trial.currentDoseLevel ? 600 : undefined}>
            <Table.Td className="nowrap">
              {l.level}
              {l.level === trial.currentDoseLevel && (
                <Badge size="xs" variant="light" ml={6}>
                  current
                </Badge>
              )}
              {l.level === trial.mtd && (
                <Badge size="xs" variant="outline" color="dark" ml={6}>
                  MTD
                </Badge>
              )}
              {l.dataLockedAt && (
                <Badge size="xs" variant="light" color="gray" ml={6} title={`DLT data locked on ${l.dataLockedAt.slice(0, 10)}`}>
                  locked
                </Badge>
              )}
            </Table.Td>
            <Table.Td className="nowrap">{l.label}</Table.Td>
            <Table.Td className="num">{l.enrolled}</Table.Td>
            <Table.Td className="num">{l.evaluable}</Table.Td>
            <Table.Td className="num">
              <Text span inherit c={l.dlts > 0 ? 'red.8' : undefined} fw={l.dlts > 0 ? 700 : undefined}>
                {l.dlts}
              </Text>
            </Table.Td>
            <Table.Td className="num">{l.evaluable ? formatPercent(l.dlts / l.evaluable, 0) : '—'}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

const ACTION: Record<string, string> = {
  escalate: 'Escalate',
  stay: 'Stay',
  'de-escalate': 'De-escalate',
  'mtd-found': 'MTD found',
  stop: 'Stop',
};

/**
 * Every escalation decision the design made, with its reason. A decision revised after late data (a DLT reported
 * after the window, a call reversed) stays in the history, marked, beside the revision that replaced it.
 */
export function DecisionsTable({ trial }: { trial: Trial }) {
  if (!trial.decisions.length) {
    return (
      <NoData>{trial.doseEscalation ? 'No decision yet: the first cohort has not been evaluated.' : 'This protocol has a single dose level and no escalation design.'}</NoData>
    );
  }
  return (
    <Table verticalSpacing={5} data-testid="decisions-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th className="num">#</Table.Th>
          <Table.Th>Date</Table.Th>
          <Table.Th>Decision</Table.Th>
          <Table.Th className="num">From</Table.Th>
          <Table.Th className="num">To</Table.Th>
          <Table.Th>Reason</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {trial.decisions.map((d, i) => (
          <Table.Tr key={`${d.at}-${i}`} data-revised={d.revisedBy !== null} data-revision={d.revises !== null} c={d.revisedBy !== null ? 'dimmed' : undefined}>
            <Table.Td className="num">{i + 1}</Table.Td>
            <Table.Td>
              <ClinicalDate iso={d.at} />
            </Table.Td>
            <Table.Td className="nowrap">
              <Text span inherit fw={600} c={d.action === 'stop' ? 'red.8' : undefined} td={d.revisedBy !== null ? 'line-through' : undefined}>
                {ACTION[d.action] ?? d.action}
              </Text>
              {d.revises !== null && (
                <Badge size="xs" color="red" variant="light" ml={6}>
                  revises #{d.revises + 1}
                </Badge>
              )}
              {d.revisedBy !== null && (
                <Badge size="xs" color="gray" variant="outline" ml={6}>
                  revised by #{d.revisedBy + 1}
                </Badge>
              )}
            </Table.Td>
            <Table.Td className="num">{formatLevel(d.fromLevel)}</Table.Td>
            <Table.Td className="num">{formatLevel(d.toLevel)}</Table.Td>
            <Table.Td>
              {sentence(d.reason)}.
              {d.cause && (
                <Text size="xs" c="red.8">
                  Revised after {d.cause}.
                </Text>
              )}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** The enrollment holds revised decisions put, and who released them (an electronic signature). */
export function HoldsList({ trial }: { trial: Trial }) {
  if (!trial.holds.length) return null;
  return (
    <Stack gap={4} data-testid="holds">
      {trial.holds.map((h) => (
        <Text size="sm" key={h.id} data-hold={h.id} data-active={h.active} c={h.active ? 'red.8' : undefined}>
          <Text span inherit fw={600}>
            Hold {h.id}
          </Text>{' '}
          on dose level {h.levels.join(', ')} since <ClinicalDate iso={h.since} />:{' '}
          {h.released
            ? `released on ${h.released.signedAt.slice(0, 10)} by ${h.released.signerName} (“${h.released.meaning}”).`
            : 'active until an investigator or admin releases it.'}
        </Text>
      ))}
    </Stack>
  );
}
