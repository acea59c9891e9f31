/**
 * Electronic signatures, as the engine asks for them: eligibility, DLT adjudication and a response
 * the investigator gives directly (not computed from findings) need `signature: { password, meaning }`.
 * These are also the sign-offs only an investigator may post.
 *
 * A copy of `requiresSignature` in libs/domain/src/users/signature-service.ts (the console cannot
 * import server code), applied to the data as sent. The protocol definition does not carry the rule,
 * so a change there must be made here too: the server would answer 422 "… is an electronic
 * signature" to a form that never showed the signature fields.
 */
export function requiresSignature(type: string, data: Record<string, unknown> | undefined): boolean {
  return type === 'ELIGIBILITY_CONFIRMED' || type === 'DLT_ADJUDICATED' || (type === 'RESPONSE_ASSESSED' && typeof data?.response === 'string');
}

/** What the signer states by signing, unless they write their own. */
export function defaultMeaning(type: string): string {
  switch (type) {
    case 'ELIGIBILITY_CONFIRMED':
      return 'I confirm the patient meets every eligibility criterion';
    case 'DLT_ADJUDICATED':
      return 'I adjudicate the dose-limiting toxicity call for this adverse event';
    case 'RESPONSE_ASSESSED':
      return 'I confirm this response assessment';
    default:
      return 'I approve this entry';
  }
}
