import { Anchor, Badge, Group, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { api } from '../api/client';
import { LoadError, Loading, NoData } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { Section } from '../components/Section';
import { formatDateTime, formatNumber } from '../lib/format';
import { href, navigate } from '../lib/router';
import { useResource } from '../lib/use-resource';

const STATUS_COLOR = { open: 'orange', answered: 'blue', closed: 'gray' } as const;
const days = (n: number | null) => (n === null ? '—' : n === 1 ? '1 day' : `${formatNumber(n)} days`);

/**
 * The data queries of the caller's sites (README, "Data queries"): per site how many wait for the
 * site, how many wait for the raiser, how long they have waited and how long closing took; then each
 * query, oldest first, linked to its patient.
 */
export default function QueriesPage({ status }: { status?: string }) {
  const page = useResource(() => api.queries(status ? { status } : {}), status ?? 'all');
  if (!page.data) return page.error ? <LoadError error={page.error} onRetry={page.reload} /> : <Loading label="Loading the queries…" />;
  const { items, total, sites } = page.data;
  return (
    <Stack gap="lg">
      <PageHeader
        crumbs={[{ label: 'Worklist', href: href.worklist() }, { label: 'Data queries' }]}
        title="Data queries"
        subtitle="Questions on entries of the record and the sites' answers."
      />
      <Section title="By site" description="Open: waiting for the site. Answered: waiting for the one who asked to close or send it back." testId="query-sites">
        {sites.length === 0 ? (
          <NoData>No query has been raised at your sites.</NoData>
        ) : (
          <Table data-testid="query-site-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Site</Table.Th>
                <Table.Th className="num">Open</Table.Th>
                <Table.Th className="num">Answered</Table.Th>
                <Table.Th className="num">Closed</Table.Th>
                <Table.Th className="num">Oldest not closed</Table.Th>
                <Table.Th className="num">Median wait, not closed</Table.Th>
                <Table.Th className="num">Median time to close</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sites.map((s) => (
                <Table.Tr key={s.siteId} data-site={s.siteId}>
                  <Table.Td>{s.siteId}</Table.Td>
                  <Table.Td className="num">{s.open}</Table.Td>
                  <Table.Td className="num">{s.answered}</Table.Td>
                  <Table.Td className="num">{s.closed}</Table.Td>
                  <Table.Td className="num">{days(s.oldestOpenDays)}</Table.Td>
                  <Table.Td className="num">{days(s.medianOpenDays)}</Table.Td>
                  <Table.Td className="num">{days(s.medianDaysToClose)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Section>
      <Section
        title="Queries"
        description={`${total} ${status ?? ''} ${total === 1 ? 'query' : 'queries'}, oldest first.`.replace(/ {2}/g, ' ')}
        actions={
          <SegmentedControl
            size="xs"
            value={status ?? 'all'}
            onChange={(value) => navigate(href.queries(value === 'all' ? undefined : value))}
            data={['all', 'open', 'answered', 'closed']}
            data-testid="query-status-filter"
          />
        }
        testId="query-list"
      >
        {items.length === 0 ? (
          <NoData>None.</NoData>
        ) : (
          <Table striped data-testid="query-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Patient</Table.Th>
                <Table.Th>Site</Table.Th>
                <Table.Th>Entry</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Raised</Table.Th>
                <Table.Th className="num">Age</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((q) => (
                <Table.Tr key={q.id} data-query={q.id}>
                  <Table.Td>
                    <Anchor href={href.patient(q.patientId)}>{q.subjectId}</Anchor>
                    <Text size="xs" c="dimmed">
                      {q.protocolId}
                    </Text>
                  </Table.Td>
                  <Table.Td>{q.siteId}</Table.Td>
                  <Table.Td>
                    #{q.seq}
                    {q.field ? ` · ${q.field}` : ''}
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      <Badge color={STATUS_COLOR[q.status]} variant="light">
                        {q.status}
                      </Badge>
                    </Group>
                  </Table.Td>
                  <Table.Td>{formatDateTime(q.raisedAt)}</Table.Td>
                  <Table.Td className="num">{days(q.ageDays)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Section>
    </Stack>
  );
}
