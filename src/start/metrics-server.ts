import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { coerceError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { METRICS_CONTENT_TYPE, renderMetrics, type ScrapeSources } from '../shared/metrics-scrape.ts';

export interface MetricsServer {
  /** The bound port, once listening (METRICS_PORT=0 picks a free one). */
  readonly port: Promise<number>;
  /** Stops listening and drops open scrape connections; idempotent. */
  close(): Promise<void>;
}

/** A worker's own `GET /metrics` (Prometheus text format) on host:port; anything else is a 404. */
export function startMetricsServer(sources: ScrapeSources, host: string, port: number, logger: Logger): MetricsServer {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || (request.url ?? '').split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    renderMetrics(sources).then(
      (text) => response.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text),
      (thrown: unknown) => {
        logger.warn({ err: coerceError(thrown).message }, 'metrics scrape failed');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('scrape failed\n');
      },
    );
  });
  const bound = new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
  bound.then(
    (listening) => logger.info({ port: listening }, 'metrics listening'),
    (thrown: unknown) => logger.error({ err: coerceError(thrown).message, port }, 'metrics server could not listen'),
  );
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
