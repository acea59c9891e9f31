import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG, type AppConfig, DomainError, type DomainErrorCode } from '#domain';

const STATUS: Record<DomainErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  signing_locked: 403,
  not_found: 404,
  event_not_accepted: 409,
  version_conflict: 409,
  already_exists: 409,
  slot_full: 409,
  query_state: 409,
  refused: 422,
  idempotency_key_reused: 422,
};

const HTTP_CODES: Record<number, string> = {
  400: 'invalid_input',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'body_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
};

/** Maps every error to `{ error, message, … }` with the status of docs/api.md, section "Errors". Nothing else writes error bodies. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const [status, body] = toBody(exception, this.config.bodyLimitBytes);
    if (status >= 500) this.logger.error(loggable(exception));
    // A route may have set another type (text/plain, FHIR JSON) before it failed: an error is always the API's JSON.
    reply.status(status).type('application/json; charset=utf-8').send(body);
  }
}

/** The body errors Fastify raises before any route (fastify/lib/errors.js); the JSON itself is parsed by bootstrap's parseJsonBody. */
const BODY_ERRORS: Record<string, (limit: number, error: Error) => [number, Record<string, unknown>]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: (limit) => [413, { error: 'body_too_large', message: `The request body is larger than the limit of ${limit} bytes.` }],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (_limit, error) => [415, { error: 'unsupported_media_type', message: `${error.message}; send application/json.` }],
};

export function toBody(exception: unknown, bodyLimitBytes: number): [number, Record<string, unknown>] {
  if (exception instanceof DomainError) {
    return [STATUS[exception.code], { error: exception.code, message: exception.message, ...exception.details }];
  }
  // Nest hands Fastify's own 4xx errors over as an HttpException with the original as its cause.
  const cause = exception instanceof HttpException ? exception.cause : exception;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && BODY_ERRORS[code]) return BODY_ERRORS[code](bodyLimitBytes, cause as Error);
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const message = status === 404 && /^Cannot /.test(exception.message) ? `No such route: ${exception.message.slice(7)}.` : exception.message;
    return [status, { error: HTTP_CODES[status] ?? 'error', message }];
  }
  const status = (exception as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return [status, { error: HTTP_CODES[status] ?? 'error', message: String((exception as Error).message) }];
  }
  return [
    500,
    {
      error: 'internal',
      message: 'Something went wrong on our side. Retry with the same Idempotency-Key, so the event cannot be recorded twice.',
    },
  ];
}

/**
 * What of an unexpected error may be logged: its name, message and stack. A database error also
 * carries the query's parameters (a patient's record), which must never reach the logs.
 */
export function loggable(exception: unknown): { name: string; message: string; stack?: string } {
  if (!(exception instanceof Error)) return { name: 'Error', message: String(exception) };
  return { name: exception.name, message: exception.message, stack: exception.stack };
}
