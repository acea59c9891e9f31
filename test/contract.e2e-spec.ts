import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { SwaggerModule } from '@nestjs/swagger';
import type { z } from 'zod';
import {
  accessPageSchema,
  auditAnswerSchema,
  checkpointKeySchema,
  errorBodySchema,
  eventAnswerSchema,
  healthSchema,
  inboxSchema,
  logEntrySchema,
  outcomesSchema,
  patientPageSchema,
  patientSchema,
  protocolDefinitionSchema,
  protocolSummarySchema,
  scheduleSchema,
  trialSchema,
  userSchema,
  worklistSchema,
} from '#contract';
import { USER_EVENT_TYPES } from '#protocols';
import { startTestApp, type TestApp } from './support/test-app';
import { TrialSite } from './support/trial-site';

interface Lint {
  errors: number;
  warnings: number;
  problems: Array<{ rule: string; severity: string; message: string; at?: string }>;
}

/** Redocly's `recommended` rules over a document (scripts/lint-openapi.mjs: the linter ships ES modules only, so it runs in its own Node). */
function lint(document: unknown): Lint {
  let out: string;
  try {
    out = execFileSync(process.execPath, [join(__dirname, '..', 'scripts', 'lint-openapi.mjs')], { input: JSON.stringify(document), encoding: 'utf8' });
  } catch (error) {
    out = String((error as { stdout?: string }).stdout ?? '');
  }
  return JSON.parse(out) as Lint;
}

/** The answer's body must be exactly what the contract's schema says: no field missing, none unknown. */
function expectAnswer<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`the answer does not match the contract:\n${JSON.stringify(parsed.error.issues, null, 2)}`);
  return parsed.data;
}

