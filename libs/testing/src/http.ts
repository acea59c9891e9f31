/** One HTTP call against the API, for the process specs, the benchmark and the simulator. */

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON answer of the API, whose shape each test asserts field by field
  body: any;
  headers: Record<string, string>;
  ms: number;
}

/** One HTTP call; a network error or a timeout is status 0 (a hang), never a thrown error. */
export async function call(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<Answer> {
  const started = Date.now();
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: kept as text, which the tests treat as a failure where JSON is required
    }
    return { status: res.status, body: parsed, headers: Object.fromEntries(res.headers.entries()), ms: Date.now() - started };
  } catch (error) {
    return { status: 0, body: { transportError: (error as Error).message }, headers: {}, ms: Date.now() - started };
  }
}
