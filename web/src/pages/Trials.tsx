import { Anchor, Stack, Table, Text } from '@mantine/core';
import { protocolSummaries } from '../api/cache';
import { LoadError, Loading } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { Section } from '../components/Section';
import { href } from '../lib/router';
import { useResource } from '../lib/use-resource';

/** Every protocol this build runs, each a link to its trial page. */
export function Trials() {
  const protocols = useResource(protocolSummaries, 'protocols');
  if (!protocols.data) return protocols.error ? <LoadError error={protocols.error} onRetry={protocols.reload} /> : <Loading />;
  return (
    <Stack gap="lg">
      <PageHeader title="Trials" subtitle="The protocols this service runs; open one for enrollment, dose escalation, outcomes and its state machine." />
      <Section title="Protocols" testId="protocols">
        <Table verticalSpacing="sm" highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Trial</Table.Th>
              <Table.Th>Registry</Table.Th>
              <Table.Th>Phase</Table.Th>
              <Table.Th className="num">Target enrollment</Table.Th>
              <Table.Th className="num">Versions</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {protocols.data.map((p) => (
              <Table.Tr key={p.id}>
                <Table.Td>
                  <Anchor href={href.trial(p.id)} fw={600}>
                    {p.title}
                  </Anchor>
                  <Text size="xs" c="dimmed">
                    {p.id}
                  </Text>
                </Table.Td>
                <Table.Td>{p.registryId ?? '—'}</Table.Td>
                <Table.Td>{p.phase}</Table.Td>
                <Table.Td className="num">{p.targetEnrollment}</Table.Td>
                <Table.Td className="num">{p.versions.join(', ')}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Section>
    </Stack>
  );
}
