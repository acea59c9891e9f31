import type { ReactNode } from 'react';
import { Paper, Text } from '@mantine/core';

/** The small capitals label over a figure or a fact. */
export function Caption({ children }: { children: ReactNode }) {
  return (
    <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.3}>
      {children}
    </Text>
  );
}

/** One figure of a summary row: a count and what it counts. */
export function Stat({ label, value, color, hint, testId }: { label: string; value: number | string; color?: string; hint?: string; testId?: string }) {
  return (
    <Paper withBorder p="sm" data-testid={testId}>
      <Caption>{label}</Caption>
      <Text fw={700} fz={26} c={color} className="num" ta="left" lh={1.2}>
        {value}
      </Text>
      {hint && (
        <Text size="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Paper>
  );
}
