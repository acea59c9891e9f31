import { requiresSignature } from '#protocols';

/** The signing password every investigator of a test site sets. */
export const SIGNING_PASSWORD = 'sign-here-1234';

/**
 * The electronic signature an investigator adds to a sign-off (re-entering the signing password);
 * nothing for other events. The simulator gives its run's own password and a meaning per event.
 */
export function signOff(
  type: string,
  data: unknown,
  { password = SIGNING_PASSWORD, meaning = `I sign off ${type}` }: { password?: string; meaning?: string } = {},
): { signature?: { password: string; meaning: string } } {
  return requiresSignature(type, data) ? { signature: { password, meaning } } : {};
}
