import { Anchor, Text } from '@mantine/core';
import { href } from '../lib/router';

/** What a row of another site (no patient id, no subject id) is called. */
export const ANOTHER_SITE = 'another site';

/** A patient named in a trial-wide answer: a link for the caller's own sites' patients, "another site" otherwise. */
export function SubjectName({ patientId, subjectId }: { patientId: string | null; subjectId?: string | null }) {
  return patientId !== null && subjectId !== null ? (
    <Anchor href={href.patient(patientId)} inherit>
      {subjectId}
    </Anchor>
  ) : (
    <Text span inherit c="dimmed">
      {ANOTHER_SITE}
    </Text>
  );
}
