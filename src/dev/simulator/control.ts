import { type Exchange, problem, send } from './exchange.ts';
import type { Simulator } from './simulator-types.ts';

/**
 * The simulator's own endpoints, outside the gateway's surface: health, the logs, live
 * reconfiguration. They bypass latency, faults and auth, and are not logged.
 */
export function handleControl(simulator: Simulator, exchange: Exchange): void {
  const key = `${exchange.method} ${exchange.path}`;
  const route = CONTROL_ROUTES[key];
  if (route) route(simulator, exchange);
  else send(exchange, 404, problem('not-found', 'Not Found', `No control route ${key}`));
}

const CONTROL_ROUTES: Record<string, (simulator: Simulator, exchange: Exchange) => void> = {
  'GET /_simulator/health': (_simulator, exchange) => send(exchange, 200, { status: 'ok' }),
  'GET /_simulator/requests': (simulator, exchange) => send(exchange, 200, sinceFilter(simulator.requests(), exchange)),
  'GET /_simulator/callbacks': (simulator, exchange) =>
    send(exchange, 200, sinceFilter(simulator.callbacks(), exchange)),
  'GET /_simulator/config': (simulator, exchange) => send(exchange, 200, publicOptions(simulator)),
  'POST /_simulator/config': (simulator, exchange) => configure(simulator, exchange),
  'POST /_simulator/reset': (simulator, exchange) => {
    simulator.reset();
    send(exchange, 204);
  },
  'POST /_simulator/revoke-tokens': (simulator, exchange) => {
    simulator.revokeTokens();
    send(exchange, 204);
  },
};

function configure(simulator: Simulator, exchange: Exchange): void {
  if (!exchange.body || typeof exchange.body !== 'object' || Array.isArray(exchange.body)) {
    send(exchange, 400, problem('bad-request', 'Bad Request', 'Expected a JSON object of options'));
    return;
  }
  const { host: _host, port: _port, ...patch } = exchange.body as Record<string, unknown>;
  try {
    simulator.configure(patch);
  } catch (thrown) {
    send(exchange, 400, problem('bad-request', 'Bad Request', String(thrown)));
    return;
  }
  send(exchange, 200, publicOptions(simulator));
}

function publicOptions(simulator: Simulator): Record<string, unknown> {
  const { clientSecret: _secret, signatureSecret, ...rest } = simulator.options();
  return { ...rest, signing: signatureSecret !== undefined };
}

/** `?since=<epoch ms>` keeps entries at or after that time, so pollers need not re-read everything. */
function sinceFilter<T extends { at: number }>(entries: T[], exchange: Exchange): T[] {
  const since = Number(exchange.query.get('since') ?? Number.NaN);
  return Number.isFinite(since) ? entries.filter((entry) => entry.at >= since) : entries;
}
