import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Group, List, SegmentedControl, Select, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import { api } from '../../api/client';
import type { MigrationPreviewRow, User } from '../../api/types';
import { ClinicalDate } from '../../components/Dates';
import { LoadError, Loading, NoData } from '../../components/Feedback';
import { Section } from '../../components/Section';
import { SignatureDialog, type Signature } from '../../components/SignatureDialog';
import { Stat } from '../../components/Stat';
import { formatDate, formatDateTime, humanizeState } from '../../lib/format';
import { href } from '../../lib/router';
import { useResource } from '../../lib/use-resource';

type Status = MigrationPreviewRow['status'];
type Timer = MigrationPreviewRow['timers']['added'][number];

const STATUS: Record<Status, { label: string; color: string }> = {
  migratable: { label: 'Can be moved', color: 'blue' },
  unmigratable: { label: 'Cannot be moved', color: 'red' },
  awaitingApproval: { label: 'Awaiting site approval', color: 'orange' },
  migrated: { label: 'Moved', color: 'teal' },
};

const TIMER_KINDS: Record<string, string> = {
  'visit-reminder': 'reminder',
  'visit-closing': 'window closing',
  'visit-missed': 'missed if not done',
  'dlt-window': 'DLT window closes',
  'dlt-window-ending': 'DLT window closing notice',
  'follow-up-end': 'end of follow-up',
};

/** "visit-reminder.MAL-Y1" → "MAL-Y1 reminder". */
function timerLabel(sendId: string): string {
  const [kind = sendId, subject] = sendId.split('.', 2);
  const words = TIMER_KINDS[kind] ?? kind.replace(/-/g, ' ');
  return subject ? `${subject} ${words}` : words;
}

function TimerList({ timers, verb }: { timers: Timer[]; verb: string }) {
  if (!timers.length) return null;
  return (
    <Text size="xs">
      {verb}:{' '}
      {timers.map((t, i) => (
        <span key={t.sendId} className="nowrap">
          {timerLabel(t.sendId)} {t.from ? `${formatDate(t.from)} → ` : ''}
          {formatDate(t.dueAt)}
          {i < timers.length - 1 ? '; ' : ''}
        </span>
      ))}
    </Text>
  );
}

type Pending = { kind: 'patient'; row: MigrationPreviewRow } | { kind: 'site'; siteId: string };

/**
 * The dry run of an amendment over the caller's sites (or one): each patient on an earlier version,
 * the state it would map to, the visits and timers added, moved or cancelled, and why a patient
 * cannot be moved; nothing is written until an investigator signs, for one patient or a whole site.
 */
