import { ApiError } from '../api/client';
import { explainError, type Explanation } from './refusal';

/** Any thrown value as plain words: API errors by their status and body, anything else as an unexpected error. */
export function explain(error: unknown, eventType?: string): Explanation {
  if (error instanceof ApiError) return explainError(error.status, error.body, eventType);
  return explainError(500, { message: error instanceof Error ? error.message : String(error) }, eventType);
}
