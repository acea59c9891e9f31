import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { baseEventDataSchemas, screeningDataSchema, USER_EVENT_TYPES } from '#protocols';
import { registry } from './routes';

const TAGS = [
  { name: 'patients', description: 'Registration, events, the record, the schedule, exports of one patient.' },
  { name: 'worklist', description: "A site's day on one page." },
  { name: 'trials', description: 'Enrollment, dose escalation, signed acts, SDTM, outcomes.' },
  { name: 'amendments', description: 'Amendments that reach patients on study: dry run, signed migration, rollover into long-term follow-up.' },
  { name: 'protocols', description: 'The protocol definitions and their state machines.' },
  { name: 'users', description: 'Users, tokens and signing passwords.' },
  { name: 'notifications', description: 'The in-app inbox and webhooks.' },
  { name: 'audit', description: 'Hash-chain verification, checkpoints, the access audit.' },
  { name: 'health', description: 'Liveness and readiness.' },
  { name: 'integrations', description: 'Lab results in (HL7 v2 ORU^R01, FHIR R4 Observations) and the integration inbox.' },
  { name: 'manufacturing', description: "Manufacturing sites, their weekly slots and queue, and each patient's slot." },
  { name: 'queries', description: "Data queries: a monitor's or an investigator's question on one log entry or field, and the site's answer." },
];

/** The OpenAPI 3.1 document of the HTTP API, generated from the contract's routes (served at /docs-json). */
export function openApiDocument() {
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'CAR-T trial workflow engine',
      version: '1',
      description: 'Runs CAR-T cell therapy trial protocols as per-patient state machines.',
      license: { name: 'UNLICENSED', identifier: 'LicenseRef-UNLICENSED' },
    },
    servers: [{ url: '/' }],
    tags: TAGS,
  });
  // The `data` of each event a person may post, as every protocol starts from it (a protocol's own, with its
  // cohort's, is at GET /protocols/{id}): every number with its unit (`x-unit`, UCUM where it is a physical quantity).
  const schemas = (document.components ??= {}).schemas ?? {};
  for (const type of USER_EVENT_TYPES) {
    const schema = type === 'SCREENING_DATA_RECORDED' ? screeningDataSchema : baseEventDataSchemas[type];
    const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
    schemas[`EventData_${type}`] = json as never;
  }
  document.components.schemas = schemas;
  return document;
}
