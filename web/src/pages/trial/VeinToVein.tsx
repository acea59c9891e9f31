import { Table, Text } from '@mantine/core';
import type { MedianAndRange, VeinToVein } from '../../api/types';
import { NoData } from '../../components/Feedback';
import { formatDays, formatPercent, sentence } from '../../lib/format';

type Column = { key: string; label: string; figures: VeinToVein | VeinToVein['bySite'][number] };

/** "15.5 (13–21)", or a dash when no patient has both steps. */
function medianCell(m: MedianAndRange) {
  if (m.median === null) return '—';
  return m.min === m.max ? formatDays(m.median) : `${formatDays(m.median)} (${formatDays(m.min)}–${formatDays(m.max)})`;
}

const TIMES: Array<{ label: string; of: (f: Column['figures']) => MedianAndRange }> = [
  { label: 'Apheresis → release', of: (f) => f.apheresisToRelease },
  { label: 'Release → infusion', of: (f) => f.releaseToInfusion },
  { label: 'Apheresis → infusion (vein to vein)', of: (f) => f.apheresisToInfusion },
];

const COUNTS: Array<{ label: string; of: (f: Column['figures']) => number }> = [
  { label: 'Apheresed', of: (f) => f.apheresed },
  { label: 'Product released', of: (f) => f.released },
  { label: 'Infused', of: (f) => f.infused },
  { label: 'Manufacturing failed', of: (f) => f.manufacturingFailures },
  { label: 'Manufacturing attempts', of: (f) => f.manufacturingAttempts },
  { label: 'Made again', of: (f) => f.remanufactured },
  { label: 'Released out of specification', of: (f) => f.releasedOutOfSpecification },
  { label: 'Rejected out of specification', of: (f) => f.rejectedOutOfSpecification },
  { label: 'Bridging therapy', of: (f) => f.bridged },
  { label: 'In manufacturing', of: (f) => f.inManufacturing },
  { label: 'Released, awaiting infusion', of: (f) => f.awaitingInfusion },
  { label: 'Never infused', of: (f) => (typeof f.notInfused === 'number' ? f.notInfused : f.notInfused.patients) },
];

/**
 * Days from apheresis to release to infusion (median, range and n), the patients at each step, for
 * all sites and each of the caller's sites (another site's patients pooled as "Other sites"), the
 * manufacturing success rate, and the apheresed patients never infused and why.
 */
export function VeinToVeinTables({ figures }: { figures: VeinToVein }) {
  if (!figures.apheresed) return <NoData>No apheresis recorded yet.</NoData>;
  const sites: Column[] = figures.bySite.map((s) => ({ key: s.siteId ?? 'other-sites', label: s.siteId ?? 'Other sites', figures: s }));
  // One site alone would repeat the "All sites" column.
  const columns: Column[] = [{ key: 'all', label: 'All sites', figures }, ...(sites.length > 1 ? sites : [])];
  const success = figures.manufacturingSuccess;
  return (
    <>
      <Table.ScrollContainer minWidth={560}>
        <Table verticalSpacing={4} data-testid="vein-to-vein-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Days, median (range)</Table.Th>
              {columns.map((c) => (
                <Table.Th key={c.key} className="num" data-site={c.key}>
                  {c.label}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {TIMES.map((row) => (
              <Table.Tr key={row.label}>
                <Table.Td fw={600}>{row.label}</Table.Td>
                {columns.map((c) => {
                  const m = row.of(c.figures);
                  return (
                    <Table.Td key={c.key} className="num">
                      {medianCell(m)}
                      <Text span size="xs" c="dimmed" ml={6}>
                        n {m.n}
                      </Text>
                    </Table.Td>
                  );
                })}
              </Table.Tr>
            ))}
            {COUNTS.map((row, i) => (
              <Table.Tr key={row.label} style={i === 0 ? { borderTop: '2px solid var(--mantine-color-gray-4)' } : undefined}>
                <Table.Td>{row.label}</Table.Td>
                {columns.map((c) => (
                  <Table.Td key={c.key} className="num">
                    {row.of(c.figures)}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Text size="sm" data-testid="manufacturing-success">
        Manufacturing success: {success.successes} released of {success.n} apheresed, {formatPercent(success.rate, 0)}
        {success.ci ? ` (95% CI ${formatPercent(success.ci.lower, 0)}–${formatPercent(success.ci.upper, 0)})` : ''}
        {figures.inManufacturing > 0 ? `; ${figures.inManufacturing} still in manufacturing` : ''}.
      </Text>
      {figures.notInfused.patients > 0 && (
        <Table verticalSpacing={4} w="auto" miw={420} data-testid="not-infused-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Never infused</Table.Th>
              <Table.Th className="num">Patients</Table.Th>
              <Table.Th className="num">After release</Table.Th>
              <Table.Th>Reasons given</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {figures.notInfused.byReason
              .filter((r) => r.patients > 0)
              .map((r) => (
                <Table.Tr key={r.reason} data-reason={r.reason}>
                  <Table.Td>{sentence(r.reason)}</Table.Td>
                  <Table.Td className="num">{r.patients}</Table.Td>
                  <Table.Td className="num">{r.afterRelease}</Table.Td>
                  <Table.Td>{r.texts.map((x) => (x.patients > 1 ? `${x.text} (${x.patients})` : x.text)).join('; ')}</Table.Td>
                </Table.Tr>
              ))}
          </Table.Tbody>
        </Table>
      )}
    </>
  );
}
