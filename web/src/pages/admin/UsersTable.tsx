import { useState } from 'react';
import { Badge, Button, Group, Modal, Stack, Table, Text } from '@mantine/core';
import type { UserAccount } from '../../api/types';
import { ClinicalDate } from '../../components/Dates';
import { NoData } from '../../components/Feedback';

/** What an admin does to a user's access: both take effect at once and cannot be undone. */
export type AccessChange = 'rotate' | 'revoke';

const CONFIRM: Record<AccessChange, { title: string; text: (name: string) => string; button: string; color: string }> = {
  rotate: {
    title: 'Rotate the token',
    text: (name) => `${name} gets a new bearer token, shown once; the one they have stops working at once. Do it when a token may be known to someone else.`,
    button: 'Rotate the token',
    color: 'blue',
  },
  revoke: {
    title: 'Revoke the user',
    text: (name) => `${name} can no longer sign in or use the API: their token stops working at once. What they recorded stays on the record under their name.`,
    button: 'Revoke',
    color: 'red',
  },
};

function Status({ user }: { user: UserAccount }) {
  if (user.revokedAt)
    return (
      <Badge color="gray" variant="light">
        revoked
      </Badge>
    );
  return (
    <Group gap={4}>
      <Badge color="teal" variant="light">
        active
      </Badge>
      {user.signingLockedAt && (
        <Badge color="orange" variant="light" title="Locked out of signing after wrong signing passwords in a row">
          signing locked
        </Badge>
      )}
    </Group>
  );
}

/**
 * Every user with role, sites and token expiry; an active user's token can be rotated or the user
 * revoked, each after a confirmation. The signed-in admin's own row has no buttons.
 */
export function UsersTable({ users, selfId, onChange }: { users: UserAccount[]; selfId: string; onChange: (change: AccessChange, user: UserAccount) => Promise<void> }) {
  const [asked, setAsked] = useState<{ change: AccessChange; user: UserAccount } | null>(null);
  const [busy, setBusy] = useState(false);
  if (!users.length) return <NoData>No users yet.</NoData>;
  const confirm = asked && CONFIRM[asked.change];

  async function go() {
    if (!asked) return;
    setBusy(true);
    try {
      await onChange(asked.change, asked.user);
    } finally {
      setBusy(false);
      setAsked(null);
    }
  }

  return (
    <>
      <Table.ScrollContainer minWidth={760}>
        <Table verticalSpacing={6} highlightOnHover data-testid="users-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Role</Table.Th>
              <Table.Th>Sites</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>Token expires</Table.Th>
              <Table.Th>Signing password</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {users.map((u) => (
              <Table.Tr key={u.id} data-user={u.id} data-name={u.name} data-testid="user-row">
                <Table.Td fw={600}>
                  {u.name}
                  {u.id === selfId && (
                    <Text span size="xs" c="dimmed" ml={6}>
                      (you)
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{u.role}</Table.Td>
                <Table.Td>{u.role === 'admin' ? 'all sites' : u.siteIds.join(', ')}</Table.Td>
                <Table.Td>
                  <ClinicalDate iso={u.createdAt} />
                </Table.Td>
                <Table.Td>{u.tokenExpiresAt ? <ClinicalDate iso={u.tokenExpiresAt} /> : 'never (ADMIN_TOKEN)'}</Table.Td>
                <Table.Td>{u.signingPasswordSet ? 'set' : 'not set'}</Table.Td>
                <Table.Td>
                  <Status user={u} />
                </Table.Td>
                <Table.Td>
                  {!u.revokedAt && u.id !== selfId && (
                    <Group gap={4} wrap="nowrap" justify="flex-end">
                      <Button size="compact-xs" variant="light" onClick={() => setAsked({ change: 'rotate', user: u })} data-testid="user-rotate">
                        Rotate token
                      </Button>
                      <Button size="compact-xs" variant="light" color="red" onClick={() => setAsked({ change: 'revoke', user: u })} data-testid="user-revoke">
                        Revoke
                      </Button>
                    </Group>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Modal opened={!!asked} onClose={() => setAsked(null)} title={confirm?.title} data-testid="confirm-access-change">
        {asked && confirm && (
          <Stack gap="sm">
            <Text size="sm">{confirm.text(asked.user.name)}</Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setAsked(null)}>
                Cancel
              </Button>
              <Button color={confirm.color} loading={busy} onClick={() => void go()} data-testid="confirm-access-change-button">
                {confirm.button}
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}
