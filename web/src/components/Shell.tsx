import type { ReactNode } from 'react';
import { Anchor, AppShell, Badge, Button, Container, Group, Text } from '@mantine/core';
import type { User } from '../api/types';
import { may } from '../lib/permissions';
import { href, type Route } from '../lib/router';

function siteList(user: User): string {
  return user.siteIds === 'all' ? 'all sites' : user.siteIds.join(', ');
}

/** The frame of every signed-in page: the product, the two places to go, who is signed in. */
export function Shell({ user, route, onSignOut, children }: { user: User; route: Route; onSignOut: () => void; children: ReactNode }) {
  const link = (to: string, label: string, active: boolean) => (
    <Anchor href={to} fw={active ? 700 : 500} c={active ? 'blue.8' : 'dark.6'} underline="never" aria-current={active ? 'page' : undefined}>
      {label}
    </Anchor>
  );
  return (
    <AppShell header={{ height: 56 }} padding="md">
      <AppShell.Header withBorder>
        <Container size="xl" h="100%">
          <Group h="100%" justify="space-between" wrap="nowrap">
            <Group gap="lg" wrap="nowrap">
              <Text fw={800} size="md" c="blue.9">
                CAR-T Trial Console
              </Text>
              {link(href.worklist(), 'Worklist', route.page === 'worklist')}
              {link(href.trials(), 'Trials', route.page === 'trials' || route.page === 'trial' || route.page === 'amendments')}
              {link(href.manufacturing(), 'Manufacturing', route.page === 'manufacturing')}
              {link(href.queries(), 'Queries', route.page === 'queries')}
              {may(user.role, 'register') && link(href.register(), 'Register', route.page === 'register')}
              {may(user.role, 'administer') && link(href.admin(), 'Admin', route.page === 'admin')}
            </Group>
            <Group gap="sm" wrap="nowrap">
              <div style={{ textAlign: 'right' }}>
                <Text size="sm" fw={600} data-testid="user-name">
                  {user.name}
                </Text>
                <Text size="xs" c="dimmed">
                  {siteList(user)}
                </Text>
              </div>
              <Badge variant="light" color="gray">
                {user.role}
              </Badge>
              <Anchor href={href.reach()} size="xs" data-testid="reach-link" title="How your notices reach you: email and a calendar feed">
                Email & calendar
              </Anchor>
              <Button variant="default" size="xs" onClick={onSignOut}>
                Sign out
              </Button>
            </Group>
          </Group>
        </Container>
      </AppShell.Header>
      <AppShell.Main>
        <Container size="xl" py="md">
          {children}
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}
