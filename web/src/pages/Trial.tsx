import { useState } from 'react';
import { Badge, Button, Grid, Group, Progress, SegmentedControl, SimpleGrid, Stack, Text } from '@mantine/core';
import { api } from '../api/client';
import { protocolDefinition, protocolSummaries } from '../api/cache';
import type { OutcomeGroup, Outcomes, Patient, ProtocolDefinition, Trial, User } from '../api/types';
import { ExportButton } from '../components/ExportButton';
import { LoadError, Loading } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { DataIssues } from '../components/DataIssues';
import { Section } from '../components/Section';
import { Stat } from '../components/Stat';
import { formatDateTime, formatLevel, formatPercent, sentence } from '../lib/format';
import { href, navigate } from '../lib/router';
import { useResource } from '../lib/use-resource';
import { EscalationChart } from './trial/EscalationChart';
import { DecisionsTable, HoldsList, LevelsTable } from './trial/EscalationTables';
import { KineticsChart } from './trial/KineticsChart';
import { AeTable, CytokineTable, KineticsTable, ResponseTables } from './trial/OutcomeTables';
import { StateDiagram } from './trial/StateDiagram';
import { SurvivalChart } from './trial/SurvivalChart';
import { VeinToVeinTables } from './trial/VeinToVein';
import { TrialDeviations } from './trial/Deviations';

interface TrialData {
  protocol: ProtocolDefinition;
  versions: number[];
  trial: Trial;
  outcomes: Outcomes;
  patients: Patient[];
}

/**
 * One trial across the protocol's versions: the escalation and its patients are every version's; a
 * chosen version shows that version's definition and cuts the outcomes to its patients.
 */
async function loadTrial(protocolId: string, version?: number): Promise<TrialData> {
  const [protocol, summaries, trial, outcomes, patients] = await Promise.all([
    protocolDefinition(protocolId, version),
    protocolSummaries(),
    api.trial(protocolId),
    api.outcomes(protocolId, version),
    api.patientsOf(protocolId),
  ]);
  const versions = summaries.find((s) => s.id === protocolId)?.versions ?? [protocol.version];
  return { protocol, versions, trial, outcomes, patients };
}

const STATUS: Record<string, { label: string; color: string }> = {
  open: { label: 'Open', color: 'teal' },
  'mtd-found': { label: 'MTD found', color: 'blue' },
  stopped: { label: 'Stopped', color: 'red' },
};

