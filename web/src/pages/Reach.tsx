import { useState } from 'react';
import { Alert, Button, Code, Group, Radio, Stack, Text, TextInput } from '@mantine/core';
import { api } from '../api/client';
import type { CalendarFeed, ReachPreferences } from '../api/types';
import { ExplanationAlert, LoadError, Loading } from '../components/Feedback';
import { PageHeader } from '../components/PageHeader';
import { Section } from '../components/Section';
import { explain } from '../lib/errors';
import type { Explanation } from '../lib/refusal';
import { href } from '../lib/router';
import { useResource } from '../lib/use-resource';

const CHOICES: Array<{ value: ReachPreferences['emailPreference']; label: string; description: string }> = [
  { value: 'immediate', label: 'Each notice by email', description: 'One email per notice, within a minute or two of it.' },
  { value: 'daily', label: 'A daily digest', description: 'One email a day with the notices of the day before.' },
  { value: 'off', label: 'No email', description: 'Notices stay in the console’s inbox only.' },
];

/**
 * The caller's own channels (README, "Email and calendar feeds"): the email address and how notices
 * reach it, and a calendar feed of the site's visit windows and DLT window closings, whose address is
 * shown once when made and can be replaced or revoked.
 */
export default function ReachPage() {
  const saved = useResource(() => api.reach(), 'reach');
  const [email, setEmail] = useState<string | null>(null);
  const [preference, setPreference] = useState<ReachPreferences['emailPreference'] | null>(null);
  const [feed, setFeed] = useState<CalendarFeed | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [problem, setProblem] = useState<Explanation | null>(null);
  const [busy, setBusy] = useState(false);
  if (!saved.data) return saved.error ? <LoadError error={saved.error} onRetry={saved.reload} /> : <Loading label="Loading your settings…" />;
  const shownEmail = email ?? saved.data.email ?? '';
  const shownPreference = preference ?? saved.data.emailPreference;

  async function act(work: () => Promise<unknown>, message: string) {
    setBusy(true);
    setProblem(null);
    setDone(null);
    try {
      await work();
      setDone(message);
      await saved.reload();
    } catch (error) {
      setProblem(explain(error));
    } finally {
      setBusy(false);
    }
  }

  const feedUrl = feed && new URL(`${feed.path}`, window.location.origin).toString();
  return (
    <Stack gap="lg">
      <PageHeader
        crumbs={[{ label: 'Worklist', href: href.worklist() }, { label: 'Email and calendar' }]}
        title="Email and calendar"
        subtitle="How your notices reach you outside the console."
      />
      {done && (
        <Alert color="green" data-testid="reach-done" withCloseButton onClose={() => setDone(null)}>
          {done}
        </Alert>
      )}
      {problem && <ExplanationAlert explanation={problem} onClose={() => setProblem(null)} />}
      <Section title="Email" description="The notices of your inbox (visits, DLTs, severe AEs, data queries …) by email." testId="reach-email">
        <TextInput label="Email address" type="email" value={shownEmail} onChange={(e) => setEmail(e.currentTarget.value)} w={360} data-testid="reach-address" />
        <Radio.Group value={shownPreference} onChange={(v) => setPreference(v as ReachPreferences['emailPreference'])} label="Send" data-testid="reach-preference">
          <Stack gap={6} mt={4}>
            {CHOICES.map((c) => (
              <Radio key={c.value} value={c.value} label={c.label} description={c.description} data-testid={`reach-${c.value}`} />
            ))}
          </Stack>
        </Radio.Group>
        <Group>
          <Button
            loading={busy}
            onClick={() => void act(() => api.saveReach({ email: shownEmail.trim() || null, emailPreference: shownPreference }), 'Saved.')}
            data-testid="reach-save"
          >
            Save
          </Button>
        </Group>
      </Section>
      <Section
        title="Calendar feed"
        description="Your sites' visit windows and DLT window closings as an iCalendar feed: subscribe to its address from Outlook, Google Calendar or Apple Calendar. It names subject ids, never names."
        testId="reach-calendar"
      >
        <Text size="sm">
          {saved.data.calendarFeed ? 'You have a feed. Its address was shown once; make a new one to see an address again (the old one stops working).' : 'You have no feed.'}
        </Text>
        {feedUrl && (
          <Stack gap={4} data-testid="reach-feed">
            <Text size="sm" fw={600}>
              Your feed’s address, shown this once:
            </Text>
            <Code block data-testid="reach-feed-url">
              {feedUrl}
            </Code>
          </Stack>
        )}
        <Group>
          <Button
            variant={saved.data.calendarFeed ? 'default' : 'filled'}
            loading={busy}
            onClick={() => void act(async () => setFeed(await api.createCalendarFeed()), 'A new feed address was made.')}
            data-testid="reach-feed-create"
          >
            {saved.data.calendarFeed ? 'Replace the feed' : 'Make a feed'}
          </Button>
          {saved.data.calendarFeed && (
            <Button
              variant="default"
              color="red"
              loading={busy}
              onClick={() =>
                void act(async () => {
                  await api.revokeCalendarFeed();
                  setFeed(null);
                }, 'The feed was revoked: its address no longer answers.')
              }
              data-testid="reach-feed-revoke"
            >
              Revoke the feed
            </Button>
          )}
        </Group>
      </Section>
    </Stack>
  );
}
