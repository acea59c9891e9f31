import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { type AppConfig, type Clock, DomainModule } from '#domain';
import { WorkerModule } from '../../worker/src/worker.module';
import { AuthGuard } from './http/auth';
import { ErrorFilter } from './http/error-filter';
import { HealthController } from './controllers/health.controller';
import { ProtocolsController } from './controllers/protocols.controller';
import { PatientsController } from './controllers/patients.controller';
import { UsersController } from './controllers/users.controller';
import { AuditController } from './controllers/audit.controller';
import { MetricsController } from './controllers/metrics.controller';
import { TrialsController } from './controllers/trials.controller';

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
          pinoHttp: {
            level: config.logLevel,
            genReqId: (req, res) => {
              const id = (req.headers['x-request-id'] as string | undefined)?.slice(0, 100) ?? randomUUID();
              res.setHeader('X-Request-Id', id);
              return id;
            },
            // Never log bodies or credentials: patient data stays out of the logs.
            serializers: { req: (req) => ({ id: req.id, method: req.method, url: req.url }), res: (res) => ({ statusCode: res.statusCode }) },
            redact: ['req.headers.authorization'],
          },
        }),
        DomainModule.forRoot(config, { clock: options.clock }),
        ...(options.withWorker ? [WorkerModule] : []),
      ],
      controllers: [HealthController, MetricsController, TrialsController, ProtocolsController, PatientsController, UsersController, AuditController],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
