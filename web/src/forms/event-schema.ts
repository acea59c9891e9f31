import type { RJSFSchema, UiSchema } from '@rjsf/utils';
import type { Patient, ProtocolDefinition, Visit } from '../api/types';
import { formatDateTime, formatNumber, formatRange, formatStudyDay, humanizeKey } from '../lib/format';
import { isObject, type Schema } from './json-schema';
import { RESPONSE_FINDINGS } from '@protocols/policy';

/** What a form needs to know besides the protocol's schema: the patient, its schedule. */
export interface EventFormContext {
  protocol: ProtocolDefinition;
  patient: Patient;
  visits: Visit[];
}

export interface EventFormSpec {
  schema: RJSFSchema;
  uiSchema: UiSchema;
  /** False for events that carry no data (ENROLLED …): the form has only the common fields. */
  hasFields: boolean;
}

/** A date or date-time (zod writes `anyOf: [date-time, date]`): one UTC date-time field. */
function isClinicalTime(schema: Schema): boolean {
  if (schema.type === 'string' && (schema.format === 'date-time' || schema.format === 'date')) return true;
  return (
    Array.isArray(schema.anyOf) && schema.anyOf.length > 0 && schema.anyOf.every((o) => isObject(o) && o.type === 'string' && (o.format === 'date-time' || o.format === 'date'))
  );
}

/**
 * A field's unit as a person reads it: the schema states it in UCUM (`Cel`, `{cells}/kg`, `[EU]/kg`),
 * annotations in braces; a unit the request names elsewhere is said so.
 */
export function readableUnit(unit: string): string {
  if (unit === 'Cel') return '°C';
  if (unit === '%' || unit.startsWith('given in')) return unit;
  return unit.replace(/[{}[\]]/g, '').replace(/^× ULN$/, '× ULN');
}

/**
 * The protocol's JSON Schema made into a form: no `$schema`, dates as one date-time field, a title
 * for every field (with its unit, which the schema states for every number), required yes/no
 * questions answered "no" until ticked.
 */
function normalize(schema: Schema, key?: string, depth = 0): Schema {
  if (isClinicalTime(schema)) return { type: 'string', format: 'date-time', ...(key ? { title: humanizeKey(key) } : {}) };
  const { $schema: _s, propertyNames: _p, ...rest } = schema;
  const out: Schema = { ...rest };
  if (key && !out.title) out.title = humanizeKey(key);
  const unit = out['x-unit'];
  if (typeof unit === 'string' && typeof out.title === 'string' && !out.title.includes('(')) out.title = `${out.title} (${readableUnit(unit)})`;
  if (isObject(rest.properties)) {
    const required = new Set(Array.isArray(rest.required) ? (rest.required as string[]) : []);
    out.properties = Object.fromEntries(
      Object.entries(rest.properties).map(([k, v]) => {
        const field = normalize(v as Schema, k, depth + 1);
        // A required yes/no of the event itself reads "no" until ticked; inside an optional group it stays unset.
        if (depth === 0 && field.type === 'boolean' && required.has(k) && field.default === undefined) field.default = false;
        return [k, field];
      }),
    );
  }
  if (isObject(rest.additionalProperties)) out.additionalProperties = normalize(rest.additionalProperties, undefined, depth + 1);
  if (isObject(rest.items)) out.items = normalize(rest.items, undefined, depth + 1);
  return out;
}

/** Widgets for the fields the theme would not render well: clinical times (UTC), long text. */
function uiFor(schema: Schema): UiSchema {
  const ui: UiSchema = {};
  if (!isObject(schema.properties)) return ui;
  for (const [key, field] of Object.entries(schema.properties as Record<string, Schema>)) {
    if (field.type === 'string' && field.format === 'date-time') ui[key] = { 'ui:widget': 'clinicalDateTime' };
    else if (field.type === 'string' && typeof field.maxLength === 'number' && field.maxLength >= 400) ui[key] = { 'ui:widget': 'textarea', 'ui:options': { rows: 2 } };
    else if (field.type === 'object') ui[key] = uiFor(field);
  }
  return ui;
}

const visitLabel = (v: Visit) => `${v.name} · ${formatStudyDay(v.day)} · window ${formatRange(v.windowStart, v.windowEnd)} · ${v.status}`;

/** A visit picked from the patient's schedule (the server refuses an unknown visit name). */
function visitField(visits: Visit[], include: (v: Visit) => boolean): Schema | null {
  const options = visits.filter(include);
  if (!options.length) return null;
  return { type: 'string', title: 'Visit', oneOf: options.map((v) => ({ const: v.name, title: visitLabel(v) })) };
}

function responseCriteria(ctx: EventFormContext): string {
  const cohort = ctx.protocol.cohorts?.find((c) => c.id === ctx.patient.cohort);
  return cohort?.responseCriteria ?? ctx.protocol.responseCriteria;
}

function omit(properties: Record<string, Schema>, keys: readonly string[]): Record<string, Schema> {
  return Object.fromEntries(Object.entries(properties).filter(([k]) => !keys.includes(k)));
}

