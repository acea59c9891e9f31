import { Alert, Button, Code, CopyButton, Group, Stack, Text } from '@mantine/core';

/** A bearer token the API has just issued, and for whom: it answers it this once and keeps only its hash. */
export interface IssuedToken {
  userName: string;
  token: string;
  why: 'created' | 'rotated';
}

/**
 * The token of a user just created or rotated, shown this once with a copy button: the admin hands it
 * over in person. Closing the notice forgets it; rotating again is the only way to a new one.
 */
export function TokenNotice({ issued, onClose }: { issued: IssuedToken; onClose: () => void }) {
  return (
    <Alert
      color="teal"
      title={issued.why === 'created' ? `${issued.userName} was created` : `${issued.userName} has a new token`}
      withCloseButton
      onClose={onClose}
      data-testid="issued-token"
      data-why={issued.why}
    >
      <Stack gap={6}>
        <Text size="sm">
          {issued.why === 'created' ? 'Their bearer token' : 'The new bearer token (the old one no longer works)'} is shown this once; only its hash is kept. Hand it over in
          person: it signs in to the console and the API as this user.
        </Text>
        <Group gap="xs" wrap="nowrap">
          <Code data-testid="issued-token-value" style={{ userSelect: 'all' }}>
            {issued.token}
          </Code>
          <CopyButton value={issued.token}>
            {({ copied, copy }) => (
              <Button size="compact-xs" variant={copied ? 'filled' : 'light'} color={copied ? 'teal' : 'blue'} onClick={copy} data-testid="issued-token-copy">
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}