const OPERATIONS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const operationsOf = (paths: Record<string, Record<string, unknown>>) =>
  Object.entries(paths)
    .flatMap(([path, item]) => OPERATIONS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();

/** The published contract: generated from the zod schemas, linted, and checked against the routes and the real answers. */
describe.each(['postgres', 'sqlite'] as const)('the HTTP contract on %s', (kind) => {
  let t: TestApp;
  let site: TrialSite;
  let document: {
    paths: Record<string, Record<string, { operationId?: string; summary?: string; responses: Record<string, unknown>; security?: unknown[] }>>;
    components: { securitySchemes: Record<string, Record<string, unknown>> };
  };

  beforeAll(async () => {
    t = await startTestApp(kind);
    site = await TrialSite.open(t, 'site-a');
    const res = await t.http.get('/docs-json');
    expect(res.status).toBe(200);
    document = res.body;
  });
  afterAll(() => t.close());

  it("passes Redocly's recommended rules with no error", () => {
    const { errors, warnings, problems } = lint(document);
    // The count of warnings is reported, not asserted: they are advice (e.g. a 4xx on every operation).
    const advice = problems.map((p) => `${p.rule} at ${p.at}: ${p.message}`).join('\n');
    process.stdout.write(`Redocly recommended on /docs-json: ${errors} errors, ${warnings} warnings\n${advice}\n`);
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('describes the data of every event, every number with its unit', () => {
    const schemas = (
      document.components as unknown as { schemas: Record<string, { properties?: Record<string, { 'x-unit'?: string; properties?: Record<string, { 'x-unit'?: string }> }> }> }
    ).schemas;
    expect(schemas.EventData_INFUSION_COMPLETED.properties!.cellsPerKg['x-unit']).toBe('{cells}/kg');
    expect(schemas.EventData_RESPONSE_ASSESSED.properties!.anc['x-unit']).toBe('given in countsUnit (10^9/L or /uL)');
    expect(schemas.EventData_ADVERSE_EVENT_REPORTED.properties!.crs.properties!.temperatureC['x-unit']).toBe('Cel');
    expect(schemas.EventData_PRODUCT_RELEASED.properties!.results.properties!.viabilityPct['x-unit']).toBe('%');
    expect(Object.keys(schemas).filter((name) => name.startsWith('EventData_'))).toHaveLength(USER_EVENT_TYPES.length);
  });

  it('lints a broken document with errors, so the check can fail', () => {
    const broken = structuredClone(document);
    const answers = broken.paths['/patients/{id}'].get.responses as Record<string, { content: Record<string, { schema: unknown }> }>;
    answers['200'].content['application/json'].schema = { $ref: '#/components/schemas/NoSuchSchema' };
    expect(lint(broken).problems.filter((p) => p.severity === 'error')).toEqual([expect.objectContaining({ rule: 'no-unresolved-refs' })]);
  });

  it('describes every route the controllers serve, and no other', () => {
    // Nest's own scan of the controllers lists every route they serve; /metrics is for the host only.
    const served = operationsOf(SwaggerModule.createDocument(t.app, { openapi: '3.1.0', info: { title: '', version: '' } }).paths as never).filter((op) => op !== 'GET /metrics');
    expect(operationsOf(document.paths)).toEqual(served);
  });

  it('gives each operation an id, a summary, its answers and errors, and the opaque bearer token', () => {
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
    const ids = operations.map((op) => op.operationId);
    expect(new Set(ids).size).toBe(operations.length);
    for (const op of operations) {
      expect(op.summary).toBeTruthy();
      expect(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s))).toBe(true);
      expect(op.responses['500']).toBeDefined();
    }
    expect(document.paths['/patients/{id}/events'].post.responses).toEqual(
      expect.objectContaining({
        '200': expect.anything(),
        '400': expect.anything(),
        '401': expect.anything(),
        '404': expect.anything(),
        '409': expect.anything(),
        '422': expect.anything(),
      }),
    );
    expect(document.paths['/health'].get.security).toEqual([]);
    expect(document.paths['/worklist'].get.security).toEqual([{ bearerToken: [] }]);
    const scheme = document.components.securitySchemes.bearerToken;
    expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(scheme).not.toHaveProperty('bearerFormat');
    expect(scheme.description).toMatch(/ct_/);
  });

  it('documents the query parameters the routes validate', () => {
    const names = (path: string) => ((document.paths[path].get as { parameters?: Array<{ name: string; in: string }> }).parameters ?? []).map((p) => `${p.in}:${p.name}`);
    expect(names('/patients')).toEqual(expect.arrayContaining(['query:protocolId', 'query:status', 'query:limit', 'query:offset']));
    expect(names('/patients/{id}/events')).toEqual(expect.arrayContaining(['path:id', 'query:afterSeq', 'query:limit']));
    expect(names('/trials/{protocolId}/outcomes')).toEqual(expect.arrayContaining(['path:protocolId', 'query:version', 'query:asOf']));
  });

  it('matches the real answers of the key routes', async () => {
    const registered = await t.http
      .post('/patients')
      .set('Authorization', `Bearer ${site.coordinator}`)
      .send({ protocolId: 'cd19-rr-all', subjectId: 'contract-S001', siteId: 'site-a', sex: 'male', birthDate: '1988-02-03', weightKg: 80, heightCm: 180 });
    expect(registered.status).toBe(201);
    const patient = expectAnswer(patientSchema, registered.body);

    await site.readyForInfusion(patient.id);
    const infused = await site.post(patient.id, { type: 'INFUSION_COMPLETED', data: { cellsPerKg: 7e6 } });
    expect(infused.status).toBe(200);
    expectAnswer(eventAnswerSchema, infused.body);
    const ae = await t.http
      .post(`/patients/${patient.id}/adverse-events`)
      .set('Authorization', `Bearer ${site.coordinator}`)
      .send({ term: 'Encephalopathy', grade: 3, onset: t.clock.now().toISOString(), related: true, serious: true });
    expect(ae.status).toBe(200);
    expect(expectAnswer(eventAnswerSchema, ae.body).result).toMatchObject({ grade: 3, dlt: true });

    expectAnswer(patientSchema, (await site.get(`/patients/${patient.id}`)).body);
    expectAnswer(patientPageSchema, (await site.get('/patients?protocolId=cd19-rr-all')).body);
    const log = (await site.get(`/patients/${patient.id}/events`)).body as unknown[];
    expect(log.length).toBeGreaterThan(5);
    for (const entry of log) expectAnswer(logEntrySchema, entry);
    expectAnswer(scheduleSchema, (await site.get(`/patients/${patient.id}/schedule`)).body);
    expectAnswer(worklistSchema, (await site.get('/worklist')).body);
    expectAnswer(trialSchema, (await site.get('/trials/cd19-rr-all')).body);
    expectAnswer(outcomesSchema, (await site.get('/trials/cd19-rr-all/outcomes')).body);
    for (const p of (await site.get('/protocols')).body as unknown[]) expectAnswer(protocolSummarySchema, p);
    expectAnswer(protocolDefinitionSchema, (await site.get('/protocols/cd19-rr-all')).body);
    expectAnswer(userSchema, (await site.get('/users/me')).body);
    expectAnswer(inboxSchema, (await site.get('/notifications')).body);
    expectAnswer(checkpointKeySchema, (await site.get('/audit/checkpoints/key')).body);
    expectAnswer(auditAnswerSchema, (await site.get('/audit/verify', t.adminToken)).body);
    expectAnswer(accessPageSchema, (await site.get('/audit/access', t.adminToken)).body);
    expectAnswer(healthSchema, (await t.http.get('/health')).body);
  });

  it('matches the error answers', async () => {
    const answers = [
      await t.http.get('/worklist'),
      await site.get('/patients/00000000-0000-4000-8000-000000000000'),
      await site.get('/patients?limit=0'),
      await site.get('/users'),
    ];
    expect(answers.map((a) => a.status)).toEqual([401, 404, 400, 403]);
    for (const answer of answers) expectAnswer(errorBodySchema, answer.body);
  });

  it('refuses an answer with a field the contract does not name, or without one it requires', async () => {
    const body = (await site.get('/worklist')).body as Record<string, unknown>;
    expect(worklistSchema.safeParse({ ...body, surprise: 1 }).success).toBe(false);
    const { now: _now, ...withoutNow } = body;
    expect(worklistSchema.safeParse(withoutNow).success).toBe(false);
  });
});
