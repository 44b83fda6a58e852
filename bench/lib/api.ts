import { createReadStream } from 'node:fs';
import { request } from 'undici';

/** The few API calls benchmarks make, over real HTTP like any client. */
export class ApiClient {
  readonly baseUrl: string;
  readonly #apiKey: string;

  constructor(baseUrl: string, apiKey: string) {
    this.baseUrl = baseUrl;
    this.#apiKey = apiKey;
  }

  async json<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await request(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Like `json`, but anything other than the expected status is an error naming the answer. */
  async expect<T>(status: number, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await this.json<T>(method, path, body);
    if (res.status !== status) {
      throw new Error(`${method} ${path}: expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }

  /** Streams a CSV file as the request body (never read whole into memory). */
  async uploadCsv<T>(path: string, file: string): Promise<{ status: number; body: T }> {
    const res = await request(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.#apiKey}`, 'content-type': 'text/csv' },
      body: createReadStream(file),
      // A 1M-row upload is answered only when every row is stored.
      headersTimeout: 15 * 60_000,
      bodyTimeout: 15 * 60_000,
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text ? JSON.parse(text) : undefined) as T };
  }
}

/** A minimal campaign body: one talk action, no retries unless asked, calls any time of day. */
export function campaignBody(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    from: '+31201234567',
    ncco: [{ action: 'talk', text: 'Hello {{name}}, this is a benchmark call.' }],
    retry: { maxAttempts: 1, retryOn: [], delaySeconds: 0 },
    ...overrides,
  };
}
