import { requiresSignature, takesBedsideCheck } from '#protocols';

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

/**
 * The bedside check an infusion carries (README, "Chain of identity and the bedside check"): the
 * product bag's chain-of-identity identifier as read at the bedside, and the second person, who
 * signs with their own signing password. Added to INFUSION_COMPLETED only when it has none.
 */
export function withBedsideCheck(
  body: { type?: unknown; data?: unknown; witness?: unknown },
  bagCoi: string | null | undefined,
  witnessUserId: string,
  password = SIGNING_PASSWORD,
): Record<string, unknown> {
  const data = (body.data ?? {}) as Record<string, unknown>;
  if (!takesBedsideCheck(body.type) || data.bedsideCheck !== undefined || body.witness !== undefined || !bagCoi) return body as Record<string, unknown>;
  return { ...body, data: { ...data, bedsideCheck: { bagCoi } }, witness: { userId: witnessUserId, password } };
}
