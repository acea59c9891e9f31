import { Table, Text } from '@mantine/core';
import type { GradeCount, KineticsRow, OutcomeGroup, Proportion } from '../../api/types';
import { NoData } from '../../components/Feedback';
import { formatDays, formatNumber, formatPercent, scientific, sentence } from '../../lib/format';
import { SubjectName } from '../../components/SubjectName';

const GRADES = [1, 2, 3, 4, 5];

function ProportionRow({ label, p, note }: { label: string; p: Proportion; note?: string }) {
  return (
    <Table.Tr>
      <Table.Td>
        {label}
        {note && (
          <Text span size="xs" c="dimmed" ml={6}>
            {note}
          </Text>
        )}
      </Table.Td>
      <Table.Td className="num">
        {p.successes} / {p.n}
      </Table.Td>
      <Table.Td className="num" fw={600}>
        {formatPercent(p.rate)}
      </Table.Td>
      <Table.Td className="num">{p.ci ? `${formatPercent(p.ci.lower)} – ${formatPercent(p.ci.upper)}` : '—'}</Table.Td>
    </Table.Tr>
  );
}

/** ORR, MRD-negative ORR, DCR (Lugano) with exact 95% CIs, and the best-response table. */
export function ResponseTables({ group }: { group: OutcomeGroup }) {
  const r = group.response;
  if (!group.infused) return <NoData>No infused patients yet.</NoData>;
  return (
    <>
      <Table verticalSpacing={5} data-testid="response-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Measure</Table.Th>
            <Table.Th className="num">Patients</Table.Th>
            <Table.Th className="num">Rate</Table.Th>
            <Table.Th className="num">95% CI (exact)</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          <ProportionRow label="Objective response rate" note={r.objectiveResponses.join(' + ')} p={r.orr} />
          {r.criteria !== 'LUGANO_2014' && (
            <ProportionRow label="MRD-negative ORR" note={r.criteria === 'BY_COHORT' ? 'of patients assessed by ALL criteria' : undefined} p={r.mrdNegativeOrr} />
          )}
          {r.dcr && <ProportionRow label="Disease control rate" note={`CR + PR + SD${r.criteria === 'BY_COHORT' ? ', of patients assessed by Lugano' : ''}`} p={r.dcr} />}
          {r.landmarks.map((l) => (
            <ProportionRow
              key={l.measure}
              label={l.measure}
              note={[`at ${l.visit}`, l.notYetDue ? `${l.notYetDue} not yet due` : '', l.notAssessed ? `${l.notAssessed} not assessed` : ''].filter(Boolean).join(' · ')}
              p={l.rate}
            />
          ))}
        </Table.Tbody>
      </Table>
      <Table verticalSpacing={4} w="auto" miw={260}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Best response</Table.Th>
            <Table.Th className="num">Patients</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {r.bestResponse.map((b) => (
            <Table.Tr key={b.response}>
              <Table.Td>{sentence(b.response)}</Table.Td>
              <Table.Td className="num">{b.patients}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
}

function GradeCells({ counts }: { counts: GradeCount[] }) {
  return (
    <>
      {GRADES.map((g) => {
        const n = counts.find((c) => c.grade === g)?.patients ?? 0;
        return (
          <Table.Td key={g} className="num" c={n === 0 ? 'dimmed' : g >= 3 ? 'red.8' : undefined} fw={n > 0 && g >= 3 ? 700 : undefined}>
            {n}
          </Table.Td>
        );
      })}
    </>
  );
}

/** Adverse events by term and worst grade per patient, with CRS and ICANS by ASTCT grade and ICAHT by EHA/EBMT grade (of the patients with an ANC). */
export function AeTable({ group }: { group: OutcomeGroup }) {
  const s = group.safety;
  if (!group.participants) return <NoData>No patients yet.</NoData>;
  const terms = [...s.adverseEventsByTerm].sort((a, b) => a.term.localeCompare(b.term));
  return (
    <Table.ScrollContainer minWidth={520}>
      <Table verticalSpacing={4} striped data-testid="ae-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Patients by worst grade</Table.Th>
            {GRADES.map((g) => (
              <Table.Th key={g} className="num">
                Grade {g}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {terms.length === 0 && (
            <Table.Tr>
              <Table.Td colSpan={6}>
                <NoData>No adverse events reported.</NoData>
              </Table.Td>
            </Table.Tr>
          )}
          {terms.map((t) => (
            <Table.Tr key={t.term}>
              <Table.Td>{sentence(t.term)}</Table.Td>
              <GradeCells counts={t.byWorstGrade} />
            </Table.Tr>
          ))}
          <Table.Tr>
            <Table.Td fw={600}>CRS (ASTCT)</Table.Td>
            <GradeCells counts={s.crsByGrade} />
          </Table.Tr>
          <Table.Tr>
            <Table.Td fw={600}>ICANS (ASTCT)</Table.Td>
            <GradeCells counts={s.icansByGrade} />
          </Table.Tr>
          <Table.Tr data-testid="icaht-early">
            <Table.Td fw={600}>Early ICAHT, day 0–30 (EHA/EBMT)</Table.Td>
            <GradeCells counts={s.icaht.earlyByGrade} />
          </Table.Tr>
          <Table.Tr data-testid="icaht-late">
            <Table.Td fw={600}>Late ICAHT, after day 30 (EHA/EBMT)</Table.Td>
            <GradeCells counts={s.icaht.lateByGrade} />
          </Table.Tr>
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Cmax, Tmax and AUC0–28 per patient and compartment, and the medians; another site's patients unnamed. */
export function KineticsTable({ group }: { group: OutcomeGroup }) {
  const k = group.kinetics;
  if (!k.perPatient.length) return <NoData>No CAR copy results yet.</NoData>;
  return (
    <Table.ScrollContainer minWidth={520}>
      <Table verticalSpacing={4} data-testid="kinetics-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Subject</Table.Th>
            <Table.Th>Compartment</Table.Th>
            <Table.Th className="num">Cmax</Table.Th>
            <Table.Th className="num">Tmax (day)</Table.Th>
            <Table.Th className="num">AUC 0–28</Table.Th>
            <Table.Th className="num">Samples</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {k.perPatient.map((row: KineticsRow, i) => (
            <Table.Tr key={`${row.patientId ?? `anonymous-${i}`}-${row.compartment}`} data-subject={row.subjectId ?? undefined}>
              <Table.Td className="nowrap">
                <SubjectName patientId={row.patientId} subjectId={row.subjectId} />
              </Table.Td>
              <Table.Td>{row.compartment}</Table.Td>
              <Table.Td className="num">{scientific(row.cmax)}</Table.Td>
              <Table.Td className="num">{formatDays(row.tmax)}</Table.Td>
              <Table.Td className="num">{scientific(row.auc)}</Table.Td>
              <Table.Td className="num">{row.samples}</Table.Td>
            </Table.Tr>
          ))}
          {k.summary.map((m) => (
            <Table.Tr key={`median-${m.compartment}`} fw={600} style={{ borderTop: '2px solid var(--mantine-color-gray-4)' }}>
              <Table.Td title="Over the patients with a sample in the first 28 days">
                Median, n = {m.patients}
                {m.withoutSamples > 0 && (
                  <Text span size="xs" c="dimmed" fw={400}>
                    {' '}
                    ({m.withoutSamples} without a sample by day 28)
                  </Text>
                )}
              </Table.Td>
              <Table.Td>{m.compartment}</Table.Td>
              <Table.Td className="num">{scientific(m.medianCmax)}</Table.Td>
              <Table.Td className="num">{formatDays(m.medianTmax)}</Table.Td>
              <Table.Td className="num">{scientific(m.medianAuc0to28)}</Table.Td>
              <Table.Td />
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

const CYTOKINE: Record<string, string> = { IL6: 'IL-6', IL10: 'IL-10', IFNG: 'IFN-γ', TNFA: 'TNF-α' };

/** Peak cytokine levels in the first month. */
export function CytokineTable({ group }: { group: OutcomeGroup }) {
  const rows = group.kinetics.cytokinePeaks.filter((c) => c.patients > 0);
  if (!rows.length) return null;
  return (
    <Table verticalSpacing={4} w="auto" miw={360}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Cytokine (days 0–28)</Table.Th>
          <Table.Th className="num">Patients</Table.Th>
          <Table.Th className="num">Median peak</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((c) => (
          <Table.Tr key={c.code}>
            <Table.Td>{CYTOKINE[c.code] ?? c.code}</Table.Td>
            <Table.Td className="num">{c.patients}</Table.Td>
            <Table.Td className="num">
              {formatNumber(c.medianPeak)} {c.peaks[0]?.unit ?? ''}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
