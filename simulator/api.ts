import { call } from '#testing';

/**
 * The simulator's HTTP client. Every answer is counted: events written, refusals the simulator
 * expected (a 422 for an ineligible patient, a cohort awaiting its DLT evaluation …) by status and
 * code, and anything else (a 5xx, a status no step expected, a request that failed) as an error.
 */

/** An answer's JSON, unless the caller names its type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API's JSON answers are read field by field as the simulated staff would
export type ApiJson = any;

export interface ApiAnswer<T = ApiJson> {
  status: number;
  body: T;
  /** Set on an expected refusal: the key it was counted under. */
  refusal?: string;
}

/** A refusal a step is ready for: the status and, optionally, the body's `error` code and a reason it must give. */
export interface ExpectedRefusal {
  status: number;
  error?: string;
  reason?: RegExp;
}

export interface ApiError {
  method: string;
  path: string;
  status: number | null;
  /** The request's event type, when it posted one. */
  event?: string;
  message: string;
}

export class ApiStats {
  /** Events the engine wrote for the simulator (200 on the event, observation and adverse-event routes). */
  eventsPosted = 0;
  readonly eventsByType = new Map<string, number>();
  /** Expected refusals by "<status> <error> <event>". */
  readonly refusals = new Map<string, number>();
  readonly errors: ApiError[] = [];

  get refusalCount(): number {
    return [...this.refusals.values()].reduce((a, b) => a + b, 0);
  }

  /** An expected refusal that turned out not to be one (what it raced with did not happen): an error after all. */
  reclassify(answer: ApiAnswer, error: Omit<ApiError, 'status'>): void {
    if (answer.refusal) {
      const left = (this.refusals.get(answer.refusal) ?? 1) - 1;
      if (left > 0) this.refusals.set(answer.refusal, left);
      else this.refusals.delete(answer.refusal);
    }
    this.errors.push({ ...error, status: answer.status });
  }
}

const EVENT_ROUTE = /^\/patients\/[^/]+\/(events|observations|adverse-events)$/;

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly stats = new ApiStats(),
  ) {}

  get<T = ApiJson>(path: string, token: string): Promise<ApiAnswer<T>> {
    return this.request<T>('GET', path, token);
  }

  post<T = ApiJson>(path: string, token: string, body: unknown, expected: ExpectedRefusal[] = []): Promise<ApiAnswer<T>> {
    return this.request<T>('POST', path, token, body, expected);
  }

  /**
   * One request. A 2xx is returned; so is an expected refusal, counted as one; anything else is
   * recorded as an error and returned too, so the caller can stop that patient and go on with the rest.
   */
  async request<T = ApiJson>(method: 'GET' | 'POST' | 'PUT', path: string, token: string, body?: unknown, expected: ExpectedRefusal[] = []): Promise<ApiAnswer<T>> {
    const event = eventType(path, body);
    // `call` is typed for the test helpers' GET and POST; fetch sends a PUT (the IRB approval) the same way.
    const { status, body: answer } = await call(this.baseUrl, method as 'POST', path, token, body);
    if (status === 0) {
      this.stats.errors.push({ method, path, status: null, event, message: answer.transportError });
      return { status: 0, body: undefined as T };
    }
    if (status >= 200 && status < 300) {
      if (method === 'POST' && EVENT_ROUTE.test(path) && event) {
        this.stats.eventsPosted += 1;
        this.stats.eventsByType.set(event, (this.stats.eventsByType.get(event) ?? 0) + 1);
      }
      return { status, body: answer };
    }
    const code = typeof answer === 'object' && answer ? String(answer.error ?? '') : '';
    const said: string[] = typeof answer === 'object' && answer ? [String(answer.message ?? ''), ...((answer.reasons as string[] | undefined) ?? [])] : [];
    const matches = (e: ExpectedRefusal) => e.status === status && (e.error === undefined || e.error === code) && (e.reason === undefined || said.some((s) => e.reason!.test(s)));
    if (status < 500 && expected.some(matches)) {
      const key = [status, code, event].filter(Boolean).join(' ');
      this.stats.refusals.set(key, (this.stats.refusals.get(key) ?? 0) + 1);
      return { status, body: answer, refusal: key };
    }
    const message =
      typeof answer === 'object' && answer ? `${code}: ${answer.message ?? ''}${answer.reasons ? ` (${answer.reasons.join('; ')})` : ''}` : String(answer).slice(0, 300);
    this.stats.errors.push({ method, path, status, event, message });
    return { status, body: answer };
  }
}

/** The event a request posts: the body's type, or the one a report route stands for. */
function eventType(path: string, body: unknown): string | undefined {
  if (path.endsWith('/observations')) return 'LAB_RESULT_RECORDED';
  if (path.endsWith('/adverse-events')) return 'ADVERSE_EVENT_REPORTED';
  if (path.endsWith('/events') && body && typeof body === 'object' && 'type' in body) return String((body as { type: unknown }).type);
  return undefined;
}

/** A 2xx answer. */
export const isOk = (answer: ApiAnswer) => answer.status >= 200 && answer.status < 300;
