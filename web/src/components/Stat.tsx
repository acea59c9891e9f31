import { Paper, Text } from '@mantine/core';

/** One figure of a summary row: a count and what it counts. */
export function Stat({ label, value, color, hint, testId }: { label: string; value: number | string; color?: string; hint?: string; testId?: string }) {
  return (
    <Paper withBorder p="sm" radius="sm" data-testid={testId}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.3}>
        {label}
      </Text>
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
