import { useState } from 'react';
import { Alert, Anchor, Button, Group, List, Stack, Text, TextInput } from '@mantine/core';
import { api } from '../../api/client';
import type { LogEntry, Patient, ProtocolDefinition, User } from '../../api/types';
import { ClinicalDate } from '../../components/Dates';
import { ExplanationAlert } from '../../components/Feedback';
import { Section } from '../../components/Section';
import { UtcDateTimeInput } from '../../forms/UtcDateTimeInput';
import { explain } from '../../lib/errors';
import { formatDate, humanizeEvent, humanizeState, listInWords } from '../../lib/format';
import type { Explanation } from '../../lib/refusal';
import { href, navigate } from '../../lib/router';

/**
 * The re-consent an amendment asked of this patient: while due, what is refused until the new
 * consent is recorded; once declined, the rules the patient now follows (docs/design.md, "Amendments").
 */
export function ReconsentBanner({ patient, protocol }: { patient: Patient; protocol: ProtocolDefinition }) {
  const reconsent = patient.record.reconsent;
  if (!reconsent || reconsent.status === 'signed') return null;
  const onDecline = protocol.amendment?.migration?.reconsent?.onDecline;
  if (reconsent.status === 'declined') {
    return (
      <Alert color="gray" variant="light" title="Re-consent declined" data-testid="reconsent-banner" data-status="declined">
        <Text size="sm">
          The patient declined consent version {reconsent.consentVersion} of amendment version {reconsent.amendment}
          {reconsent.settledAt ? ` on ${formatDate(reconsent.settledAt)}` : ''}.{onDecline ? ` ${onDecline}` : ''}
          {reconsent.addedVisits.length ? ` The visits the amendment added (${reconsent.addedVisits.join(', ')}) are not required of this patient.` : ''}
        </Text>
      </Alert>
    );
  }
  return (
    <Alert color="orange" variant="light" title="Re-consent due" data-testid="reconsent-banner" data-status="due">
      <Text size="sm">
        Amendment version {reconsent.amendment} asks this patient to sign consent version {reconsent.consentVersion} (due since {formatDate(reconsent.dueSince)}). Until Consent
        signed with version {reconsent.consentVersion} is recorded, {listInWords(reconsent.blocks.map(humanizeEvent))} {reconsent.blocks.length === 1 ? 'is' : 'are'} refused. If
        the patient declines, record Reconsent declined
        {onDecline ? `: ${onDecline}` : '.'}
      </Text>
    </Alert>
  );
}

/** The amendments that moved the patient, the trial it rolled over from, the follow-up protocol it rolled into. */
export function ProtocolHistory({ patient, events }: { patient: Patient; events: LogEntry[] }) {
  const { migrations, rollover } = patient.record;
  const rolledInto = events.filter((e) => e.type === 'ROLLED_OVER').map((e) => e.data as { to: string; patientId: string; subjectId: string });
  if (!migrations.length && !rollover && !rolledInto.length) return null;
  return (
    <Section title="Protocol versions" description="Amendments that moved this patient, and long-term follow-up." testId="protocol-history">
      <List size="sm" spacing={4}>
        {migrations.map((m) => (
          <List.Item key={`${m.from}-${m.to}`} data-testid="migration">
            Moved from version {m.from} to version {m.to} on <ClinicalDate iso={m.at} />
            {m.fromState === m.toState ? ` (${humanizeState(m.toState)})` : ` (${humanizeState(m.fromState)} → ${humanizeState(m.toState)})`}
          </List.Item>
        ))}
        {rollover && (
          <List.Item data-testid="rolled-over-from">
            Rolled over on <ClinicalDate iso={rollover.rolledOverAt} /> from <Anchor href={href.patient(rollover.parentPatientId)}>{rollover.parentSubjectId}</Anchor> on{' '}
            {rollover.parentProtocol}; Day 0 is the parent trial's.
          </List.Item>
        )}
        {rolledInto.map((r) => (
          <List.Item key={r.patientId} data-testid="rolled-over-to">
            Rolled over into long-term follow-up: <Anchor href={href.patient(r.patientId)}>{r.subjectId}</Anchor> on {r.to}
          </List.Item>
        ))}
      </List>
    </Section>
  );
}

/**
 * Rolling a patient who finished the trial over into the long-term follow-up protocol that takes it,
 * with the follow-up consent the patient signed; the new record keeps this one's Day 0.
 */
export function RolloverForm({ patient, events, followUp, user }: { patient: Patient; events: LogEntry[]; followUp: ProtocolDefinition[]; user: User }) {
  const [consentVersion, setConsentVersion] = useState('');
  const [signedAt, setSignedAt] = useState<string | undefined>();
  const [subjectId, setSubjectId] = useState('');
  const [problem, setProblem] = useState<Explanation | null>(null);
  const [busy, setBusy] = useState(false);
  const protocolId = patient.protocol.slice(0, patient.protocol.lastIndexOf('@'));
  const target = followUp.find((p) => p.rollover?.parents.includes(protocolId) && p.rollover.fromStates.includes(patient.state));
  if (!target || user.role === 'monitor' || events.some((e) => e.type === 'ROLLED_OVER')) return null;

  async function submit() {
    if (!target || !signedAt) return;
    setBusy(true);
    setProblem(null);
    try {
      const answer = await api.rollover(patient.id, {
        protocolId: target.id,
        consentVersion: consentVersion.trim(),
        consentSignedAt: signedAt,
        ...(subjectId.trim() ? { subjectId: subjectId.trim() } : {}),
      });
      navigate(href.patient(answer.patient.id));
    } catch (error) {
      setProblem(explain(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section
      title="Long-term follow-up"
      description={`${target.title}: the patient is followed for ${Math.round(target.followUpDays / 365.25)} years from Day 0 under a new record that keeps this one's Day 0.`}
      testId="rollover"
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Stack gap="xs">
          <Group align="flex-start" gap="md" wrap="wrap">
            <TextInput
              label="Follow-up consent version"
              value={consentVersion}
              onChange={(e) => setConsentVersion(e.currentTarget.value)}
              required
              w={200}
              data-testid="rollover-consent"
            />
            <UtcDateTimeInput label="Consent signed" value={signedAt} onChange={setSignedAt} required testId="rollover-signed-at" />
            <TextInput
              label="Subject id"
              description="Leave empty to keep this one"
              value={subjectId}
              onChange={(e) => setSubjectId(e.currentTarget.value)}
              w={200}
              data-testid="rollover-subject"
            />
          </Group>
          {problem && <ExplanationAlert explanation={problem} onClose={() => setProblem(null)} />}
          <Group>
            <Button type="submit" loading={busy} disabled={!consentVersion.trim() || !signedAt} data-testid="rollover-submit">
              Roll over into {target.id}
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}
