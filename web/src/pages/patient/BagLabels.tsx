import { useState } from 'react';
import { Button, Group, Image, Paper, Stack, Text } from '@mantine/core';
import { api } from '../../api/client';
import type { Patient } from '../../api/types';
import { ExplanationAlert } from '../../components/Feedback';
import { explain } from '../../lib/errors';
import type { Explanation } from '../../lib/refusal';

type Bag = 'apheresis' | 'product';

/** The chain-of-identity identifier in eye-readable groups: FIN, year, serial in two groups, check character. */
export const groupedCoi = (coi: string) => `${coi.slice(0, 5)} ${coi.slice(5, 7)} ${coi.slice(7, 12)} ${coi.slice(12, 17)} ${coi.slice(17)}`;

/**
 * The patient's chain of identity: the identifier allocated at enrollment, and the labels of the
 * apheresis and product bags (DataMatrix and Code 128), fetched on demand and shown as images.
 */
export function BagLabels({ patient }: { patient: Patient }) {
  const [labels, setLabels] = useState<Partial<Record<Bag, string>>>({});
  const [problem, setProblem] = useState<Explanation | null>(null);
  const coi = patient.chainOfIdentity;
  if (!coi) return null;

  async function show(bag: Bag) {
    setProblem(null);
    try {
      const svg = await api.bagLabel(patient.id, bag);
      setLabels((shown) => ({ ...shown, [bag]: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}` }));
    } catch (error) {
      setProblem(explain(error));
    }
  }

  return (
    <Paper withBorder p="md" data-testid="chain-of-identity">
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap">
          <div>
            <Text size="xs" c="dimmed">
              Chain of identity (ISBT 128)
            </Text>
            <Text ff="monospace" fw={700} data-testid="coi">
              {groupedCoi(coi)}
            </Text>
          </div>
          <Group gap="xs">
            {(['apheresis', 'product'] as const).map((bag) => (
              <Button key={bag} size="xs" variant="light" onClick={() => void show(bag)} data-testid={`show-label-${bag}`}>
                {bag === 'apheresis' ? 'Apheresis bag label' : 'Product bag label'}
              </Button>
            ))}
          </Group>
        </Group>
        {problem && <ExplanationAlert explanation={problem} onClose={() => setProblem(null)} />}
        <Group gap="md" wrap="wrap">
          {(['apheresis', 'product'] as const).map((bag) =>
            labels[bag] ? <Image key={bag} src={labels[bag]} alt={`${bag} bag label, ${coi}`} w={384} data-testid={`label-${bag}`} /> : null,
          )}
        </Group>
      </Stack>
    </Paper>
  );
}
