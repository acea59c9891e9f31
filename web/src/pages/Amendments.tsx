import { Anchor, Badge, Group, List, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { api } from '../api/client';
import { protocolDefinition } from '../api/cache';
import type { Amendments, ProtocolDefinition, User } from '../api/types';
import { LoadError, Loading, NoData } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { Section } from '../components/Section';
import { formatDate, humanizeEvent, humanizeState, listInWords } from '../lib/format';
import { href, navigate } from '../lib/router';
import { useResource } from '../lib/use-resource';
import { ApprovalForm, ApprovalsTable } from './amendments/Approvals';
import { MigrationPreviewSection } from './amendments/Preview';

type Amendment = Amendments['amendments'][number];

interface AmendmentsData {
  amendments: Amendment[];
  /** The protocol definition of each amendment's version: its migration rules. */
  definitions: Map<number, ProtocolDefinition>;
  title: string;
}

async function loadAmendments(protocolId: string): Promise<AmendmentsData> {
  const [answer, newest] = await Promise.all([api.amendments(protocolId), protocolDefinition(protocolId)]);
  const definitions = await Promise.all(answer.amendments.map((a) => protocolDefinition(protocolId, a.version)));
  return { amendments: answer.amendments, definitions: new Map(definitions.map((d) => [d.version, d])), title: newest.title };
}

/**
 * A trial's amendments: what each changes for the patients already on study, each site's IRB/ethics
 * approval (recorded here by an admin), the dry run of moving a site's patients, and the signed
 * migration itself (docs/design.md, "Amendments").
 */
export default function AmendmentsPage({ protocolId, version, user }: { protocolId: string; version?: number; user: User }) {
  const page = useResource(() => loadAmendments(protocolId), `amendments:${protocolId}`);
  if (!page.data) return page.error ? <LoadError error={page.error} onRetry={page.reload} /> : <Loading label="Loading the amendments…" />;
  const { amendments, definitions, title } = page.data;
  const crumbs = [{ label: 'Trials', href: href.trials() }, { label: protocolId, href: href.trial(protocolId) }, { label: 'Amendments' }];
  if (!amendments.length) {
    return (
      <Stack gap="lg">
        <PageHeader crumbs={crumbs} title="Amendments" subtitle={title} />
        <NoData>This trial has not been amended: every patient is on its first protocol version.</NoData>
      </Stack>
    );
  }
  // The amendment shown: the one asked for, else the newest that moves patients on study, else the newest.
  const chosen = amendments.find((a) => a.version === version) ?? [...amendments].reverse().find((a) => definitions.get(a.version)?.amendment?.migration) ?? amendments.at(-1)!;
  const definition = definitions.get(chosen.version);
  const migration = definition?.amendment?.migration;

  return (
    <Stack gap="lg">
      <PageHeader
        crumbs={crumbs}
        title={<span data-testid="amendments-title">Amendments</span>}
        subtitle={title}
        actions={
          amendments.length > 1 ? (
            <SegmentedControl
              size="xs"
              value={String(chosen.version)}
              data={amendments.map((a) => ({ value: String(a.version), label: `Version ${a.version}` }))}
              onChange={(v) => navigate(href.amendments(protocolId, Number(v)))}
            />
          ) : undefined
        }
      />

      <Section
        title="Amendments of this trial"
        description="Each amendment is a new protocol version; the newest approved at a site is the one new patients there register on."
        testId="amendment-list"
      >
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing={6}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Version</Table.Th>
                <Table.Th>Effective</Table.Th>
                <Table.Th>Summary</Table.Th>
                <Table.Th>Reaches patients on study</Table.Th>
                <Table.Th>Site approvals</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {amendments.map((a) => (
                <Table.Tr key={a.version} data-version={a.version} aria-selected={a.version === chosen.version}>
                  <Table.Td>
                    <Anchor href={href.amendments(protocolId, a.version)} fw={a.version === chosen.version ? 700 : 500}>
                      Version {a.version}
                    </Anchor>
                  </Table.Td>
                  <Table.Td className="nowrap">{formatDate(a.effective)}</Table.Td>
                  <Table.Td>{a.summary}</Table.Td>
                  <Table.Td>{definitions.get(a.version)?.amendment?.migration ? 'Yes, by migration' : 'New patients only'}</Table.Td>
                  <Table.Td>{a.siteApproval ? `${a.sites.length} site${a.sites.length === 1 ? '' : 's'} approved` : 'Not needed'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Section>

      <Section
        title={`What version ${chosen.version} changes for patients already on study`}
        description={migration ? `Patients on version ${listInWords(migration.fromVersions.map(String))} can be moved, one signed entry in each patient's log.` : undefined}
        testId="migration-rules"
      >
        {migration ? (
          <Stack gap="xs">
            <Group gap={6}>
              <Text size="sm" fw={600}>
                States moved:
              </Text>
              {Object.entries(migration.states).map(([from, to]) => (
                <Badge key={from} variant="light" color="blue" tt="none">
                  {from === to ? humanizeState(from) : `${humanizeState(from)} → ${humanizeState(to)}`}
                </Badge>
              ))}
            </Group>
            {Object.keys(migration.unmapped).length > 0 && (
              <div>
                <Text size="sm" fw={600}>
                  States not moved, and why:
                </Text>
                <List size="sm" spacing={2}>
                  {Object.entries(migration.unmapped).map(([state, why]) => (
                    <List.Item key={state}>
                      {humanizeState(state)}: {why}
                    </List.Item>
                  ))}
                </List>
              </div>
            )}
            {migration.reconsent && (
              <Text size="sm" data-testid="reconsent-rule">
                Re-consent to consent version {migration.reconsent.consentVersion} is required before {migration.reconsent.before}: until it is recorded{' '}
                {listInWords(migration.reconsent.blocks.map(humanizeEvent))} {migration.reconsent.blocks.length === 1 ? 'is' : 'are'} refused. If the patient declines:{' '}
                {migration.reconsent.onDecline}
              </Text>
            )}
          </Stack>
        ) : (
          <NoData>This amendment reaches new patients only: the patients already on study stay on their version.</NoData>
        )}
      </Section>

      {chosen.siteApproval && (
        <Section
          title="Site approvals"
          description={`In force at a site from the day its IRB/ethics approval is recorded; until then nothing moves there and new patients register on the earlier version.${
            user.siteIds === 'all' ? '' : ' Only your sites are listed.'
          }`}
          testId="site-approvals"
        >
          <ApprovalsTable approvals={chosen.sites} />
          {user.role === 'admin' && <ApprovalForm protocolId={protocolId} amendment={chosen} onRecorded={page.reload} />}
        </Section>
      )}

      {migration && <MigrationPreviewSection protocolId={protocolId} version={chosen.version} user={user} />}
    </Stack>
  );
}
