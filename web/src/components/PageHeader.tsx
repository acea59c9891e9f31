import type { ReactNode } from 'react';
import { Anchor, Breadcrumbs, Group, Stack, Text, Title } from '@mantine/core';

/** A page's heading: where it sits, its title, a line of context and actions. */
export function PageHeader(props: { crumbs?: Array<{ label: string; href?: string }>; title: ReactNode; subtitle?: ReactNode; actions?: ReactNode; badges?: ReactNode }) {
  return (
    <Stack gap={4}>
      {props.crumbs && (
        <Breadcrumbs separator="›" fz="sm">
          {props.crumbs.map((c) =>
            c.href ? (
              <Anchor key={c.label} href={c.href} size="sm">
                {c.label}
              </Anchor>
            ) : (
              <Text key={c.label} size="sm" c="dimmed">
                {c.label}
              </Text>
            ),
          )}
        </Breadcrumbs>
      )}
      <Group justify="space-between" align="flex-end">
        <Group gap="sm" align="center">
          <Title order={1} size="h2">
            {props.title}
          </Title>
          {props.badges}
        </Group>
        {props.actions}
      </Group>
      {props.subtitle && <Text c="dimmed">{props.subtitle}</Text>}
    </Stack>
  );
}
