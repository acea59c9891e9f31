import { useState, type ReactNode } from 'react';
import { Button, Group, Modal, PasswordInput, Stack, Text, Textarea } from '@mantine/core';
import { explain } from '../lib/errors';
import type { Explanation } from '../lib/refusal';
import { ExplanationAlert } from './Feedback';

export interface Signature {
  password: string;
  meaning: string;
}

/**
 * An electronic signature of an act that is not an event form (moving patients to an amendment):
 * the signing password re-entered and the meaning, sealed into each log entry the act writes. A
 * refusal is explained in the dialog, which stays open; `sign` resolving closes it.
 */
export function SignatureDialog(props: {
  opened: boolean;
  title: string;
  /** What will happen, in a sentence or two. */
  children: ReactNode;
  defaultMeaning: string;
  action: string;
  onClose: () => void;
  sign: (signature: Signature) => Promise<void>;
}) {
  const [password, setPassword] = useState('');
  const [meaning, setMeaning] = useState(props.defaultMeaning);
  const [problem, setProblem] = useState<Explanation | null>(null);
  const [busy, setBusy] = useState(false);

  const close = () => {
    setPassword('');
    setProblem(null);
    props.onClose();
  };
  async function submit() {
    setBusy(true);
    setProblem(null);
    try {
      await props.sign({ password, meaning: meaning.trim() });
      setPassword('');
      props.onClose();
    } catch (error) {
      setProblem(explain(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened={props.opened} onClose={close} title={props.title} size="lg" data-testid="signature-dialog">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Stack gap="sm">
          {props.children}
          <Text size="sm" c="dimmed">
            Your name, the time and the meaning below are sealed into each patient's record.
          </Text>
          <PasswordInput
            label="Signing password"
            description="Your signing password, not your access token."
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            required
            autoComplete="off"
            data-testid="dialog-signing-password"
          />
          <Textarea label="Meaning of this signature" value={meaning} onChange={(e) => setMeaning(e.currentTarget.value)} required autosize minRows={1} />
          {problem && <ExplanationAlert explanation={problem} onClose={() => setProblem(null)} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={!password || meaning.trim().length < 3} data-testid="dialog-sign">
              {props.action}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
