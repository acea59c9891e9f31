import { type DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { type AppConfig, type Clock, DomainModule } from '#domain';
import { WorkerModule } from '../../worker/src/worker.module';
import { AuthGuard } from './http/auth';
import { rateLimits } from './http/rate-limits';
import { ErrorFilter } from './http/error-filter';
import { HealthController } from './controllers/health.controller';
import { ProtocolsController } from './controllers/protocols.controller';
import { PatientsController } from './controllers/patients.controller';
import { UsersController } from './controllers/users.controller';
import { AuditController } from './controllers/audit.controller';
import { MetricsController } from './controllers/metrics.controller';
import { TrialsController } from './controllers/trials.controller';
import { NotificationsController } from './controllers/notifications.controller';
import { WorklistController } from './controllers/worklist.controller';
import { AmendmentsController } from './controllers/amendments.controller';
import { IntegrationsController } from './controllers/integrations.controller';
import { ReachController } from './controllers/reach.controller';
import { ManufacturingController } from './controllers/manufacturing.controller';
import { QueriesController } from './controllers/queries.controller';
import { DeviationsController } from './controllers/deviations.controller';

export interface AppOptions {
  /** Run the BullMQ worker in this process too (`npm start`). */
  withWorker: boolean;
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          // Every route: nestjs-pino's default pattern does not reach Fastify's middleware (@fastify/middie).
          forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
          pinoHttp: {
            level: config.logLevel,
            // The request id is Fastify's (X-Request-Id or a new UUID: bootstrap.ts), already on the request.
            // Never log bodies or credentials: patient data stays out of the logs.
            serializers: { req: (req) => ({ id: req.id, method: req.method, url: req.url }), res: (res) => ({ statusCode: res.statusCode }) },
            redact: ['req.headers.authorization'],
          },
          // The actor the auth guard assigns (PinoLogger.assign) is on the "request completed" line too.
          assignResponse: true,
        }),
        DomainModule.forRoot(config, { clock: options.clock }),
        ThrottlerModule.forRoot(rateLimits(config)),
        ...(options.withWorker ? [WorkerModule] : []),
      ],
      controllers: [
        HealthController,
        AmendmentsController,
        MetricsController,
        TrialsController,
        NotificationsController,
        ProtocolsController,
        PatientsController,
        QueriesController,
        DeviationsController,
        WorklistController,
        UsersController,
        AuditController,
        IntegrationsController,
        ManufacturingController,
        ReachController,
      ],
      providers: [
        { provide: APP_GUARD, useClass: ThrottlerGuard },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
