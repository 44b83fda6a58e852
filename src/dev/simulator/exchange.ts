import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggedRequest } from './request-log.ts';

/** Largest request body read; a create-call body with an inline NCCO is a few KB. */
const MAX_BODY_BYTES = 1_000_000;

/** One request in flight with its parsed body and its log entry (filled in as it is answered). */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  query: URLSearchParams;
  rawBody: string;
  body: unknown;
  /** Set once the route is known to be logged. */
  entry: LoggedRequest | undefined;
  /** Headers every answer to this request carries (KPN's set), filled by the API middleware. */
  headers: Record<string, string>;
  /** Epoch ms before which no answer is written (the profile's answer time after the counter). */
  answerAt?: number;
}

export async function readExchange(req: IncomingMessage, res: ServerResponse): Promise<Exchange> {
  const url = new URL(req.url ?? '/', 'http://simulator.local');
  const rawBody = await readBody(req);
  return {
    req,
    res,
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname.replace(/\/+$/, '') || '/',
    query: url.searchParams,
    rawBody,
    body: parseBody(rawBody, req.headers['content-type']),
    entry: undefined,
    headers: { 'x-nexmo-trace-id': randomUUID().replaceAll('-', '') },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** Answers with JSON (or no body for 204) and records the status in the log entry. */
export function send(exchange: Exchange, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  if (exchange.entry) exchange.entry.status = status;
  if (deferred(exchange, () => write(exchange, status, body, headers))) return;
  write(exchange, status, body, headers);
}

/** Runs `then` at `exchange.answerAt` when that is still ahead; true when it was deferred. */
function deferred(exchange: Exchange, then: () => void): boolean {
  const waitMs = (exchange.answerAt ?? 0) - Date.now();
  if (waitMs <= 0) return false;
  setTimeout(() => {
    if (!exchange.res.destroyed) then();
  }, waitMs);
  return true;
}

function write(exchange: Exchange, status: number, body: unknown, headers: Record<string, string>): void {
  const all: Record<string, string> = { ...exchange.headers, ...headers };
  if (body === undefined || status === 204) {
    exchange.res.writeHead(status, all).end();
    return;
  }
  const text = JSON.stringify(body);
  exchange.res.writeHead(status, {
    ...all,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  exchange.res.end(text);
}

/** Drops the connection without an answer, as a crashing proxy would. */
export function drop(exchange: Exchange): void {
  if (exchange.entry) exchange.entry.status = 0;
  if (deferred(exchange, () => exchange.req.socket.destroy())) return;
  exchange.req.socket.destroy();
}

/** The body shape Vonage uses for a rejected request (RFC 7807 with `invalid_parameters`). */
export function problem(
  kind: 'bad-request' | 'not-found' | 'unauthorized' | 'throttled' | 'internal-error',
  title: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { type: `https://developer.nexmo.com/api-errors#${kind}`, title, detail, ...extra };
}
