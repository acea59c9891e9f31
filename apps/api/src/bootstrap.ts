import type { NextFunction, Request, Response } from 'express';
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

export type { AppOptions };
