import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCallback {
  at: number;
  method: string;
  /** Path and query, e.g. /webhooks/event?attempt=a1 */
  url: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: unknown;
}

export interface CallbackReceiver {
  url: string;
  received(): ReceivedCallback[];
  /** Resolves once `predicate` holds over what was received, or rejects after `timeoutMs`. */
  waitFor(predicate: (received: ReceivedCallback[]) => boolean, timeoutMs?: number): Promise<ReceivedCallback[]>;
  close(): Promise<void>;
}

/**
 * A stand-in for callcast's webhook receiver, for tests and demos of the simulator alone:
 * records every callback and answers `/answer…` paths with `ncco`, everything else with 204.
 */
export async function startCallbackReceiver(
  ncco: unknown[] = [{ action: 'talk', text: 'Hallo' }],
): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = rawBody ? JSON.parse(rawBody) : undefined;
      } catch {
        body = rawBody;
      }
      received.push({
        at: Date.now(),
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        rawBody,
        body,
      });
      if ((req.url ?? '').startsWith('/answer'))
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ncco));
      else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => [...received],
    async waitFor(predicate, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) throw new Error(`callback condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return [...received];
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
