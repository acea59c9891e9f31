import { useState } from 'react';
import { Alert, Button, Group, NumberInput, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { api } from '../api/client';
import { protocolDefinition, protocolSummaries } from '../api/cache';
import type { ProtocolDefinition, RegisterPatientBody, User } from '../api/types';
import { ExplanationAlert, LoadError, Loading } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { Section } from '../components/Section';
import { explain } from '../lib/errors';
import { may } from '../lib/permissions';
import type { Explanation } from '../lib/refusal';
import { href, navigate } from '../lib/router';
import { useResource } from '../lib/use-resource';

/** The sex as the registration records it (libs/contract, `registerPatientSchema`). */
const SEXES: Array<{ value: RegisterPatientBody['sex']; label: string }> = [
  { value: 'female', label: 'Female' },
  { value: 'male', label: 'Male' },
  { value: 'other', label: 'Other' },
  { value: 'unknown', label: 'Unknown' },
];

/** The newest version of each protocol a patient can be registered on: a long-term follow-up protocol takes patients by rollover only. */
async function registrableProtocols(): Promise<ProtocolDefinition[]> {
  const definitions = await Promise.all((await protocolSummaries()).map((s) => protocolDefinition(s.id)));
  return definitions.filter((d) => !d.rollover);
}

interface Draft {
  protocolId: string | null;
  cohort: string | null;
  siteId: string;
  subjectId: string;
  sex: RegisterPatientBody['sex'] | null;
  birthDate: string;
  weightKg: number | string;
  heightCm: number | string;
}

/**
 * Registers a patient (README, "Register a patient"): the protocol, its cohort where it has cohorts,
 * one of the user's sites, and what `POST /patients` records about the patient. The server pins the
 * patient to the version in force at the site and checks everything again; a refusal is explained and
 * writes nothing. A registered patient opens on its own page.
 */
export default function RegisterPage({ user }: { user: User }) {
  const protocols = useResource(registrableProtocols, 'registrable-protocols');
  const sites = user.siteIds === 'all' ? null : user.siteIds;
  const [draft, setDraft] = useState<Draft>({
    protocolId: null,
    cohort: null,
    siteId: sites?.length === 1 ? sites[0]! : '',
    subjectId: '',
    sex: null,
    birthDate: '',
    weightKg: '',
    heightCm: '',
  });
  const [problem, setProblem] = useState<Explanation | null>(null);
  const [busy, setBusy] = useState(false);

  if (!may(user.role, 'register')) {
    return (
      <Alert color="gray" title="Not for your role" data-testid="register-not-permitted">
        Patients are registered by a coordinator or an investigator of the site.
      </Alert>
    );
  }
  if (!protocols.data) return protocols.error ? <LoadError error={protocols.error} onRetry={protocols.reload} /> : <Loading label="Loading the protocols…" />;
  const protocol = protocols.data.find((p) => p.id === draft.protocolId);
  const set = (change: Partial<Draft>) => setDraft((d) => ({ ...d, ...change }));
  const complete =
    protocol &&
    (!protocol.cohorts.length || draft.cohort) &&
    draft.siteId.trim() &&
    draft.subjectId.trim() &&
    draft.sex &&
    draft.birthDate &&
    draft.weightKg !== '' &&
    draft.heightCm !== '';

  async function register() {
    if (!protocol || !draft.sex) return;
    setBusy(true);
    setProblem(null);
    try {
      const patient = await api.registerPatient({
        protocolId: protocol.id,
        ...(protocol.cohorts.length && draft.cohort ? { cohort: draft.cohort } : {}),
        siteId: draft.siteId.trim(),
        subjectId: draft.subjectId.trim(),
        sex: draft.sex,
        birthDate: draft.birthDate,
        weightKg: Number(draft.weightKg),
        heightCm: Number(draft.heightCm),
      });
      navigate(href.patient(patient.id));
    } catch (error) {
      setProblem(explain(error));
      setBusy(false);
    }
  }

  return (
    <Stack gap="lg">
      <PageHeader
        crumbs={[{ label: 'Worklist', href: href.worklist() }, { label: 'Register a patient' }]}
        title="Register a patient"
        subtitle="The patient is registered on the protocol version in force at the site, and starts in screening."
      />
      <Section title="Patient" description="Every field is needed; the server checks them again." testId="register-section">
        <form
          noValidate
          data-testid="register-form"
          onSubmit={(e) => {
            e.preventDefault();
            void register();
          }}
        >
          <Stack gap="sm">
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <Select
                label="Protocol"
                placeholder="Choose the trial"
                data={protocols.data.map((p) => ({ value: p.id, label: `${p.title} (${p.id})` }))}
                value={draft.protocolId}
                onChange={(protocolId) => set({ protocolId, cohort: null })}
                required
                data-testid="register-protocol"
              />
              {protocol && protocol.cohorts.length > 0 && (
                <Select
                  label="Cohort"
                  description="This trial registers each patient into a cohort."
                  placeholder="Choose the cohort"
                  data={protocol.cohorts.map((c) => ({ value: c.id, label: `${c.id}: ${c.title}` }))}
                  value={draft.cohort}
                  onChange={(cohort) => set({ cohort })}
                  required
                  data-testid="register-cohort"
                />
              )}
            </SimpleGrid>
            {protocol && (
              <Text size="sm" c="dimmed" data-testid="register-protocol-summary">
                {[protocol.registryId, protocol.phase, protocol.disease].filter(Boolean).join(' · ')} · version {protocol.version} · target {protocol.targetEnrollment} patients
              </Text>
            )}
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {sites ? (
                <Select
                  label="Site"
                  placeholder="One of your sites"
                  data={sites}
                  value={draft.siteId || null}
                  onChange={(siteId) => set({ siteId: siteId ?? '' })}
                  required
                  data-testid="register-site"
                />
              ) : (
                <TextInput
                  label="Site"
                  description="The site's code"
                  value={draft.siteId}
                  onChange={(e) => set({ siteId: e.currentTarget.value })}
                  required
                  data-testid="register-site"
                />
              )}
              <TextInput
                label="Subject id"
                description="Letters, digits, “.”, “-” and “_”; unique on the trial. Never the patient's name."
                value={draft.subjectId}
                onChange={(e) => set({ subjectId: e.currentTarget.value })}
                required
                data-testid="register-subject"
              />
            </SimpleGrid>
            <SimpleGrid cols={{ base: 1, sm: 4 }}>
              <Select label="Sex" data={SEXES} value={draft.sex} onChange={(sex) => set({ sex: sex as Draft['sex'] })} required data-testid="register-sex" />
              <TextInput
                label="Birth date"
                type="date"
                value={draft.birthDate}
                onChange={(e) => set({ birthDate: e.currentTarget.value })}
                required
                data-testid="register-birth-date"
              />
              <NumberInput
                label="Weight (kg)"
                value={draft.weightKg}
                onChange={(weightKg) => set({ weightKg })}
                decimalScale={1}
                hideControls
                required
                data-testid="register-weight"
              />
              <NumberInput
                label="Height (cm)"
                value={draft.heightCm}
                onChange={(heightCm) => set({ heightCm })}
                decimalScale={1}
                hideControls
                required
                data-testid="register-height"
              />
            </SimpleGrid>
            {problem && <ExplanationAlert explanation={problem} onClose={() => setProblem(null)} />}
            <Group>
              <Button type="submit" loading={busy} disabled={!complete} data-testid="register-submit">
                Register
              </Button>
            </Group>
          </Stack>
        </form>
      </Section>
    </Stack>
  );
}
