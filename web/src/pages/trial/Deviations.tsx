import { useState } from 'react';
import { SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { api, ApiError } from '../../api/client';
import { DeviationList } from '../../components/DeviationList';
import { NoData } from '../../components/Feedback';
import { Section } from '../../components/Section';
import { formatPercent } from '../../lib/format';
import { useResource } from '../../lib/use-resource';

/**
 * The trial's protocol deviations at the user's sites (README, "Protocol deviations"): per site the
 * deviations by severity and the window compliance (visits done in their window over the visits done
 * or missed), then each deviation, one site's when one is picked. Not shown to a role that may not read them.
 */
export function TrialDeviations({ protocolId }: { protocolId: string }) {
  const [site, setSite] = useState('all');
  const all = useResource(() => api.deviations(protocolId), protocolId);
  if (all.error instanceof ApiError && all.error.status === 403) return null;
  const answer = all.data;
  const sites = answer?.sites ?? [];
  const shown = (answer?.deviations ?? []).filter((d) => site === 'all' || d.siteId === site);
  return (
    <Section
      title="Protocol deviations"
      description="Visits outside their window or missed, DLTs reported late, breaks of the chain of custody, and those the sites recorded; window compliance is the visits done in their window over the visits done or missed."
      testId="trial-deviations"
      actions={
        sites.length > 1 ? (
          <SegmentedControl
            size="xs"
            value={site}
            onChange={setSite}
            data={[{ value: 'all', label: 'All sites' }, ...sites.map((s) => ({ value: s.siteId, label: s.siteId }))]}
            data-testid="deviation-site-filter"
          />
        ) : undefined
      }
    >
      {all.error !== undefined && <Text c="red">The deviations could not be read.</Text>}
      {answer && (
        <Stack gap="md">
          {sites.length === 0 ? (
            <NoData>No patient of this trial at your sites.</NoData>
          ) : (
            <Table data-testid="deviation-site-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Site</Table.Th>
                  <Table.Th className="num">Patients</Table.Th>
                  <Table.Th className="num">Deviations</Table.Th>
                  <Table.Th className="num">Major</Table.Th>
                  <Table.Th className="num">Minor</Table.Th>
                  <Table.Th className="num">Visits in window</Table.Th>
                  <Table.Th className="num">Outside window</Table.Th>
                  <Table.Th className="num">Missed</Table.Th>
                  <Table.Th className="num">Window compliance</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {sites.map((s) => (
                  <Table.Tr key={s.siteId} data-site={s.siteId}>
                    <Table.Td>{s.siteId}</Table.Td>
                    <Table.Td className="num">{s.patients}</Table.Td>
                    <Table.Td className="num">{s.deviations}</Table.Td>
                    <Table.Td className="num">{s.major}</Table.Td>
                    <Table.Td className="num">{s.minor}</Table.Td>
                    <Table.Td className="num">{s.visitsInWindow}</Table.Td>
                    <Table.Td className="num">{s.visitsOutOfWindow}</Table.Td>
                    <Table.Td className="num">{s.visitsMissed}</Table.Td>
                    <Table.Td className="num" data-testid="window-compliance">
                      {s.windowComplianceRate === null ? '—' : formatPercent(s.windowComplianceRate, 0)}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <DeviationList deviations={shown} withPatient empty="No protocol deviation." />
        </Stack>
      )}
    </Section>
  );
}
