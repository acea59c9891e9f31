import type { ApiErrorBody } from '../api/types';
import { asSentence, humanizeEvent, humanizeKey, humanizeState, listInWords } from './format';

/** The sign-in page's notice after a 401, and the explanation of one. */
export const SESSION_ENDED = 'Your session has ended or the token is no longer valid. Sign in again.';

type ExplanationKind = 'refused' | 'not-accepted' | 'conflict' | 'forbidden' | 'invalid' | 'signed-out' | 'not-found' | 'unavailable' | 'error';

/** An error written for the person at the screen: a title, one plain sentence, and the details, one per line. */
export interface Explanation {
  kind: ExplanationKind;
  title: string;
  summary: string;
  details: string[];
  /** True when reloading the page is the way forward (the patient changed meanwhile, or may have). */
  reload: boolean;
}

/**
 * Turns an error answer of the API into plain words. `eventType` is the event that was being
 * recorded, if any. Every status the console can meet has its own wording; anything else falls back
 * to the server's own message.
 */
export function explainError(status: number, body: Partial<ApiErrorBody> | null | undefined, eventType?: string): Explanation {
  const answer = body ?? {};
  const what = eventType ? humanizeEvent(eventType) : 'This request';
  const base = { reload: false, details: [] as string[] };

  if (status === 409 && answer.error === 'event_not_accepted') {
    const accepted = (answer.acceptedEvents ?? []).map(humanizeEvent);
    const state = humanizeState(answer.state);
    return {
      ...base,
      kind: 'not-accepted',
      title: 'Not accepted in the current state',
      summary: accepted.length ? `This patient is in ${state}; it accepts ${listInWords(accepted)}.` : `This patient is in ${state}; it accepts no further events.`,
      details: [`${what} cannot be recorded now. Nothing was recorded; reload to see the patient as it is now.`],
      reload: true,
    };
  }
  if (status === 409 && answer.error === 'version_conflict') {
    return {
      ...base,
      kind: 'conflict',
      title: 'The patient changed meanwhile',
      summary: `Someone recorded another event for this patient after this page was loaded${
        answer.currentVersion !== undefined ? ` (it is now at version ${answer.currentVersion})` : ''
      }.`,
      details: ['Nothing was recorded. Reload to see the change, then record the event again if it still applies.'],
      reload: true,
    };
  }
  if (status === 409 && answer.error === 'already_exists') {
    return {
      ...base,
      kind: 'refused',
      title: 'Already exists',
      summary: asSentence(answer.message ?? 'It is already on record.'),
      details: ['Nothing was written: check the identifier, or open the record that has it.'],
    };
  }
  if (status === 422 && answer.error === 'idempotency_key_reused') {
    return {
      ...base,
      kind: 'refused',
      title: 'Already submitted differently',
      summary: asSentence(answer.message ?? 'This submission key was already used with other values.'),
      details: (answer.reasons ?? []).map(asSentence),
    };
  }
  if (status === 422) {
    const reasons = (answer.reasons ?? []).map(asSentence);
    return {
      ...base,
      kind: 'refused',
      title: 'Refused by the protocol',
      summary:
        reasons.length === 1 ? `${what} was refused for this reason; nothing was recorded.` : `${what} was refused for ${reasons.length || 'these'} reasons; nothing was recorded.`,
      details: reasons.length ? reasons : [asSentence(answer.message ?? 'The protocol refused it.')],
    };
  }
  if (status === 403) {
    return { ...base, kind: 'forbidden', title: 'Not permitted', summary: asSentence(answer.message ?? 'You may not do this.'), details: ['Nothing was recorded.'] };
  }
  if (status === 400) {
    return {
      ...base,
      kind: 'invalid',
      title: 'Some values are not valid',
      summary: asSentence(answer.message ?? 'The request is not valid.'),
      details: (answer.issues ?? []).map(readableIssue),
    };
  }
  if (status === 401) {
    return { ...base, kind: 'signed-out', title: 'Signed out', summary: SESSION_ENDED };
  }
  if (status === 404) {
    return { ...base, kind: 'not-found', title: 'Not found', summary: asSentence(answer.message ?? 'It does not exist, or it belongs to a site you are not assigned to.') };
  }
  if (status === 429) {
    return { ...base, kind: 'unavailable', title: 'Too many requests', summary: 'Too many requests were made in the last minute. Wait a moment and try again.' };
  }
  if (status === 413) {
    return { ...base, kind: 'invalid', title: 'Too large', summary: 'What was sent is larger than the server accepts.' };
  }
  if (status === 0) {
    // No answer: unlike every error answer, this one cannot say that nothing was written.
    return {
      ...base,
      kind: 'unavailable',
      title: 'No connection',
      summary: asSentence(answer.message ?? 'The server could not be reached.'),
      ...(eventType ? { details: [`${what} may have been recorded before the connection failed: reload the patient before recording it again.`], reload: true } : {}),
    };
  }
  return {
    ...base,
    kind: 'error',
    title: status >= 500 ? 'The server could not complete this' : `Unexpected answer (${status})`,
    summary: asSentence(answer.message ?? 'Something went wrong.'),
    details: status >= 500 ? ['It has been logged. Try again; if it persists, tell the system administrator.'] : [],
  };
}

/** "data.cellsPerKg: Too small: expected number to be >0" → "Cell dose (cells/kg): too small: expected number to be >0". */
export function readableIssue(issue: string): string {
  const match = /^([\w.[\]]+):\s*(.*)$/.exec(issue);
  if (!match) return asSentence(issue);
  const path = match[1]!.split('.').filter((p) => p !== 'data' && p !== 'body');
  const field = path.length ? path.map((p) => humanizeKey(p.replace(/\[\d+\]$/, ''))).join(' › ') : 'The event data';
  const text = match[2]!;
  return `${field}: ${text ? text[0]!.toLowerCase() + text.slice(1) : 'not valid'}`;
}
