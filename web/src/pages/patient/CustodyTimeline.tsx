import { Alert, Badge, Group, Stack, Text, Timeline } from '@mantine/core';
import { CUSTODY_STEPS } from '@protocols/policy';
import type { LogEntry, Patient } from '../../api/types';
import { ClinicalDate } from '../../components/Dates';
import { Section } from '../../components/Section';

/** The hand-offs, and the events around them: what went wrong, and what was done about it. */
const LABELS: Record<string, string> = {
  ...Object.fromEntries(CUSTODY_STEPS.map((s) => [s.event, s.label[0].toUpperCase() + s.label.slice(1)])),
  REMANUFACTURE_ORDERED: 'Product to be made again',
  MANUFACTURING_FAILED: 'Manufacturing failed',
  BRIDGING_THERAPY_GIVEN: 'Bridging therapy',
  ELIGIBILITY_RECONFIRMED: 'Eligibility re-confirmed after bridging',
  APHERESIS_STABILITY_EXCEEDED: 'Apheresis stability window passed',
  POST_THAW_LIMIT_EXCEEDED: 'Post-thaw limit passed',
};
const WARNINGS = new Set(['MANUFACTURING_FAILED', 'APHERESIS_STABILITY_EXCEEDED', 'POST_THAW_LIMIT_EXCEEDED', 'REMANUFACTURE_ORDERED']);

type Data = Record<string, unknown>;
const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');
const cells = (n: unknown) => (typeof n === 'number' ? `${(n / 1e9).toLocaleString('en', { maximumFractionDigits: 2 })} ×10⁹` : '');

/** The one line that says who handed the product to whom, where, and what came with it. */
function details(e: LogEntry): string[] {
  const d = e.data as Data;
  const lines: string[] = [];
  if (d.handedOverBy || d.receivedBy) lines.push(`${text(d.handedOverBy)} → ${text(d.receivedBy)}`);
  if (d.collectedBy) lines.push(`collected by ${text(d.collectedBy)}`);
  if (d.storedBy) lines.push(`stored by ${text(d.storedBy)}`);
  if (d.thawedBy) lines.push(`thawed by ${text(d.thawedBy)}`);
  if (d.location) lines.push(`at ${text(d.location)}`);
  if (d.bagId) lines.push(`bag ${text(d.bagId)}, ${text(d.volumeMl)} mL, ${cells(d.totalNucleatedCells)} nucleated cells${d.cd3Cells ? `, ${cells(d.cd3Cells)} CD3+` : ''}`);
  if (d.courier) lines.push(`courier ${text(d.courier)}, shipper ${text(d.shipperId)}, temperature log ${text(d.temperatureLogRef)}`);
  if (d.temperatureInRange === false) lines.push('temperature out of range');
  if (d.batchId) lines.push(`batch ${text(d.batchId)}`);
  if (d.lot) lines.push(`lot ${text(d.lot)}`);
  const r = d.results as Data | undefined;
  if (r) {
    lines.push(
      `viability ${text(r.viabilityPct)}%, CAR+ ${text(r.carPositivePct)}%, ${cells(r.viableCarTCells)} viable CAR-T cells, sterility ${r.sterility === 'noGrowth' ? 'no growth' : 'growth'}, mycoplasma ${r.mycoplasma === 'notDetected' ? 'not detected' : 'detected'}, endotoxin ${text(r.endotoxinEuPerKg)} EU/kg`,
    );
  }
  const oos = d.outOfSpecification as Data | undefined;
  if (oos) lines.push(`released out of specification: “${text(oos.justification)}”`);
  if (d.regimen) lines.push(`${text(d.regimen)} from ${text(d.startedOn)}${d.endedOn ? ` to ${text(d.endedOn)}` : ''}`);
  if (d.source) lines.push(`from ${d.source === 'retainedCells' ? 'retained cells' : 'a new apheresis'}: ${text(d.reason)}`);
  else if (d.reason) lines.push(text(d.reason));
  return lines;
}

/**
 * The product's chain of custody on the patient page: each hand-off from the apheresis bag to the
 * bedside with the people, the place and the time, the attempts and what went wrong, the deviations,
 * and the step the chain waits for next (README, "Chain of custody").
 */
export function CustodyTimeline({ patient, events }: { patient: Patient; events: LogEntry[] }) {
  const record = patient.record;
  const chain = events.filter((e) => LABELS[e.type] !== undefined && (e.type !== 'INFUSION_COMPLETED' || record.custody));
  if (!chain.length) return null;
  const step = record.custody?.step;
  const next = step ? CUSTODY_STEPS.find((s) => (s.after as readonly string[]).includes(step) && s.step !== 'stored') : undefined;
  const attempts = record.manufacturing;
  return (
    <Section
      title="Chain of custody"
      description={
        attempts.length > 1
          ? `Manufacturing attempt ${attempts.length}; the chain-of-identity identifier continues.`
          : 'Each hand-off of the patient’s cells and product, from the apheresis bag to the bedside.'
      }
      testId="custody-section"
    >
      {record.deviations.length > 0 && (
        <Alert color="orange" title="Deviations" data-testid="custody-deviations">
          <Stack gap={2}>
            {record.deviations.map((d) => (
              <Text key={`${d.kind}-${d.at}`} size="sm">
                <ClinicalDate iso={d.at} withTime />: {d.message}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
      <Timeline active={chain.length - 1} bulletSize={14} lineWidth={2} data-testid="custody-timeline">
        {chain.map((e) => (
          <Timeline.Item
            key={e.seq}
            color={WARNINGS.has(e.type) ? 'orange' : undefined}
            data-type={e.type}
            title={
              <Group gap="xs">
                <Text size="sm" fw={600}>
                  {LABELS[e.type]}
                </Text>
                {(e.data as Data).outOfSpecification !== undefined && (
                  <Badge size="xs" color="orange">
                    Out of specification
                  </Badge>
                )}
                {e.signature && (
                  <Badge size="xs" variant="outline" color="dark">
                    Signed
                  </Badge>
                )}
              </Group>
            }
          >
            <Text size="xs" c="dimmed">
              <ClinicalDate iso={e.occurredAt} withTime /> · recorded by {e.actorName ?? e.actor}
            </Text>
            {details(e).map((line) => (
              <Text key={line} size="sm">
                {line}
              </Text>
            ))}
          </Timeline.Item>
        ))}
      </Timeline>
      {next && patient.status === 'active' && (
        <Text size="sm" c="dimmed" data-testid="custody-next">
          Next: {next.label} ({next.event})
        </Text>
      )}
    </Section>
  );
}
