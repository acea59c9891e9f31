import { Anchor, Stack, Text, Title } from '@mantine/core';
import { href } from '../lib/router';

export function NotFound({ path }: { path: string }) {
  return (
    <Stack>
      <Title order={1} size="h2">
        Page not found
      </Title>
      <Text>
        There is no page at <code>{path}</code>. Go back to the <Anchor href={href.worklist()}>worklist</Anchor>.
      </Text>
    </Stack>
  );
}
