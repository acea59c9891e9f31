import { useState } from 'react';
import { Button, Group, Select, Stack, TagsInput, TextInput } from '@mantine/core';
import { ROLES, type Role } from '@protocols/policy';
import { api } from '../../api/client';
import type { CreatedUser } from '../../api/types';
import { ExplanationAlert } from '../../components/Feedback';
import { Section } from '../../components/Section';
import { explain } from '../../lib/errors';
import type { Explanation } from '../../lib/refusal';

const ROLE_HINT: Record<Role, string> = {
  coordinator: 'records the day’s events at their sites and registers patients',
  investigator: 'also signs eligibility, DLT calls and migrations',
  lab: 'sends lab results for their sites',
  monitor: 'reads their sites’ records, raises data queries, exports SDTM',
  admin: 'manages users, site approvals and manufacturing sites, at every site',
};

/** An admin's form for a new user (README, "Users"): name, role and sites; the answer carries the token, shown once by the page. */
export function CreateUserForm({ knownSites, onCreated }: { knownSites: string[]; onCreated: (user: CreatedUser) => Promise<void> | void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role | null>(null);
  const [siteIds, setSiteIds] = useState<string[]>([]);
  const [problem, setProblem] = useState<Explanation | null>(null);
  const [busy, setBusy] = useState(false);

  async function create() {
    if (!role) return;
    setBusy(true);
    setProblem(null);
    try {
      const user = await api.createUser({ name: name.trim(), role, siteIds });
      setName('');
      setRole(null);
      setSiteIds([]);
      await onCreated(user);
    } catch (error) {
      setProblem(explain(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section title="New user" description="Every role but admin works at the sites named here and sees only their patients." testId="create-user">
      <form
        noValidate
        data-testid="create-user-form"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <Stack gap="xs">
          <Group align="flex-start" gap="md" wrap="wrap">
            <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} required style={{ flex: 1, minWidth: 220 }} data-testid="user-name-input" />
            <Select
              label="Role"
              data={ROLES.map((r) => ({ value: r, label: r }))}
              value={role}
              onChange={(r) => setRole(r as Role | null)}
              description={role ? ROLE_HINT[role] : undefined}
              required
              w={260}
              data-testid="user-role"
            />
            <TagsInput
              label="Sites"
              description={role === 'admin' ? 'An admin sees every site.' : 'Site codes: pick one or type a new one and press Enter.'}
              data={knownSites}
              value={siteIds}
              onChange={setSiteIds}
              style={{ flex: 1, minWidth: 220 }}
              data-testid="user-sites"
            />
          </Group>
          {problem && <ExplanationAlert explanation={problem} onClose={() => setProblem(null)} />}
          <Group>
            <Button type="submit" loading={busy} disabled={!name.trim() || !role} data-testid="user-create">
              Create the user
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}