/** The form of one event type for this patient: the protocol's schema, with what the record knows filled in as choices. */
export function eventFormSpec(type: string, ctx: EventFormContext): EventFormSpec {
  const raw = ctx.protocol.eventData[type] ?? { type: 'object', properties: {} };
  const schema = normalize(raw);
  const properties = { ...((schema.properties as Record<string, Schema> | undefined) ?? {}) };
  const uiSchema: UiSchema = {
    'ui:submitButtonOptions': { norender: true },
    // Optional groups (CRS findings, labs …) stay out of the data until added.
    'ui:globalOptions': { enableOptionalDataFieldForType: ['object'] },
  };
  let order: string[] | undefined;

  switch (type) {
    case 'VISIT_COMPLETED': {
      const visit = visitField(ctx.visits, (v) => v.status !== 'done');
      if (visit) properties.visit = visit;
      break;
    }
    case 'RESPONSE_ASSESSED': {
      const visit = visitField(ctx.visits, () => true);
      if (visit) properties.visit = visit;
      const criteria = responseCriteria(ctx);
      const kept = omit(properties, criteria === 'LUGANO_2014' ? RESPONSE_FINDINGS.ALL : RESPONSE_FINDINGS.LUGANO_2014);
      Object.keys(properties).forEach((k) => delete properties[k]);
      Object.assign(properties, kept);
      if (properties.response) {
        properties.response = {
          ...properties.response,
          title: 'Response given directly',
          description: "Only as the investigator's adjudication (an electronic signature). Leave empty to have the response computed from the findings.",
        };
      }
      order = ['visit', '*', 'response'];
      schema.description = criteria === 'LUGANO_2014' ? 'Lugano 2014 findings.' : 'ALL response findings (bone marrow, blood counts, MRD).';
      break;
    }
    case 'ELIGIBILITY_CONFIRMED': {
      const statements = Object.entries(ctx.protocol.attestations ?? {});
      if (statements.length) {
        properties.attestations = {
          type: 'array',
          title: 'Attestations',
          description: "The investigator's judgement calls the trial record leaves open; tick each that holds.",
          uniqueItems: true,
          items: { type: 'string', oneOf: statements.map(([id, statement]) => ({ const: id, title: statement })) },
        };
        uiSchema.attestations = { 'ui:widget': 'checkboxes' };
      }
      break;
    }
    case 'ADVERSE_EVENT_REPORTED':
      schema.description = 'Give a CTCAE grade, or add the CRS or ICANS findings to have the ASTCT grade computed.';
      order = ['term', 'grade', 'onset', 'related', 'serious', 'resolvedAt', 'crs', 'icans', '*'];
      break;
    case 'DLT_ADJUDICATED': {
      const dlts = ctx.patient.record.dlts;
      if (dlts.length) {
        properties.term = { type: 'string', title: 'Adverse event', enum: [...new Set(dlts.map((d) => d.term))] };
        properties.onset = {
          type: 'string',
          title: 'Onset',
          oneOf: dlts.map((d) => ({ const: d.onset, title: `${formatDateTime(d.onset)} · ${d.term}, grade ${d.grade}` })),
        };
      }
      order = ['term', 'onset', 'dlt', 'rationale', '*'];
      break;
    }
    case 'INFUSION_COMPLETED': {
      const level = ctx.protocol.doseLevels.find((d) => d.level === ctx.patient.doseLevel);
      if (properties.cellsPerKg && level) {
        properties.cellsPerKg = {
          ...properties.cellsPerKg,
          description: `Assigned dose level ${level.level} (${level.label}): from ${formatNumber(level.minCellsPerKg)} to ${formatNumber(level.maxCellsPerKg)} cells/kg.`,
        };
      }
      uiSchema.cellsPerKg = { 'ui:options': { thousandSeparator: ',' } };
      // The engine records no infusion without the bedside check: the bag's identifier is asked for, not an optional group.
      if (properties.bedsideCheck) {
        properties.bedsideCheck = {
          ...properties.bedsideCheck,
          title: 'Bedside check',
          description: "The chain-of-identity identifier on the product bag, scanned or typed; it must be this patient's.",
          properties: { bagCoi: { ...((properties.bedsideCheck.properties as Record<string, Schema>)?.bagCoi ?? {}), title: "Product bag's chain-of-identity identifier" } },
        };
        schema.required = [...new Set([...((schema.required as string[] | undefined) ?? []), 'bedsideCheck'])];
      }
      break;
    }
    case 'LYMPHODEPLETION_STARTED': {
      const { weightKg, heightCm } = ctx.patient.record.demographics;
      schema.description = `Leave empty to use the registered weight and height (${weightKg} kg, ${heightCm} cm).`;
      break;
    }
    case 'LAB_RESULT_RECORDED':
      if (properties.code) {
        properties.code = { ...properties.code, title: 'Code', description: 'CAR_COPIES, CAR_T_PERCENT, IL6, IL10, IFNG, TNFA, MRD …' };
      }
      order = ['code', 'value', 'unit', 'compartment', 'collectedAt', '*'];
      break;
  }

  const shaped: Schema = { ...schema, properties };
  delete shaped.title;
  Object.assign(uiSchema, uiFor(shaped));
  if (order) uiSchema['ui:order'] = order.filter((k) => k === '*' || k in properties);
  return { schema: shaped as RJSFSchema, uiSchema, hasFields: Object.keys(properties).length > 0 };
}

/** The data as sent: no empty strings, no empty groups, no empty lists (an omitted optional field). */
export function prune(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(prune).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (isObject(value)) {
    const entries = Object.entries(value)
      .map(([k, v]) => [k, prune(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  if (value === '' || value === null) return undefined;
  return value;
}
