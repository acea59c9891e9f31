import type { FastifyRequest } from 'fastify';
import { InvalidInputError, jsonTextProblems } from '#domain';

/** The request headers the engine keeps (in the log, the idempotency keys or the request logs). */
const KEPT_HEADERS = ['idempotency-key', 'x-request-id'] as const;

/**
 * Refuses a path parameter, query parameter or kept header holding text the record cannot keep as
 * it was hashed (a NUL, a lone surrogate; see record-text.ts): a 400 naming it. Node's HTTP parser
 * already refuses a NUL in a header, and header bytes cannot form a lone surrogate; the headers are
 * checked all the same, so the rule does not rest on the parser.
 */
export function refuseUnfitText(request: Pick<FastifyRequest, 'params' | 'query' | 'headers'>): void {
  const where: Array<[string, unknown]> = [
    ['path', request.params],
    ['query', request.query],
    ['headers', Object.fromEntries(KEPT_HEADERS.map((name) => [name, request.headers[name]]))],
  ];
  for (const [part, values] of where) {
    const problems = jsonTextProblems(values ?? {});
    if (problems.length) throw new InvalidInputError(`The ${part === 'headers' ? 'request headers are' : `${part} is`} not valid.`, problems);
  }
}
