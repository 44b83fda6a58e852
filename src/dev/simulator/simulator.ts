import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { passGate, setQuotaHeaders } from './api-gate.ts';
import { handleApplications } from './applications.ts';
import { handleGetCall, handleUpdateCall } from './call-control.ts';
import { CallRunner } from './call-runner.ts';
import type { SimContext } from './context.ts';
import { handleControl } from './control.ts';
import { handleCreateCall } from './create-call.ts';
import { type Exchange, problem, readExchange, send } from './exchange.ts';
import { QuotaCounter, RollingWindow, SpikeArrest } from './limits.ts';
import { DEFAULT_SIMULATOR_OPTIONS, mergeOptions, type SimulatorOptions } from './options.ts';
import { createDice } from './random.ts';
import { RecordingStore } from './recordings.ts';
import { BoundedLog, type LoggedCallback, type LoggedRequest } from './request-log.ts';
import type { Simulator } from './simulator-types.ts';
import { handleToken, TOKEN_PATH } from './token-route.ts';
import { TokenStore } from './token-store.ts';

export type { Simulator };

/** Starts the gateway simulator on loopback (port 0 by default: a free port). */
export async function startSimulator(overrides: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const initial = mergeOptions(DEFAULT_SIMULATOR_OPTIONS, overrides);
  let options = initial;
  const agent = new Agent({ keepAliveTimeout: 4_000, connectTimeout: 1_000 }); // Vonage: 1 s to connect to a webhook
  const baseUrl = { current: '' };
  const ctx: SimContext = {
    options: () => options,
    consume(knob) {
      if (options[knob] <= 0) return false;
      options = { ...options, [knob]: options[knob] - 1 };
      return true;
    },
    dice: createDice(initial.seed),
    window: new RollingWindow(),
    spike: new SpikeArrest(),
    quota: new QuotaCounter(Date.now()),
    tokens: new TokenStore(),
    runner: undefined as unknown as CallRunner,
    applications: new Map(),
    requests: new BoundedLog<LoggedRequest>(() => options.maxLogEntries),
    callbacks: new BoundedLog<LoggedCallback>(() => options.maxLogEntries),
    agent,
    recordings: new RecordingStore(),
    baseUrl: () => baseUrl.current,
  };
  ctx.runner = new CallRunner(ctx);
  const simulatorRef: { current?: Simulator } = {};
  const server = createServer((req, res) => void handle(ctx, simulatorRef, req, res));
  server.keepAliveTimeout = 5_000; // like a typical proxy: idle client sockets are closed after 5 s
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(initial.port, initial.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${initial.host.includes(':') ? `[${initial.host}]` : initial.host}:${port}`;
  baseUrl.current = url;
  let closing: Promise<void> | undefined;

  const simulator: Simulator = {
    url,
    tokenUrl: `${url}${TOKEN_PATH}?grant_type=client_credentials`,
    port,
    requests: () => ctx.requests.all(),
    callbacks: () => ctx.callbacks.all(),
    options: () => options,
    configure(patch) {
      options = mergeOptions(options, patch);
    },
    revokeTokens: () => ctx.tokens.revokeAll(),
    addRecording(seconds) {
      const { uuid } = ctx.recordings.add(seconds);
      return { uuid, url: `${url}/v1/files/${uuid}` };
    },
    recordingDownloads: () => ctx.recordings.downloads,
    reset() {
      options = initial;
      ctx.dice = createDice(initial.seed);
      ctx.runner.clear();
      ctx.requests.clear();
      ctx.callbacks.clear();
      ctx.tokens.revokeAll();
      ctx.window.reset();
      ctx.spike.reset();
      ctx.quota.reset(Date.now());
      ctx.applications.clear();
      ctx.recordings.clear();
    },
    close() {
      closing ??= (async () => {
        ctx.runner.clear();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await agent.destroy();
      })();
      return closing;
    },
  };
  simulatorRef.current = simulator;
  return simulator;
}

async function handle(
  ctx: SimContext,
  ref: { current?: Simulator },
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let exchange: Exchange | undefined;
  try {
    exchange = await readExchange(req, res);
    if (exchange.path.startsWith('/_simulator/')) {
      handleControl(ref.current as Simulator, exchange);
      return;
    }
    const receivedAt = Date.now();
    const { oneWayMs, answerMs } = ctx.options();
    const oneWay = ctx.dice.between(oneWayMs.min, oneWayMs.max);
    // Unref'd like the latency knob: a closing simulator does not wait for requests on the way.
    if (oneWay > 0) await new Promise((resolve) => setTimeout(resolve, oneWay).unref());
    exchange.entry = ctx.requests.push(logEntry(exchange, receivedAt));
    exchange.answerAt = exchange.entry.at + ctx.dice.between(answerMs.min, answerMs.max);
    await route(ctx, exchange);
  } catch (thrown) {
    if (exchange && !res.headersSent)
      send(exchange, 500, problem('internal-error', 'Internal Server Error', String(thrown)));
    else if (!res.headersSent) res.writeHead(400).end();
  }
}

function logEntry(exchange: Exchange, receivedAt: number): LoggedRequest {
  // Token requests carry the client secret: their body is not kept.
  const body = exchange.path === TOKEN_PATH ? undefined : exchange.body;
  return { at: Date.now(), receivedAt, method: exchange.method, path: exchange.path, status: 0, body };
}

const CALL = /^\/(voice|v1)\/calls\/([^/]+)$/;
const APPLICATION = /^\/applications(?:\/([^/]+))?$/;
/** A recording URL (Vonage: https://api.nexmo.com/v1/files/{uuid}). */
const FILE = /^\/v1\/files\/([^/]+)$/;

async function route(ctx: SimContext, exchange: Exchange): Promise<void> {
  const { method, path } = exchange;
  // KPN's header set goes on every answer of its proxy, refusals included; Vonage direct sends none.
  if (!path.startsWith('/v1/')) setQuotaHeaders(ctx, exchange, Date.now());
  if (path === TOKEN_PATH) return handleToken(ctx, exchange);
  // Recordings: the file URL checks its own JWT; KPN's GET /jwt passes the OAuth gate first.
  const fileMatch = FILE.exec(path);
  if (fileMatch && method === 'GET')
    return ctx.recordings.serve(exchange, fileMatch[1] as string, ctx.options().recordingTtlMs);
  if (path === '/jwt' && method === 'GET') {
    if (await passGate(ctx, exchange, false)) await ctx.recordings.issueJwt(exchange);
    return;
  }
  const callMatch = CALL.exec(path);
  const appMatch = APPLICATION.exec(path);
  const isCreate = method === 'POST' && (path === '/voice/calls' || path === '/v1/calls');
  if (!isCreate && !callMatch && !appMatch) {
    send(exchange, 404, problem('not-found', 'Not Found', `No route for ${method} ${path}`));
    return;
  }
  const direct = path.startsWith('/v1/');
  if (!(await passGate(ctx, exchange, direct))) return;
  if (isCreate) return handleCreateCall(ctx, exchange, direct);
  if (callMatch) {
    const uuid = callMatch[2] as string;
    if (exchange.entry) exchange.entry.uuid = uuid;
    if (method === 'GET') return handleGetCall(ctx, exchange, uuid);
    if (method === 'PUT') return handleUpdateCall(ctx, exchange, uuid);
    send(exchange, 405, problem('bad-request', 'Method Not Allowed', `${method} is not supported here`));
    return;
  }
  handleApplications(ctx, exchange, appMatch?.[1]);
}
