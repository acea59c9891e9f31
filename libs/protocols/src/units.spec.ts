import { PROTOCOLS } from './registry';
import { protocolDefinition } from './lifecycle/protocol';

type JsonSchema = {
  type?: string;
  'x-unit'?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
};

/** Every numeric field under a JSON Schema, with its path and the unit it states (undefined: none). */
function numericFields(node: JsonSchema | undefined, path: string, out: Array<{ path: string; unit: string | undefined }> = []) {
  if (!node || typeof node !== 'object') return out;
  if (node.type === 'number' || node.type === 'integer') out.push({ path, unit: node['x-unit'] });
  for (const [key, child] of Object.entries(node.properties ?? {})) numericFields(child, `${path}.${key}`, out);
  if (node.items) numericFields(node.items, `${path}[]`, out);
  for (const branch of [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])]) numericFields(branch, path, out);
  return out;
}

// Units that cannot be misread (issue 19, item 4): a count typed per µL where ×10⁹/L is meant gives the wrong response.
describe('units in the event schemas', () => {
  const variants = PROTOCOLS.flatMap((p) => [p, ...p.cohorts.map((c) => p.forCohort(c))]);
  it.each(variants.map((p) => [`${p.id} v${p.version}${p.cohort ? ` ${p.cohort}` : ''}`, p]))('states the unit of every numeric field of every event of %s', (_name, protocol) => {
    const { eventData } = protocolDefinition(protocol) as { eventData: Record<string, JsonSchema> };
    const fields = Object.entries(eventData).flatMap(([type, schema]) => numericFields(schema, type));
    expect(fields.length).toBeGreaterThan(30);
    expect(fields.filter((f) => !f.unit).map((f) => f.path)).toEqual([]);
  });

  it('gives physical quantities in UCUM and the counts of a response in the unit the request names', () => {
    const { eventData } = protocolDefinition(PROTOCOLS[0]) as { eventData: Record<string, JsonSchema> };
    const unitOf = (type: string, path: string) => numericFields(eventData[type], type).find((f) => f.path === `${type}.${path}`)?.unit;
    expect(unitOf('LYMPHODEPLETION_STARTED', 'weightKg')).toBe('kg');
    expect(unitOf('LYMPHODEPLETION_STARTED', 'heightCm')).toBe('cm');
    expect(unitOf('INFUSION_COMPLETED', 'cellsPerKg')).toBe('{cells}/kg');
    expect(unitOf('ADVERSE_EVENT_REPORTED', 'crs.temperatureC')).toBe('Cel');
    expect(unitOf('RESPONSE_ASSESSED', 'anc')).toBe('given in countsUnit (10^9/L or /uL)');
  });
});
