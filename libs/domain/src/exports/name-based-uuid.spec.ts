import { EXPORT_UUID_NAMESPACE, nameBasedUuid, urnUuid } from './name-based-uuid';

const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const URL_NAMESPACE = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

describe('name-based UUIDs (RFC 4122 version 5)', () => {
  it('matches the reference implementation (Python uuid.uuid5) on known names', () => {
    expect(nameBasedUuid('www.example.com', DNS_NAMESPACE)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
    expect(nameBasedUuid('https://cart-trial-engine.example/fhir', URL_NAMESPACE)).toBe(EXPORT_UUID_NAMESPACE);
    expect(nameBasedUuid('patient/8c0f5c1e-0000-4000-8000-000000000007')).toBe('98967f9b-604d-5d20-9476-9d79069e493c');
  });

  it('is stable for a name, differs between names, and carries version 5 and the RFC 4122 variant', () => {
    const a = nameBasedUuid('adverse-event/p1/12');
    expect(nameBasedUuid('adverse-event/p1/12')).toBe(a);
    expect(nameBasedUuid('adverse-event/p1/13')).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(urnUuid('adverse-event/p1/12')).toBe(`urn:uuid:${a}`);
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => nameBasedUuid('x', 'not-a-uuid')).toThrow(RangeError);
  });
});
