import { useState, type FormEvent } from 'react';
import { Alert, Button, Center, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { ApiError, api } from '../api/client';
import { keepSignInWorklist } from '../api/cache';
import { signInNotice, startSession } from '../api/session';
import { explain } from '../lib/errors';

/**
 * Sign-in with a bearer token; the token is checked by reading the caller's worklist with it, which the
 * worklist page then shows when the console opens on it (`opensOnWorklist`).
 */
export function SignIn({ opensOnWorklist }: { opensOnWorklist: boolean }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice] = useState(() => signInNotice());

  async function submit(event: FormEvent) {
    event.preventDefault();
    const candidate = token.trim();
    if (!candidate) {
      setError('Enter your access token.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const worklist = await api.worklistWith(candidate);
      if (opensOnWorklist) keepSignInWorklist(worklist);
      startSession({ token: candidate, user: worklist.user });
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401 ? 'This token was not accepted. Check that it was copied whole, or ask your administrator for a new one.' : explain(e).summary,
      );
      setBusy(false);
    }
  }

  return (
    <Center mih="100vh" p="md" bg="gray.0">
      <Paper withBorder shadow="sm" radius="md" p="xl" w={440} component="main">
        <form onSubmit={submit} noValidate>
          <Stack gap="md">
            <div>
              <Text fw={800} c="blue.9" size="sm" tt="uppercase" lts={0.5}>
                CAR-T Trial Console
              </Text>
              <Title order={1} size="h2" mt={4}>
                Sign in
              </Title>
            </div>
            {notice && (
              <Alert color="orange" data-testid="sign-in-notice">
                {notice}
              </Alert>
            )}
            <PasswordInput
              label="Access token"
              description="The bearer token your administrator issued to you (it starts with ct_)."
              placeholder="ct_…"
              value={token}
              onChange={(e) => setToken(e.currentTarget.value)}
              error={error}
              autoComplete="off"
              autoFocus
              data-testid="token-input"
            />
            <Button type="submit" loading={busy} fullWidth>
              Sign in
            </Button>
            <Text size="xs" c="dimmed">
              The token is kept only in this browser tab and is forgotten when you sign out or close the tab. Electronic signatures use your separate signing password, never this
              token.
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
