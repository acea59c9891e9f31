import { Alert, Group, Stack, Table, Text } from '@mantine/core';
import type { DoseLevel, EventAnswer, LymphodepletionPlan } from '../../api/types';
import { DltBadge } from '../../components/Badges';
import { formatDateTime, formatDay, formatNumber, humanizeEvent, humanizeKey, humanizeState, scientific, sentence } from '../../lib/format';

type Result = Record<string, unknown>;

/** What the engine answered to a recorded event: the event's number, the new state, and what the protocol computed. */
export function ResultSummary({ type, answer, onClose }: { type: string; answer: EventAnswer; onClose: () => void }) {
  const result = answer.result ?? null;
  return (
    <Alert color="teal" title={`${humanizeEvent(type)} recorded as entry #${answer.seq}`} withCloseButton onClose={onClose} data-testid="event-result" role="status">
      <Stack gap={6}>
        <Text size="sm">
          The patient is now in {humanizeState(answer.patient.state)} (version {answer.patient.version}).
        </Text>
        {result && <Computed type={type} result={result} />}
      </Stack>
    </Alert>
  );
}

function Computed({ type, result }: { type: string; result: Result }) {
  switch (type) {
    case 'ADVERSE_EVENT_REPORTED':
      return <Grading result={result} />;
    case 'LYMPHODEPLETION_STARTED':
      return result.lymphodepletion ? <Doses plan={result.lymphodepletion as LymphodepletionPlan} /> : <Generic result={result} />;
    case 'INFUSION_COMPLETED':
      return (
        <Text size="sm" data-testid="computed">
          Day 0 is {formatDateTime(String(result.day0))}: {scientific(Number(result.cellsPerKg))} cells/kg × {formatNumber(Number(result.weightKg))} kg ={' '}
          <b>{scientific(Number(result.totalCells))} cells</b> at dose level {String(result.doseLevel)}.
        </Text>
      );
    case 'ENROLLED': {
      const level = result.doseLevel as DoseLevel | undefined;
      return level ? (
        <Text size="sm" data-testid="computed">
          The trial assigned <b>dose level {level.level}</b> ({level.label}).
        </Text>
      ) : (
        <Generic result={result} />
      );
    }
    case 'DLT_ADJUDICATED':
      return (
        <Group gap="xs" data-testid="computed">
          {result.dlt === true ? (
            <DltBadge />
          ) : (
            <Text size="sm" fw={600}>
              Not a DLT
            </Text>
          )}
          <Text size="sm">
            {String(result.term)}, onset {formatDateTime(String(result.onset))}
            {typeof result.dltReason === 'string' ? `: ${sentence(result.dltReason)}.` : '.'}
          </Text>
        </Group>
      );
    case 'RESPONSE_ASSESSED': {
      const relapse = result.relapse as { kind: string; reason: string } | undefined;
      return (
        <Stack gap={2} data-testid="computed">
          <Text size="sm">
            Response: <b>{String(result.response)}</b>
            {typeof result.responseReason === 'string' ? `: ${sentence(result.responseReason)}.` : ''}
          </Text>
          {relapse && (
            <Text size="sm" c="red.8">
              Relapse ({relapse.kind}): {relapse.reason}. Record it as a progression or relapse.
            </Text>
          )}
        </Stack>
      );
    }
    default:
      return <Generic result={result} />;
  }
}

function Grading({ result }: { result: Result }) {
  const dlt = result.dlt === true;
  return (
    <Stack gap={2} data-testid="computed">
      <Group gap="xs">
        <Text size="sm">
          <b>Grade {String(result.grade)}</b> ({String(result.scale)}){result.gradeReason ? `: ${String(result.gradeReason)}` : ''}.
        </Text>
      </Group>
      <Group gap="xs">
        {dlt ? <DltBadge provisional={result.provisional === true} /> : <Text size="sm">Not a dose-limiting toxicity.</Text>}
        {typeof result.dltReason === 'string' && (
          <Text size="sm" c={dlt ? 'red.8' : undefined}>
            {sentence(result.dltReason)}.
          </Text>
        )}
      </Group>
    </Stack>
  );
}

function Doses({ plan }: { plan: LymphodepletionPlan }) {
  return (
    <Stack gap={4} data-testid="computed">
      <Text size="sm">
        Body surface area <b>{formatNumber(plan.bsaM2)} m²</b> (Mosteller{plan.bsaCapped ? `, capped from ${formatNumber(plan.measuredBsaM2)} m²` : ''}).
      </Text>
      <DoseTable plan={plan} />
    </Stack>
  );
}

/** The lymphodepletion regimen: agent, mg/m², days, daily and total dose. */
export function DoseTable({ plan }: { plan: LymphodepletionPlan }) {
  return (
    <Table withTableBorder={false} verticalSpacing={2} fz="sm" maw={560}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Agent</Table.Th>
          <Table.Th className="num">mg/m²</Table.Th>
          <Table.Th>Days</Table.Th>
          <Table.Th className="num">Daily (mg)</Table.Th>
          <Table.Th className="num">Total (mg)</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {plan.agents.map((a) => (
          <Table.Tr key={a.agent}>
            <Table.Td tt="capitalize">{a.agent}</Table.Td>
            <Table.Td className="num">{formatNumber(a.mgPerM2)}</Table.Td>
            <Table.Td className="nowrap">{a.days.map(formatDay).join(', ')}</Table.Td>
            <Table.Td className="num">
              {formatNumber(a.dailyMg)}
              {a.capped ? ' (capped)' : ''}
            </Table.Td>
            <Table.Td className="num">{formatNumber(a.totalMg)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Generic({ result }: { result: Result }) {
  const entries = Object.entries(result).filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object');
  if (!entries.length) return null;
  return (
    <Text size="sm" data-testid="computed">
      {entries.map(([k, v]) => `${humanizeKey(k)}: ${typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)}`).join(' · ')}
    </Text>
  );
}
