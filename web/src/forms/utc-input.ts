/** Converting between an ISO instant and the value of an <input type="datetime-local"> read as UTC. */

/** "2026-12-04T16:02:36.885Z" → "2026-12-04T16:02". */
export function isoToUtcInput(iso: string | undefined | null): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return '';
  return new Date(iso).toISOString().slice(0, 16);
}

/** "2026-12-04T16:02" (UTC) → "2026-12-04T16:02:00.000Z"; anything else → undefined. */
export function utcInputToIso(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return undefined;
  const date = new Date(`${value}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