/** A trial at a glance: enrollment, dose escalation, vein to vein, efficacy, survival, safety, kinetics, the state machine. */
export default function TrialPage({ protocolId, version, user }: { protocolId: string; version?: number; user: User }) {
  const page = useResource(() => loadTrial(protocolId, version), `${protocolId}@${version ?? ''}`);
  const [cohort, setCohort] = useState('all');
  if (!page.data) return page.error ? <LoadError error={page.error} onRetry={page.reload} /> : <Loading label="Loading the trial…" />;
  const { protocol, versions, trial, outcomes, patients } = page.data;
  const cohorts = outcomes.cohorts;
  const group: OutcomeGroup = cohorts.find((c) => c.cohort === cohort) ?? outcomes;
  const status = STATUS[trial.status] ?? { label: sentence(trial.status), color: 'gray' };
  const levelLabel = (n: number | null) => trial.levels.find((l) => l.level === n)?.label;

  return (
    <Stack gap="lg">
      <PageHeader
        crumbs={[{ label: 'Trials', href: href.trials() }, { label: protocol.id }]}
        title={<span data-testid="trial-title">{protocol.title}</span>}
        badges={
          <Badge color={status.color} variant="light" data-testid="trial-status">
            {status.label}
          </Badge>
        }
        subtitle={[protocol.registryId, protocol.phase, protocol.product].filter(Boolean).join(' · ')}
        actions={
          <Group gap="sm">
            {versions.length > 1 && (
              <>
                <SegmentedControl
                  size="xs"
                  value={String(protocol.version)}
                  data={versions.map((v) => ({ value: String(v), label: `Version ${v}` }))}
                  onChange={(v) => navigate(href.trial(protocol.id, Number(v)))}
                />
                <Button component="a" href={href.amendments(protocol.id)} size="xs" variant="light" data-testid="amendments-link">
                  Amendments
                </Button>
              </>
            )}
            <ExportButton
              label={version ? `SDTM of version ${version} (zip)` : 'SDTM (zip)'}
              title="CDISC SDTM tables (DM, EX, AE, SUPPAE, RS, LB, DV) of your sites' patients, as CSV in a zip"
              role={user.role}
              export="exportSdtm"
              fetchFile={() => api.sdtm(protocol.id, version)}
              testId="export-sdtm"
            />
          </Group>
        }
      />

      <SimpleGrid cols={{ base: 2, md: 3, lg: 6 }}>
        <div>
          <Stat label="Enrolled" value={`${trial.enrolled} / ${trial.target}`} testId="stat-enrolled" />
          <Progress value={trial.target ? (100 * trial.enrolled) / trial.target : 0} size="sm" mt={4} aria-label="enrollment against target" />
        </div>
        <Stat label="Infused" value={outcomes.infused} hint={`${outcomes.participants} registered`} />
        <Stat label="Dose level now" value={formatLevel(trial.currentDoseLevel)} hint={levelLabel(trial.currentDoseLevel)} testId="stat-level" />
        <Stat label="MTD" value={trial.mtd === null ? 'not yet' : formatLevel(trial.mtd)} hint={trial.mtd === null ? undefined : levelLabel(trial.mtd)} testId="stat-mtd" />
        <OrrStat response={outcomes.response} />
        <Stat label="Grade ≥ 3 AEs" value={outcomes.safety.participantsWithGrade3OrWorse} hint={`of ${outcomes.safety.treated} treated`} />
      </SimpleGrid>

      {!trial.enrollmentOpen && trial.enrollmentClosedReasons.length > 0 && (
        <Text size="sm" c="orange.8">
          Enrollment is closed: {trial.enrollmentClosedReasons.map(sentence).join('; ')}.
        </Text>
      )}

      <Section
        title="Dose escalation"
        description={
          trial.doseEscalation
            ? `${trial.doseEscalation.design} design${trial.doseEscalation.cohortSize ? `, cohorts of ${trial.doseEscalation.cohortSize}` : ''}${
                trial.doseEscalation.staggerDays ? `, infusions at least ${trial.doseEscalation.staggerDays} days apart` : ''
              }. ${trial.pending.length} patient${trial.pending.length === 1 ? '' : 's'} awaiting DLT evaluation.`
            : `Single dose level. ${trial.pending.length} patient${trial.pending.length === 1 ? '' : 's'} awaiting DLT evaluation.`
        }
        testId="escalation-section"
      >
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, lg: 5 }}>
            <LevelsTable trial={trial} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 7 }}>
            <EscalationChart patients={patients} levels={protocol.doseLevels} mtd={trial.mtd} />
          </Grid.Col>
        </Grid>
        <DecisionsTable trial={trial} />
        <HoldsList trial={trial} />
      </Section>

      <TrialDeviations protocolId={protocol.id} />

      {cohorts.length > 0 && (
        <Group gap="sm">
          <Text size="sm" fw={600}>
            Outcomes for
          </Text>
          <SegmentedControl
            size="xs"
            value={cohort}
            onChange={setCohort}
            data={[{ value: 'all', label: 'All patients' }, ...cohorts.map((c) => ({ value: c.cohort, label: `Cohort ${c.cohort}` }))]}
          />
        </Group>
      )}

      <Section
        title="Vein to vein"
        description="Whole calendar days from apheresis to product release to infusion, per site (another site's patients pooled as “Other sites”); the apheresed patients never infused, and why."
        testId="vein-to-vein-section"
      >
        <VeinToVeinTables figures={group.veinToVein} />
      </Section>

      <Section
        title="Survival"
        description={`Kaplan–Meier estimates in days from infusion, as of ${formatDateTime(outcomes.asOf)}; + marks a censored patient, shading the 95% CI.`}
        testId="survival-section"
      >
        <SimpleGrid cols={{ base: 1, md: 3 }}>
          <SurvivalChart title="Overall survival" km={group.survival.os} testId="km-os" />
          <SurvivalChart title="Progression-free survival" km={group.survival.pfs} testId="km-pfs" />
          <SurvivalChart title="Event-free survival" km={group.survival.efs} testId="km-efs" />
        </SimpleGrid>
      </Section>

      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Section title="Response" description={`${criteriaLabel(group.response.criteria)}; best response per infused patient.`} testId="response-section">
            <ResponseTables group={group} />
          </Section>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Section
            title="Adverse events by grade"
            description={`${group.safety.participantsWithGrade3OrWorse} of ${group.safety.treated} treated (infused) participant(s) with a grade ≥ 3 event.`}
            testId="safety-section"
          >
            <AeTable group={group} />
          </Section>
        </Grid.Col>
      </Grid>

      <Section title="CAR-T kinetics" description="CAR copies in blood by study day (Day 0 = infusion); Cmax, Tmax and AUC 0–28 by the trapezoid rule." testId="kinetics-section">
        <KineticsChart rows={group.kinetics.perPatient} />
        <Grid gap="lg">
          <Grid.Col span={{ base: 12, lg: 7 }}>
            <KineticsTable group={group} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 5 }}>
            <CytokineTable group={group} />
          </Grid.Col>
        </Grid>
      </Section>

      <DataIssues issues={outcomes.dataIssues ?? []} leftOutOf="the outcomes above" />

      <Section title="Protocol state machine" description="Generated from the machine the engine runs; events label the transitions." testId="diagram-section">
        <StateDiagram protocolId={protocol.id} version={protocol.version} />
      </Section>
    </Stack>
  );
}

function criteriaLabel(criteria: string): string {
  if (criteria === 'BY_COHORT') return "Each patient by its cohort's criteria (ALL or Lugano 2014)";
  return `${criteria === 'LUGANO_2014' ? 'Lugano 2014' : 'ALL'} criteria`;
}

/**
 * The ORR over the infused patients (best response to date), saying how many have no assessment yet:
 * with none assessed there is no rate to show, not a 0 %.
 */
function OrrStat({ response }: { response: OutcomeGroup['response'] }) {
  const { orr } = response;
  const unassessed = response.bestResponse.find((row) => row.response === 'not assessed')?.patients ?? 0;
  const pending = unassessed ? ` · ${unassessed} not assessed yet` : '';
  if (orr.n > 0 && unassessed === orr.n) return <Stat label="ORR" value="not yet" hint={`none of ${orr.n} infused assessed yet`} testId="stat-orr" />;
  return <Stat label="ORR" value={formatPercent(orr.rate, 0)} hint={`${orr.successes} of ${orr.n} infused${pending}`} testId="stat-orr" />;
}