export function MigrationPreviewSection({ protocolId, version, user }: { protocolId: string; version: number; user: User }) {
  const mySites = user.siteIds === 'all' ? [] : user.siteIds;
  const [siteId, setSiteId] = useState<string>(mySites.length === 1 ? mySites[0]! : '');
  const [filter, setFilter] = useState<Status | 'all'>('all');
  const [pending, setPending] = useState<Pending | null>(null);
  const [outcome, setOutcome] = useState<{ color: string; lines: string[] } | null>(null);
  const preview = useResource(() => api.previewMigration(protocolId, version, siteId || undefined), `${protocolId}@${version}@${siteId}`);
  const mayMove = user.role === 'investigator';

  if (!preview.data) return preview.error ? <LoadError error={preview.error} onRetry={preview.reload} /> : <Loading label="Computing the dry run…" />;
  const p = preview.data;
  const siteOptions = [...new Set([...mySites, ...p.patients.map((r) => r.siteId), ...(siteId ? [siteId] : [])])].sort();
  const rows = p.patients.filter((r) => filter === 'all' || r.status === filter);
  const movableAtSite = siteId ? p.patients.filter((r) => r.status === 'migratable').length : 0;

  async function sign(signature: Signature) {
    if (!pending) return;
    if (pending.kind === 'patient') {
      const answer = await api.migratePatient(pending.row.patientId, { toVersion: version, signature });
      const m = answer.migration;
      setOutcome({
        color: 'teal',
        lines: [
          answer.replayed
            ? `${pending.row.subjectId} had been moved to version ${version} before: nothing was written.`
            : `${pending.row.subjectId} moved to version ${version} (log entry #${answer.seq}): ${humanizeState(m.fromState)} → ${humanizeState(m.toState)}; ${m.visits.added.length} visit(s) added, ${m.timers.added.length} timer(s) added, ${m.timers.moved.length} moved, ${m.timers.cancelled.length} cancelled.`,
        ],
      });
    } else {
      const answer = await api.migrateSite(protocolId, version, { siteId: pending.siteId, signature });
      const count = (o: string) => answer.patients.filter((x) => x.outcome === o).length;
      setOutcome({
        color: count('refused') ? 'orange' : 'teal',
        lines: [
          `Site ${answer.siteId}: ${count('migrated')} moved, ${count('alreadyMigrated')} moved before, ${count('refused')} refused.`,
          ...answer.patients.filter((x) => x.outcome === 'refused').map((x) => `${x.subjectId}: ${(x.reasons ?? []).join('; ')}`),
        ],
      });
    }
    await preview.reload();
  }

  return (
    <Section
      title="Dry run: the patients already on study"
      description={`Computed as of ${formatDateTime(p.at)}; nothing is written until an investigator signs.`}
      testId="migration-preview"
      actions={
        siteOptions.length > 1 || user.siteIds === 'all' ? (
          <Select
            size="xs"
            w={180}
            aria-label="Site"
            value={siteId}
            onChange={(v) => setSiteId(v ?? '')}
            data={[{ value: '', label: user.siteIds === 'all' ? 'All sites' : 'All my sites' }, ...siteOptions.map((s) => ({ value: s, label: `Site ${s}` }))]}
            allowDeselect={false}
            data-testid="preview-site"
          />
        ) : undefined
      }
    >
      <SimpleGrid cols={{ base: 2, md: 4 }}>
        <Stat label="Can be moved" value={p.counts.migratable} testId="count-migratable" />
        <Stat label="Awaiting site approval" value={p.counts.awaitingApproval} testId="count-awaitingApproval" />
        <Stat label="Cannot be moved" value={p.counts.unmigratable} testId="count-unmigratable" />
        <Stat label="Moved already" value={p.counts.migrated} testId="count-migrated" />
      </SimpleGrid>
      {outcome && (
        <Alert color={outcome.color} variant="light" withCloseButton onClose={() => setOutcome(null)} data-testid="migration-outcome">
          <Stack gap={2}>
            {outcome.lines.map((line) => (
              <Text size="sm" key={line}>
                {line}
              </Text>
            ))}
          </Stack>
        </Alert>
      )}
      <Group justify="space-between">
        <SegmentedControl
          size="xs"
          value={filter}
          onChange={(v) => setFilter(v as Status | 'all')}
          data={[{ value: 'all', label: 'All' }, ...(Object.keys(STATUS) as Status[]).map((s) => ({ value: s, label: STATUS[s].label }))]}
          data-testid="preview-filter"
        />
        {mayMove && siteId && movableAtSite > 0 && (
          <Button size="xs" onClick={() => setPending({ kind: 'site', siteId })} data-testid="migrate-site">
            Move the {movableAtSite} movable patient{movableAtSite === 1 ? '' : 's'} of site {siteId}
          </Button>
        )}
      </Group>
      {rows.length === 0 ? (
        <NoData>{p.patients.length ? 'No patient in this group.' : 'No patient of these sites is on an earlier version.'}</NoData>
      ) : (
        <Table.ScrollContainer minWidth={900}>
          <Table verticalSpacing={6} data-testid="preview-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Subject</Table.Th>
                <Table.Th>Site</Table.Th>
                <Table.Th>State now → after</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Visits</Table.Th>
                <Table.Th>Timers</Table.Th>
                <Table.Th>Why not, or move</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <PreviewRow key={r.patientId} row={r} mayMove={mayMove} onMove={() => setPending({ kind: 'patient', row: r })} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {pending && (
        <SignatureDialog
          opened
          title={pending.kind === 'patient' ? `Move ${pending.row.subjectId} to version ${version}` : `Move the patients of site ${pending.siteId} to version ${version}`}
          action="Sign and move"
          defaultMeaning={
            pending.kind === 'patient'
              ? `I move this patient to protocol version ${version} of ${protocolId} after the site's IRB approval`
              : `I move the patients of site ${pending.siteId} to protocol version ${version} of ${protocolId} after the site's IRB approval`
          }
          onClose={() => setPending(null)}
          sign={sign}
        >
          <Text size="sm">
            {pending.kind === 'patient'
              ? `${pending.row.subjectId} moves from version ${pending.row.version} (${humanizeState(pending.row.state)}) to ${humanizeState(pending.row.toState)}; the timers are re-derived from the record as the dry run shows.`
              : `Each of the ${movableAtSite} patients the dry run lists as movable gets one signed entry in its log; a patient refused does not stop the others.`}
          </Text>
        </SignatureDialog>
      )}
    </Section>
  );
}

function PreviewRow({ row: r, mayMove, onMove }: { row: MigrationPreviewRow; mayMove: boolean; onMove: () => void }) {
  const notRequired = new Map(r.visits.notRequired.map((v) => [v.visit, v.reason]));
  return (
    <Table.Tr data-subject={r.subjectId} data-status={r.status}>
      <Table.Td>
        <Anchor href={href.patient(r.patientId)} fw={600} className="nowrap">
          {r.subjectId}
        </Anchor>
        <Text size="xs" c="dimmed">
          version {r.version}
        </Text>
      </Table.Td>
      <Table.Td>{r.siteId}</Table.Td>
      <Table.Td className="nowrap">
        {humanizeState(r.state)} → {r.toState ? humanizeState(r.toState) : '—'}
      </Table.Td>
      <Table.Td>
        <Badge color={STATUS[r.status].color} variant="light" tt="none">
          {STATUS[r.status].label}
        </Badge>
        {r.migratedAt && (
          <Text size="xs" c="dimmed">
            on <ClinicalDate iso={r.migratedAt} />
          </Text>
        )}
        {r.reconsent && r.status !== 'unmigratable' && (
          <Text size="xs" c="dimmed">
            re-consent to {r.reconsent.consentVersion} before {r.reconsent.before}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {r.visits.added.length === 0 && r.visits.dropped.length === 0 ? (
          '—'
        ) : (
          <Stack gap={0}>
            {r.visits.added.map((v) => (
              <Text size="xs" key={v}>
                + {v}
                {notRequired.has(v) ? ` (not required: ${notRequired.get(v)})` : ''}
              </Text>
            ))}
            {r.visits.dropped.map((v) => (
              <Text size="xs" key={v}>
                − {v}
              </Text>
            ))}
          </Stack>
        )}
      </Table.Td>
      <Table.Td>
        <TimerList timers={r.timers.added} verb="Added" />
        <TimerList timers={r.timers.moved} verb="Moved" />
        <TimerList timers={r.timers.cancelled} verb="Cancelled" />
        <Text size="xs" c="dimmed">
          {r.timers.kept} kept as they are
        </Text>
      </Table.Td>
      <Table.Td>
        {r.reasons.length > 0 && (
          <List size="xs" spacing={0} data-testid="preview-reasons">
            {r.reasons.map((why) => (
              <List.Item key={why}>{why}</List.Item>
            ))}
          </List>
        )}
        {r.status === 'migratable' && mayMove && (
          <Button size="compact-xs" variant="light" onClick={onMove} data-testid="migrate-patient">
            Move…
          </Button>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
