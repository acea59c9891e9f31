import { useState } from 'react';
import { Button, Stack } from '@mantine/core';
import type { DownloadedFile } from '../api/client';
import type { User } from '../api/types';
import { explain } from '../lib/errors';
import { may } from '../lib/permissions';
import type { Explanation } from '../lib/refusal';
import { ExplanationAlert } from './Feedback';

/** Saves the bytes under their name, as a link the browser downloads. */
function save({ blob, fileName }: DownloadedFile): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has handed the bytes to the download; the object URL can go once it has started.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * A button that downloads an export with the session's bearer token (a plain link cannot send it),
 * shown only to the roles the API lets read it; a refusal is explained beside it.
 */
export function ExportButton(props: {
  label: string;
  role: User['role'];
  export: 'exportFhir' | 'exportSdtm';
  fetchFile: () => Promise<DownloadedFile>;
  testId: string;
  title?: string;
}) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Explanation | null>(null);
  if (!may(props.role, props.export)) return null;

  async function download() {
    setBusy(true);
    setProblem(null);
    try {
      save(await props.fetchFile());
    } catch (error) {
      setProblem(explain(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap={4} align="flex-end">
      <Button size="xs" variant="light" loading={busy} onClick={() => void download()} data-testid={props.testId} title={props.title}>
        {props.label}
      </Button>
      {problem && <ExplanationAlert explanation={problem} onClose={() => setProblem(null)} />}
    </Stack>
  );
}
