import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import { join, sep } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import helmet from 'helmet';
import { type AppConfig, Metrics, UserService } from '#domain';
import { AppModule, type AppOptions } from './app.module';
import { toBody } from './http/error-filter';

/** Builds the HTTP application (and, with `withWorker`, the worker in the same process). */
export async function createApp(config: AppConfig, options: AppOptions): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, options), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // Security headers on every answer; the OpenAPI page needs its inline script and styles.
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { scriptSrc: ["'self'", "'unsafe-inline'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] } },
    }),
  );
  const metrics = app.get(Metrics);
  app.use((req: Request, res: Response, next: NextFunction) => {
    const end = metrics.httpDuration.startTimer({ method: req.method });
    res.on('finish', () => end({ route: (req.route?.path as string | undefined) ?? 'unmatched', status: String(res.statusCode) }));
    next();
  });
  // A "__proto__" key would become an object's prototype once parsed by a schema, and what was sent
  // under it would be silently lost: refuse such a body outright.
  app.useBodyParser('json', {
    limit: config.bodyLimit,
    reviver: (key: string, value: unknown) => {
      if (key === '__proto__') throw new SyntaxError('the key "__proto__" is not allowed');
      return value;
    },
  });
  // Body-parser errors (too large, malformed JSON) happen before any route: answer them in the API's shape.
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!error) return next();
    const [status, body] = toBody(error);
    res.status(status).json(body);
  });
  app.enableShutdownHooks();
  serveConsole(app);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('CAR-T trial workflow engine')
      .setDescription('Runs CAR-T cell therapy trial protocols as per-patient state machines.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

  await app.get(UserService).ensureAdmin();
  return app;
}

/** Where `npm run build:web` puts the console's bundle: dist/web, from this file compiled (dist/apps/api/src) or not. */
const CONSOLE_DIR = join(__dirname, ...(__dirname.includes(`${sep}dist${sep}`) ? ['..', '..', '..'] : ['..', '..', '..', 'dist']), 'web');

/**
 * The web console's static files at /app (hash-routed, so index.html is the only page). Without a
 * bundle, /app says how to build one instead of a bare 404.
 */
function serveConsole(app: NestExpressApplication): void {
  if (existsSync(join(CONSOLE_DIR, 'index.html'))) {
    app.useStaticAssets(CONSOLE_DIR, { prefix: '/app', index: 'index.html', maxAge: '1h', setHeaders: noCacheForIndex });
    return;
  }
  app.use('/app', (_req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', message: 'The web console is not built: run npm run build (or npm run build:web) and restart.' });
  });
}

/** The bundle's files carry content hashes and may be cached; index.html names them, so it must not be. */
function noCacheForIndex(res: Response, path: string): void {
  if (path.endsWith('index.html')) res.setHeader('Cache-Control', 'no-cache');
}

export type { AppOptions };
