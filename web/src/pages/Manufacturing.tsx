import { useState } from 'react';
import { Alert, Anchor, Badge, Button, Group, NumberInput, Stack, Table, Text, TextInput } from '@mantine/core';
import { api } from '../api/client';
import type { ManufacturingCapacity, User } from '../api/types';
import { ExplanationAlert, LoadError, Loading, NoData } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { Section } from '../components/Section';
import { explain } from '../lib/errors';
import { formatDate } from '../lib/format';
import type { Explanation } from '../lib/refusal';
import { href } from '../lib/router';
import { useResource } from '../lib/use-resource';

/** Every manufacturing site's weeks from the current one. */
async function readCapacities(): Promise<ManufacturingCapacity[]> {
  const { items } = await api.manufacturingSites();
  return Promise.all(items.map((site) => api.capacity(site.id)));
}

/**
 * Manufacturing capacity (README, "Manufacturing capacity"): each manufacturing site's weeks with
 * their booked and free slots, the patients in them (another site's counted, not named), and the
 * queue in order. An admin creates a site here.
 */
export default function ManufacturingPage({ user }: { user: User }) {
  const capacities = useResource(readCapacities, 'manufacturing');
  if (!capacities.data) return capacities.error ? <LoadError error={capacities.error} onRetry={capacities.reload} /> : <Loading label="Loading manufacturing capacity…" />;
  return (
    <Stack gap="lg">
      <PageHeader title="Manufacturing" subtitle="Slots per ISO week at each manufacturing site, booked at enrollment; the queue waits for the next free slot." />
      {capacities.data.length === 0 && <NoData>No manufacturing site is defined yet: patients are enrolled without a slot.</NoData>}
      {capacities.data.map((capacity) => (
        <SiteCapacity key={capacity.site.id} capacity={capacity} />
      ))}
      {user.role === 'admin' && <CreateSiteForm onCreated={capacities.reload} />}
    </Stack>
  );
}

function Holder({ holder }: { holder: ManufacturingCapacity['queue'][number] | ManufacturingCapacity['weeks'][number]['patients'][number] }) {
  if (!holder.patientId)
    return (
      <Text span size="sm" c="dimmed">
        another site's patient
      </Text>
    );
  return (
    <Anchor href={href.patient(holder.patientId)} size="sm" fw={600}>
      {holder.subjectId}
    </Anchor>
  );
}

function SiteCapacity({ capacity }: { capacity: ManufacturingCapacity }) {
  const { site, weeks, queue } = capacity;
  return (
    <Section
      title={site.name}
      description={`${site.id} · makes product for ${site.protocolIds.join(', ') || 'no trial'} · ${site.slotsPerWeek} slots a week · release ${site.releaseDays} days after the slot's Monday · books ${site.horizonWeeks} weeks ahead (to ${capacity.lastBookableWeek})`}
      testId={`capacity-${site.id}`}
    >
      <Table.ScrollContainer minWidth={620}>
        <Table verticalSpacing={6} data-testid="capacity-weeks">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Week</Table.Th>
              <Table.Th>Starts</Table.Th>
              <Table.Th>Expected release</Table.Th>
              <Table.Th className="num">Booked</Table.Th>
              <Table.Th className="num">Free</Table.Th>
              <Table.Th>Patients</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {weeks.map((w) => (
              <Table.Tr key={w.week} data-week={w.week}>
                <Table.Td className="nowrap">{w.week}</Table.Td>
                <Table.Td className="nowrap">{formatDate(w.weekStart)}</Table.Td>
                <Table.Td className="nowrap">{formatDate(w.expectedRelease)}</Table.Td>
                <Table.Td className="num" data-testid="week-taken">
                  {w.taken} of {w.slots}
                </Table.Td>
                <Table.Td className="num" data-testid="week-free">
                  {w.free === 0 ? (
                    <Badge color="orange" variant="light">
                      full
                    </Badge>
                  ) : (
                    w.free
                  )}
                </Table.Td>
                <Table.Td>
                  <Group gap="xs">
                    {w.patients.map((p, i) => (
                      <Group gap={4} key={p.patientId ?? `other-${i}`}>
                        <Holder holder={p} />
                        {p.status === 'consumed' && (
                          <Badge size="xs" variant="light" color="gray">
                            in manufacture
                          </Badge>
                        )}
                      </Group>
                    ))}
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Text size="sm" fw={600}>
        Queue
      </Text>
      {queue.length === 0 ? (
        <NoData>Nobody is waiting for a slot.</NoData>
      ) : (
        <Table verticalSpacing={4} data-testid="capacity-queue">
          <Table.Thead>
            <Table.Tr>
              <Table.Th className="num">Position</Table.Th>
              <Table.Th>Patient</Table.Th>
              <Table.Th>Waiting since</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {queue.map((q) => (
              <Table.Tr key={q.position}>
                <Table.Td className="num">{q.position}</Table.Td>
                <Table.Td>
                  <Holder holder={q} />
                </Table.Td>
                <Table.Td>{formatDate(q.queuedAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Section>
  );
}

/** An admin's form for a new manufacturing site; the server's refusal is shown as it words it. */
function CreateSiteForm({ onCreated }: { onCreated: () => Promise<void> | void }) {
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const [trials, setTrials] = useState('');
  const [slotsPerWeek, setSlots] = useState<number | string>(2);
  const [releaseDays, setReleaseDays] = useState<number | string>(17);
  const [horizonWeeks, setHorizon] = useState<number | string>(8);
  const [problem, setProblem] = useState<Explanation | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit() {
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      const site = await api.createManufacturingSite({
        id: id.trim(),
        name: name.trim(),
        protocolIds: trials
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
        slotsPerWeek: Number(slotsPerWeek),
        releaseDays: Number(releaseDays),
        horizonWeeks: Number(horizonWeeks),
      });
      setDone(`Manufacturing site ${site.name} created.`);
      setId('');
      setName('');
      setTrials('');
      await onCreated();
    } catch (error) {
      setProblem(explain(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section title="New manufacturing site" description="A trial has one manufacturing site; its patients book a slot there when they are enrolled." testId="create-site">
      <form
        noValidate
        data-testid="create-site-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Stack gap="xs">
          <Group align="flex-start" gap="md" wrap="wrap">
            <TextInput label="Id" value={id} onChange={(e) => setId(e.currentTarget.value)} required w={160} data-testid="site-id" />
            <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} required style={{ flex: 1, minWidth: 200 }} data-testid="site-name" />
            <TextInput
              label="Trials"
              description="Protocol ids, separated by commas"
              value={trials}
              onChange={(e) => setTrials(e.currentTarget.value)}
              style={{ flex: 1, minWidth: 200 }}
              data-testid="site-trials"
            />
          </Group>
          <Group align="flex-start" gap="md" wrap="wrap">
            <NumberInput label="Slots per week" value={slotsPerWeek} onChange={setSlots} min={0} w={150} data-testid="site-slots" />
            <NumberInput label="Days to release" value={releaseDays} onChange={setReleaseDays} min={1} w={150} data-testid="site-release-days" />
            <NumberInput label="Horizon (weeks)" value={horizonWeeks} onChange={setHorizon} min={1} w={150} data-testid="site-horizon" />
          </Group>
          {problem && <ExplanationAlert explanation={problem} onClose={() => setProblem(null)} />}
          {done && (
            <Alert color="teal" variant="light" data-testid="site-created">
              {done}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={busy} disabled={!id.trim() || !name.trim()} data-testid="site-submit">
              Create the site
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}
