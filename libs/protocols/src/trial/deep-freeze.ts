/**
 * Freezes a value and every object and array it holds, and returns it: what a cache keyed by an
 * object (the ICAHT of `factsAsOf`, the lab summaries of `outcomesOf`) requires of the key, so a
 * change can never leave it answering for the object as it was. A value already frozen is taken as
 * frozen through.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const held of Object.values(value)) deepFreeze(held);
  return value;
}
