import { loadConfig } from '../config/config.ts';
import { AppError } from '../shared/errors.ts';
import { CliError, EXIT } from './cli-error.ts';

/**
 * The producer commands' only way in: the running API's public /v1 routes, with the key from
 * CALLCAST_API_KEY. Both settings are in the config schema (src/config/config.ts), so a bad URL
 * is reported like any other setting.
 */
export interface ApiClient {
  readonly url: string;
  /** A JSON request; resolves with the parsed answer (undefined for 204). */
  json<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
  /**
   * POST that creates something, with an optional Idempotency-Key; `replayed` is true when the
   * API answered a repeat of an earlier request with that key (header Idempotent-Replayed).
   */
  create<T>(path: string, body: unknown, idempotencyKey?: string): Promise<{ body: T; replayed: boolean }>;
  /** Streams `body` as the request body (e.g. a CSV file) and resolves with the JSON answer. */
  upload<T>(path: string, body: ReadableStream<Uint8Array>, contentType: string): Promise<T>;
  /** A GET whose answer is streamed (report.csv). */
  download(path: string): Promise<ReadableStream<Uint8Array>>;
}

// A JSON request that has not been answered in this long is reported as unreachable; uploads and
// downloads carry their own size, so they get no overall limit.
const REQUEST_TIMEOUT_MS = 30_000;

export function createApiClient(env: NodeJS.ProcessEnv): ApiClient {
  const { url, apiKey } = apiSettings(env);
  const auth = { authorization: `Bearer ${apiKey}` };

  const send = async (path: string, init: RequestInit): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(`${url}${path}`, init);
    } catch (err) {
      throw unreachable(url, err);
    }
    if (!response.ok) throw await apiError(response);
    return response;
  };

  const sendJson = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    send(path, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });

  return {
    url,
    async json<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const response = await sendJson(method, path, body, headers);
      return (response.status === 204 ? undefined : await response.json()) as T;
    },
    async create<T>(path: string, body: unknown, idempotencyKey?: string) {
      const headers: Record<string, string> = idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey };
      const response = await sendJson('POST', path, body, headers);
      return { body: (await response.json()) as T, replayed: response.headers.get('idempotent-replayed') === 'true' };
    },
    async upload<T>(path: string, body: ReadableStream<Uint8Array>, contentType: string) {
      const init = { method: 'POST', headers: { ...auth, 'content-type': contentType }, body, duplex: 'half' };
      return (await (await send(path, init as RequestInit)).json()) as T;
    },
    async download(path: string) {
      const response = await send(path, { headers: auth });
      if (!response.body) throw new CliError(EXIT.api, 'empty_answer', `GET ${path} answered without a body`);
      return response.body;
    },
  };
}

function apiSettings(env: NodeJS.ProcessEnv): { url: string; apiKey: string } {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof AppError) throw new CliError(EXIT.usage, err.code, err.message, { details: err.details });
    throw err;
  }
  const { url, apiKey } = config.cliApi;
  if (!apiKey) {
    throw new CliError(
      EXIT.usage,
      'api_key_missing',
      'CALLCAST_API_KEY is not set: create a key with `callcast keys create <name>` and export CALLCAST_API_KEY=<key>',
    );
  }
  return { url, apiKey };
}

function unreachable(url: string, err: unknown): CliError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const reason =
    err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
      ? `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`
      : (cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err)));
  return new CliError(
    EXIT.unreachable,
    'api_unreachable',
    `cannot reach the API at ${url} (${reason}); is \`callcast api\` running and CALLCAST_API_URL right?`,
  );
}

/** The API's `{ error: { code, message, details } }`, or the bare status when the body is not ours. */
async function apiError(response: Response): Promise<CliError> {
  const text = await response.text().catch(() => '');
  let body: { error?: { code?: string; message?: string; details?: unknown } } | undefined;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const code = body?.error?.code ?? `http_${response.status}`;
  const message = body?.error?.message ?? (text.slice(0, 200) || response.statusText);
  // A refused key is like an unreachable API for a script: nothing it retries will work until fixed.
  const exit = response.status === 401 ? EXIT.unreachable : EXIT.api;
  return new CliError(exit, code, message, { details: body?.error?.details, httpStatus: response.status });
}
