import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Stands in for callcast's webhook receiver when a benchmark measures only the dispatcher:
 * answers every event with 204 and every answer_url fetch with a one-action NCCO, and counts.
 */
export interface Sink {
  readonly url: string;
  received(): number;
  close(): Promise<void>;
}

export async function startSink(): Promise<Sink> {
  let received = 0;
  const server = createServer((req, res) => {
    received += 1;
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('[{"action":"talk","text":"hi"}]');
      } else {
        res.writeHead(204).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
