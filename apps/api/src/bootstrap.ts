import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join, sep } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import secureJson from 'secure-json-parse';
import { openApiDocument } from '#contract';
import { type AppConfig, InvalidInputError, jsonTextProblems, Metrics, UserService } from '#domain';
import { AppModule, type AppOptions } from './app.module';
import { refuseUnfitText } from './http/request-text';
import { FhirBody } from './controllers/integrations.controller';

/**
 * Builds the HTTP application (and, with `withWorker`, the worker in the same process) on Fastify
 * (docs/adr/0002-fastify.md).
 */
export async function createApp(config: AppConfig, options: AppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    // `request.ip` (rate limits, access audit) is X-Forwarded-For's only when the socket is a trusted
    // proxy (TRUST_PROXY); otherwise the header is ignored, so a client cannot pick its own address.
    trustProxy: config.trustProxy.length ? config.trustProxy : false,
    // A caller's X-Request-Id (trimmed) or a new UUID: logged with the request and sent back.
    genReqId: (request: IncomingMessage) => (request.headers['x-request-id'] as string | undefined)?.slice(0, 100) || randomUUID(),
    // Long ids and query strings stay within Node's own limits; the router's default is 100 characters.
    routerOptions: { maxParamLength: 500 },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, options), adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.useBodyParser('application/json', { bodyLimit: config.bodyLimitBytes }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body.toString('utf8')));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  registerLabParsers(app, config);
  // Security headers on every answer. Scripts only from this origin, never inline: the console's
  // bundle and the OpenAPI page (Swagger UI loads its scripts as files, swagger-ui-init.js included)
  // need nothing else. Inline styles stay allowed: Mantine and Mermaid set style attributes, and the
  // OpenAPI page has a <style> block; a style cannot run code. Helmet's middleware is built once here
  // (@fastify/helmet rebuilds it, CSP parsing included, per request).
  const securityHeaders = helmet({
    contentSecurityPolicy: { directives: { scriptSrc: ["'self'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] } },
  });
  const metrics = app.get(Metrics);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    securityHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
  // A NUL or a lone surrogate in a path id, the query or a kept header is a 400 before any route
  // runs (the body's text is checked where it is parsed, in parseJsonBody).
  fastify.addHook('preValidation', (request, _reply, done) => {
    try {
      refuseUnfitText(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
  app.enableShutdownHooks();
  await serveConsole(app);

  // The OpenAPI document is generated from the HTTP contract's zod schemas (libs/contract), not from the controllers.
  SwaggerModule.setup('docs', app, openApiDocument() as OpenAPIObject, { jsonDocumentUrl: 'docs-json' });

  await app.get(UserService).ensureAdmin();
  return app;
}

/**
 * A JSON body. A "__proto__" key would become an object's prototype once parsed by a schema, and
 * what was sent under it would be silently lost ("constructor.prototype" likewise): such a body is
 * refused outright, and so is malformed JSON, each named. So is text the record cannot keep as it
 * was hashed (a NUL, a lone surrogate, in a value or a key) and a body nested deeper than
 * MAX_JSON_DEPTH, which nothing legitimate needs and which would exhaust the stack of any recursive
 * walk after it (hashing the request for its Idempotency-Key was one).
 */
export function parseJsonBody(text: string): unknown {
  let body: unknown;
  try {
    body = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const why = /forbidden prototype/.test(String(error))
      ? 'the key "__proto__" is not allowed'
      : /forbidden constructor/.test(String(error))
        ? 'the key "constructor" may not hold a "prototype"'
        : text.trim() === ''
          ? 'the body is empty'
          : `malformed JSON (${(error as Error).message})`;
    throw new InvalidInputError(`The request body is not valid JSON: ${why}.`, [`body: ${why}`]);
  }
  const problems = jsonTextProblems(body);
  if (problems.length) throw new InvalidInputError('The request body is not valid.', problems);
  return body;
}

/**
 * The largest HL7 v2 body over HTTP. Above HL7_MAX_MESSAGE_BYTES and up to this, a message is
 * recorded (its first bytes) and answered AR; above this, Fastify answers 413 before anything is read.
 */
export const HL7_HTTP_BODY_LIMIT = 16 * 1024 ** 2;

/**
 * Lab messages over HTTP: HL7 v2 (ER7, as `x-application/hl7-v2+er7` or `text/plain`) reaches its
 * route as the bytes sent, so the route decides what is wrong with them and records it; FHIR JSON
 * (`application/fhir+json`) is parsed as the API's JSON is, and a body that fails is handed on as
 * such rather than refused before the route.
 */
function registerLabParsers(app: NestFastifyApplication, config: AppConfig): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser(
    ['text/plain', 'x-application/hl7-v2+er7'],
    { parseAs: 'buffer', bodyLimit: Math.max(HL7_HTTP_BODY_LIMIT, config.hl7.maxMessageBytes) },
    (_request, body, done) => done(null, body),
  );
  fastify.addContentTypeParser('application/fhir+json', { parseAs: 'string', bodyLimit: config.bodyLimitBytes }, (_request, body, done) => {
    try {
      done(null, new FhirBody(body as string, parseJsonBody(body as string)));
    } catch (error) {
      const issues = error instanceof InvalidInputError ? ((error.details.issues as string[] | undefined) ?? []) : [];
      done(null, new FhirBody(body as string, undefined, [(error as Error).message, ...issues].join(' ')));
    }
  });
}

/** Where `npm run build:web` puts the console's bundle: dist/web, from this file compiled (dist/apps/api/src) or not. */
const CONSOLE_DIR = join(__dirname, ...(__dirname.includes(`${sep}dist${sep}`) ? ['..', '..', '..'] : ['..', '..', '..', 'dist']), 'web');

/**
 * The web console's static files at /app (hash-routed, so index.html is the only page). Without a
 * bundle, /app says how to build one instead of a bare 404.
 */
async function serveConsole(app: NestFastifyApplication): Promise<void> {
  // The service's own address leads a person to the console.
  app
    .getHttpAdapter()
    .getInstance()
    .get('/', (_request, reply) => reply.redirect('/app/', 302));
  if (existsSync(join(CONSOLE_DIR, 'index.html'))) {
    app.useStaticAssets({ root: CONSOLE_DIR, prefix: '/app', index: 'index.html', redirect: true, maxAge: '1h', setHeaders: noCacheForIndex });
    return;
  }
  const notBuilt = { error: 'not_found', message: 'The web console is not built: run npm run build (or npm run build:web) and restart.' };
  const fastify = app.getHttpAdapter().getInstance();
  for (const url of ['/app', '/app/*']) fastify.get(url, (_request, reply) => reply.code(404).send(notBuilt));
}

/**
 * The bundle's files carry content hashes and may be cached; index.html names them, so it must not be.
 * @fastify/static types this argument as a raw response but passes the Fastify reply: either is taken.
 */
function noCacheForIndex(res: object, path: string): void {
  if (!path.endsWith('index.html')) return;
  const reply = res as { header?(name: string, value: string): unknown; setHeader?(name: string, value: string): unknown };
  if (reply.header) reply.header('Cache-Control', 'no-cache');
  else reply.setHeader?.('Cache-Control', 'no-cache');
}

export type { AppOptions };
