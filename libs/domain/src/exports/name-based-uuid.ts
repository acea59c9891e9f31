import { createHash } from 'node:crypto';

/**
 * The namespace of every identifier the exports derive: the RFC 4122 name-based (v5) UUID of the
 * URL `https://cart-trial-engine.example/fhir` in the URL namespace.
 */
export const EXPORT_UUID_NAMESPACE = '502d76f3-17c0-5c8a-91f1-a6388e7bf297';

/**
 * An RFC 4122 version 5 UUID: SHA-1 of the namespace's 16 bytes followed by the name in UTF-8, with
 * the version and variant bits set. The same name always gives the same UUID, so an export of the
 * same log gives the same identifiers.
 */
export function nameBasedUuid(name: string, namespace: string = EXPORT_UUID_NAMESPACE): string {
  const namespaceHex = namespace.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(namespaceHex)) throw new RangeError(`a UUID namespace is 32 hex digits, got "${namespace}"`);
  const hash = createHash('sha1').update(Buffer.from(namespaceHex, 'hex')).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The `urn:uuid:` form a Bundle entry's `fullUrl` and the references to it use. */
export function urnUuid(name: string): string {
  return `urn:uuid:${nameBasedUuid(name)}`;
}
