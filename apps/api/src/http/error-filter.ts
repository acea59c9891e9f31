import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError, type DomainErrorCode } from '#domain';

const STATUS: Record<DomainErrorCode, number> = {
  invalid_input: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  event_not_accepted: 409,
  version_conflict: 409,
  already_exists: 409,
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

/** Maps every error to `{ error, message, … }` with the status of design.md. Nothing else writes error bodies. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const [status, body] = toBody(exception);
    if (status >= 500) this.logger.error(loggable(exception));
    response.status(status).json(body);
  }
}

export function toBody(exception: unknown): [number, Record<string, unknown>] {
  if (exception instanceof DomainError) {
    return [STATUS[exception.code], { error: exception.code, message: exception.message, ...exception.details }];
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const message = status === 404 && /^Cannot /.test(exception.message) ? `No such route: ${exception.message.slice(7)}.` : exception.message;
    return [status, { error: HTTP_CODES[status] ?? 'error', message }];
  }
  const bodyError = exception as { type?: string; status?: number; limit?: number };
  if (bodyError?.type === 'entity.too.large') {
    return [413, { error: 'body_too_large', message: `The request body is larger than the limit of ${bodyError.limit} bytes.` }];
  }
  if (bodyError?.type === 'entity.parse.failed') {
    const why = /not allowed/.test(String((exception as Error).message)) ? (exception as Error).message : 'malformed JSON';
    return [400, { error: 'invalid_input', message: `The request body is not valid JSON: ${why}.`, issues: [`body: ${why}`] }];
  }
  if (bodyError?.status && bodyError.status >= 400 && bodyError.status < 500) {
    return [bodyError.status, { error: HTTP_CODES[bodyError.status] ?? 'error', message: String((exception as Error).message) }];
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
