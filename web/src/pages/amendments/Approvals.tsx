import { useState } from 'react';
import { Alert, Button, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { api } from '../../api/client';
import type { Amendments, SiteApprovalRecord } from '../../api/types';
import { ExplanationAlert, NoData } from '../../components/Feedback';
import { explain } from '../../lib/errors';
import { formatDate, formatDateTime } from '../../lib/format';
import type { Explanation } from '../../lib/refusal';

type Amendment = Amendments['amendments'][number];

/** Each site's approval as it stands, with the corrections that made it so (never overwritten). */
export function ApprovalsTable({ approvals }: { approvals: SiteApprovalRecord[] }) {
  if (!approvals.length) return <NoData>No site has recorded its approval yet: the amendment is in force nowhere.</NoData>;
  return (
    <Table.ScrollContainer minWidth={620}>
      <Table verticalSpacing={6} data-testid="approvals">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Site</Table.Th>
            <Table.Th>Approved on</Table.Th>
            <Table.Th>Reference</Table.Th>
            <Table.Th>Recorded by</Table.Th>
            <Table.Th>Corrections</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {approvals.map((a) => (
            <Table.Tr key={a.siteId} data-site={a.siteId}>
              <Table.Td fw={600}>{a.siteId}</Table.Td>
              <Table.Td className="nowrap">{formatDate(a.approvedOn)}</Table.Td>
              <Table.Td>{a.reference}</Table.Td>
              <Table.Td>
                {a.recordedBy.name}
                <Text size="xs" c="dimmed">
                  {formatDateTime(a.recordedAt)}
                </Text>
              </Table.Td>
              <Table.Td>
                {a.corrections.length === 0
                  ? '—'
                  : a.corrections.map((c) => (
                      <Text size="xs" key={c.recordedAt}>
                        {formatDate(c.replaced.approvedOn)} ({c.replaced.reference}) → {formatDate(c.approvedOn)} ({c.reference}): {c.reason}, by {c.recordedBy.name}
                      </Text>
                    ))}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/**
 * An admin records a site's approval: its date (not before the amendment took effect, not in the
 * future: the server checks) and the committee's reference; a site already approved is corrected,
 * which needs a reason.
 */
export function ApprovalForm({ protocolId, amendment, onRecorded }: { protocolId: string; amendment: Amendment; onRecorded: () => Promise<void> }) {
  const [siteId, setSiteId] = useState('');
  const [approvedOn, setApprovedOn] = useState('');
  const [reference, setReference] = useState('');
  const [reason, setReason] = useState('');
  const [problem, setProblem] = useState<Explanation | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const existing = amendment.sites.find((s) => s.siteId === siteId.trim());

  async function submit() {
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      const site = siteId.trim();
      const approval = await api.recordApproval(protocolId, amendment.version, site, {
        approvedOn,
        reference: reference.trim(),
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      setDone(`Site ${approval.siteId}: approved on ${formatDate(approval.approvedOn)} (${approval.reference}).`);
      setReason('');
      await onRecorded();
    } catch (error) {
      setProblem(explain(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      noValidate
      data-testid="approval-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <Stack gap="xs" mt="sm">
        <Text size="sm" fw={600}>
          Record a site's approval
        </Text>
        <Group align="flex-start" gap="md" wrap="wrap">
          <TextInput label="Site" value={siteId} onChange={(e) => setSiteId(e.currentTarget.value)} required w={160} data-testid="approval-site" />
          <TextInput
            label="Approved on"
            type="date"
            value={approvedOn}
            onChange={(e) => setApprovedOn(e.currentTarget.value)}
            required
            w={170}
            description={`Not before ${formatDate(amendment.effective)}`}
            data-testid="approval-date"
          />
          <TextInput
            label="IRB/ethics reference"
            value={reference}
            onChange={(e) => setReference(e.currentTarget.value)}
            required
            style={{ flex: 1, minWidth: 200 }}
            data-testid="approval-reference"
          />
        </Group>
        {existing && (
          <TextInput
            label="Reason for the correction"
            description={`Site ${existing.siteId} is recorded as approved on ${formatDate(existing.approvedOn)} (${existing.reference}); another date or reference corrects it.`}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            data-testid="approval-reason"
          />
        )}
        {problem && <ExplanationAlert explanation={problem} onClose={() => setProblem(null)} />}
        {done && (
          <Alert color="teal" variant="light" data-testid="approval-recorded">
            {done}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={busy} disabled={!siteId.trim() || !approvedOn || !reference.trim()} data-testid="approval-submit">
            {existing ? 'Correct the approval' : 'Record the approval'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
