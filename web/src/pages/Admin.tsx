import { useState } from 'react';
import { Alert, Stack, Table, Text } from '@mantine/core';
import { api } from '../api/client';
import type { User, UserAccount } from '../api/types';
import { ExplanationAlert, LoadError, Loading, NoData } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { Section } from '../components/Section';
import { explain } from '../lib/errors';
import { may } from '../lib/permissions';
import type { Explanation } from '../lib/refusal';
import { href } from '../lib/router';
import { useResource } from '../lib/use-resource';
import { CreateUserForm } from './admin/CreateUserForm';
import { TokenNotice, type IssuedToken } from './admin/TokenNotice';
import { UsersTable, type AccessChange } from './admin/UsersTable';

/** Each site named on an active user, with who works there: the API keeps no list of sites apart from the users'. */
function sitesOf(users: UserAccount[]): Array<{ siteId: string; users: UserAccount[] }> {
  const sites = new Map<string, UserAccount[]>();
  for (const user of users) {
    if (user.revokedAt || user.role === 'admin') continue;
    for (const siteId of user.siteIds) sites.set(siteId, [...(sites.get(siteId) ?? []), user]);
  }
  return [...sites.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([siteId, users]) => ({ siteId, users }));
}

/**
 * The admin's page (README, "Users"): every user with role, sites and token expiry; a new user, whose
 * token is shown once; a token rotated (the new one shown once, the old refused at once) or a user
 * revoked, each confirmed first; the sites and who works at each. Every change is in the access audit.
 */
export default function AdminPage({ user }: { user: User }) {
  const permitted = may(user.role, 'administer');
  const users = useResource(() => (permitted ? api.users() : Promise.resolve([])), 'users');
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<Explanation | null>(null);

  if (!permitted) {
    return (
      <Alert color="gray" title="Not permitted" data-testid="admin-not-permitted">
        Users, tokens and sites are managed by an admin.
      </Alert>
    );
  }
  if (!users.data) return users.error ? <LoadError error={users.error} onRetry={users.reload} /> : <Loading label="Loading the users…" />;
  const sites = sitesOf(users.data);

  async function change(what: AccessChange, target: UserAccount) {
    setProblem(null);
    setDone(null);
    setIssued(null);
    try {
      if (what === 'rotate') setIssued({ userName: target.name, token: (await api.rotateToken(target.id)).token, why: 'rotated' });
      else {
        await api.revokeUser(target.id);
        setDone(`${target.name} was revoked: their token no longer works.`);
      }
    } catch (error) {
      setProblem(explain(error));
    }
    await users.reload();
  }

  return (
    <Stack gap="lg" data-testid="admin-page">
      <PageHeader
        crumbs={[{ label: 'Worklist', href: href.worklist() }, { label: 'Users and sites' }]}
        title="Users and sites"
        subtitle="Who may sign in, in which role and at which sites. Every change here is in the access audit."
      />
      {issued && <TokenNotice issued={issued} onClose={() => setIssued(null)} />}
      {done && (
        <Alert color="teal" withCloseButton onClose={() => setDone(null)} data-testid="admin-done">
          {done}
        </Alert>
      )}
      {problem && <ExplanationAlert explanation={problem} onClose={() => setProblem(null)} />}
      <CreateUserForm
        knownSites={sites.map((s) => s.siteId)}
        onCreated={async (created) => {
          setDone(null);
          setProblem(null);
          setIssued({ userName: created.name, token: created.token, why: 'created' });
          await users.reload();
        }}
      />
      <Section title="Users" description={`${users.data.length} users, ${users.data.filter((u) => !u.revokedAt).length} active.`} testId="users">
        <UsersTable users={users.data} selfId={user.id} onChange={change} />
      </Section>
      <Section title="Sites" description="The sites named on active users; a site exists once someone is assigned to it." testId="sites">
        {sites.length === 0 ? (
          <NoData>No site has a user yet.</NoData>
        ) : (
          <Table verticalSpacing={6} data-testid="sites-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Site</Table.Th>
                <Table.Th>Users</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {sites.map((s) => (
                <Table.Tr key={s.siteId} data-site={s.siteId}>
                  <Table.Td fw={600}>{s.siteId}</Table.Td>
                  <Table.Td>
                    <Text size="sm">{s.users.map((u) => `${u.name} (${u.role})`).join(', ')}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Section>
    </Stack>
  );
}
