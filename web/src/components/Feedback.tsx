import { Alert, Button, Center, Group, List, Loader, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { Explanation } from '../lib/refusal';
import { explain } from '../lib/errors';

const TONE: Record<Explanation['kind'], string> = {
  refused: 'red',
  'not-accepted': 'red',
  conflict: 'orange',
  forbidden: 'red',
  invalid: 'red',
  'signed-out': 'gray',
  'not-found': 'gray',
  unavailable: 'orange',
  error: 'red',
};

/** An error in plain words: what happened, why, and what to do. */
export function ExplanationAlert({ explanation, onReload, onClose }: { explanation: Explanation; onReload?: () => void; onClose?: () => void }) {
  return (
    <Alert
      color={TONE[explanation.kind]}
      title={explanation.title}
      role="alert"
      data-testid="explanation"
      data-kind={explanation.kind}
      withCloseButton={!!onClose}
      onClose={onClose}
    >
      <Stack gap={6}>
        <Text size="sm">{explanation.summary}</Text>
        {explanation.details.length > 1 ? (
          <List size="sm" spacing={2} data-testid="explanation-details">
            {explanation.details.map((d) => (
              <List.Item key={d}>{d}</List.Item>
            ))}
          </List>
        ) : (
          explanation.details.map((d) => (
            <Text size="sm" key={d} data-testid="explanation-details">
              {d}
            </Text>
          ))
        )}
        {explanation.reload && onReload && (
          <Group>
            <Button size="xs" variant="white" color={TONE[explanation.kind]} onClick={onReload}>
              Reload the patient
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

/** A page or panel that could not load. */
export function LoadError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const explanation = explain(error);
  return (
    <Alert color={TONE[explanation.kind]} title={explanation.title} role="alert">
      <Stack gap={6}>
        <Text size="sm">{explanation.summary}</Text>
        {onRetry && (
          <Group>
            <Button size="xs" variant="white" onClick={onRetry}>
              Try again
            </Button>
          </Group>
        )}
      </Stack>
    </Alert>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <Center py="xl" aria-busy="true">
      <Group gap="xs">
        <Loader size="sm" />
        <Text c="dimmed" size="sm">
          {label}
        </Text>
      </Group>
    </Center>
  );
}

/** What a panel shows when there is nothing yet (a trial with no patients, no DLT windows open …). */
export function NoData({ children }: { children: ReactNode }) {
  return (
    <Text c="dimmed" size="sm" fs="italic" py="xs" data-testid="no-data">
      {children}
    </Text>
  );
}
