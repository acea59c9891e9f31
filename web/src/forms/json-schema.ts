/**
 * A small JSON Schema checker for the event forms: the keywords the protocols' `eventData` schemas
 * use (type, enum, const, required, properties, additionalProperties, bounds, lengths, pattern,
 * date formats, items, anyOf / oneOf / allOf). It interprets the schema instead of compiling it to
 * code, so it runs under the console's content security policy (no 'unsafe-eval', which Ajv needs).
 * The server validates every event again and has the last word.
 */

export type Schema = Record<string, unknown>;

export interface SchemaIssue {
  /** Where in the data: ["crs", "temperatureC"]. */
  path: string[];
  keyword: string;
  message: string;
}

/** A JSON object (not an array, not null). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

function formatOk(format: string, value: string): boolean {
  if (format === 'date') return DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
  if (format === 'date-time') return DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
  return true;
}

const patterns = new Map<string, RegExp | null>();
function regex(source: string): RegExp | null {
  if (!patterns.has(source)) {
    try {
      patterns.set(source, new RegExp(source, 'u'));
    } catch {
      patterns.set(source, null);
    }
  }
  return patterns.get(source) ?? null;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Every issue of `value` against `schema` (empty when it conforms). */
export function checkSchema(schema: Schema, value: unknown, path: string[] = []): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const add = (keyword: string, message: string, at = path) => issues.push({ path: at, keyword, message });

  if (value === undefined) return issues;

  const type = schema.type;
  if (typeof type === 'string' && !matchesType(value, type)) {
    add('type', `must be ${type === 'integer' ? 'a whole number' : type === 'boolean' ? 'yes or no' : `a ${type}`}`);
    return issues;
  }
  if (Array.isArray(type) && !type.some((t) => matchesType(value, String(t)))) {
    add('type', `must be one of the types ${type.join(', ')}`);
    return issues;
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => option === value)) add('enum', `must be one of: ${schema.enum.join(', ')}`);
  if ('const' in schema && schema.const !== value) add('const', `must be ${String(schema.const)}`);

  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) add('minimum', `must be at least ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) add('maximum', `must be at most ${schema.maximum}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) add('exclusiveMinimum', `must be more than ${schema.exclusiveMinimum}`);
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) add('exclusiveMaximum', `must be less than ${schema.exclusiveMaximum}`);
    if (typeof schema.multipleOf === 'number' && Math.abs(value / schema.multipleOf - Math.round(value / schema.multipleOf)) > 1e-9) {
      add('multipleOf', `must be a multiple of ${schema.multipleOf}`);
    }
  }

  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof schema.minLength === 'number' && length < schema.minLength)
      add('minLength', schema.minLength === 1 ? 'must not be empty' : `must have at least ${plural(schema.minLength, 'character')}`);
    if (typeof schema.maxLength === 'number' && length > schema.maxLength) add('maxLength', `must have at most ${plural(schema.maxLength, 'character')}`);
    if (typeof schema.format === 'string' && !formatOk(schema.format, value)) add('format', schema.format === 'date' ? 'must be a date' : 'must be a date and time');
    if (typeof schema.pattern === 'string') {
      const re = regex(schema.pattern);
      if (re && !re.test(value)) add('pattern', 'is not in the expected form');
    }
  }

  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) add('minItems', `must have at least ${plural(schema.minItems, 'item')}`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) add('maxItems', `must have at most ${plural(schema.maxItems, 'item')}`);
    if (schema.uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) add('uniqueItems', 'must not repeat an item');
    if (isObject(schema.items)) value.forEach((item, i) => issues.push(...checkSchema(schema.items as Schema, item, [...path, String(i)])));
  }

  if (isObject(value)) {
    const properties = isObject(schema.properties) ? (schema.properties as Record<string, Schema>) : {};
    for (const key of Array.isArray(schema.required) ? (schema.required as string[]) : []) {
      if (value[key] === undefined) add('required', 'is required', [...path, key]);
    }
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      if (properties[key]) issues.push(...checkSchema(properties[key], item, [...path, key]));
      else if (schema.additionalProperties === false) add('additionalProperties', `has an unknown field "${key}"`);
      else if (isObject(schema.additionalProperties)) issues.push(...checkSchema(schema.additionalProperties, item, [...path, key]));
    }
  }

  if (Array.isArray(schema.allOf)) for (const part of schema.allOf as Schema[]) issues.push(...checkSchema(part, value, path));
  if (Array.isArray(schema.anyOf) && !(schema.anyOf as Schema[]).some((option) => checkSchema(option, value, path).length === 0)) {
    add('anyOf', 'does not match any of the allowed forms');
  }
  if (Array.isArray(schema.oneOf) && (schema.oneOf as Schema[]).filter((option) => checkSchema(option, value, path).length === 0).length !== 1) {
    add('oneOf', 'must match exactly one of the allowed forms');
  }
  return issues;
}
