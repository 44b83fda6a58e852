import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { countRecipientsByStatus, findCampaign } from '../campaigns/campaign-repository.ts';
import { toCampaignDetail } from '../campaigns/campaign-view.ts';
import { campaignPace } from '../reports/campaign-pace.ts';
import { summarizeCampaign } from '../reports/campaign-summary.ts';
import { countDialedSince, DialRate } from '../reports/dial-rate.ts';
import { AppError, coerceError } from '../shared/errors.ts';
import { campaignIdParam } from '../shared/request-checks.ts';
import type { ApiDeps } from './deps.ts';

// One snapshot a second: the dashboard's chart resolution, and 1 small query set per viewer per second.
const TICK_MS = 1_000;
// A connection lives at most this long; the page reconnects, so a forgotten tab cannot hold one forever.
const STREAM_MAX_MS = 10 * 60_000;
// Open streams per API key: each costs a few queries a second.
export const STREAMS_PER_KEY_MAX = 20;
// Asks a reconnecting client to wait this long (SSE `retry:` field).
const RETRY_MS = 2_000;
const FINAL = new Set(['completed', 'cancelled']);

/** GET /v1/campaigns/:id/stream: the campaign view with its report, as server-sent events. */
export async function campaignStreamRoutes(v1: FastifyInstance, deps: ApiDeps): Promise<void> {
  const open = new Set<AbortController>();
  const perKey = new Map<string, number>();
  // Streams would otherwise hold app.close() until STREAM_MAX_MS.
  v1.addHook('preClose', async () => {
    for (const controller of open) controller.abort();
  });

  // No automatic HEAD twin: a HEAD would open a stream whose body is never sent.
  v1.get('/campaigns/:id/stream', { exposeHeadRoute: false }, async (request, reply) => {
    const id = campaignIdParam(request);
    await findCampaign(deps.db, request.apiKeyId, id); // a 404 before any event
    const key = request.apiKeyId;
    if ((perKey.get(key) ?? 0) >= STREAMS_PER_KEY_MAX) {
      throw new AppError('rate_limited', 429, `At most ${STREAMS_PER_KEY_MAX} open streams per API key`);
    }
    const controller = new AbortController();
    open.add(controller);
    perKey.set(key, (perKey.get(key) ?? 0) + 1);
    reply.raw.on('close', () => controller.abort());
    reply.hijack();
    reply.raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    reply.raw.write(`retry: ${RETRY_MS}\n\n`);
    try {
      await streamCampaign(deps, key, id, reply.raw, controller.signal);
    } catch (err) {
      if (!controller.signal.aborted) {
        request.log.warn({ err: coerceError(err), campaignId: id }, 'campaign stream failed');
        writeEvent(reply.raw, 'error', { error: { code: 'internal_error', message: 'stream failed' } });
      }
    } finally {
      open.delete(controller);
      const left = (perKey.get(key) ?? 1) - 1;
      if (left > 0) perKey.set(key, left);
      else perKey.delete(key);
      reply.raw.end();
    }
  });
}

async function streamCampaign(deps: ApiDeps, apiKeyId: string, id: string, out: ServerResponse, signal: AbortSignal) {
  const since = new Date();
  const rate = new DialRate();
  const deadline = Date.now() + STREAM_MAX_MS;
  while (!signal.aborted) {
    const snapshot = await campaignSnapshot(deps, apiKeyId, id, since, rate);
    writeEvent(out, 'campaign', snapshot);
    if (FINAL.has(snapshot.status)) return writeEvent(out, 'end', { reason: 'finished' });
    if (Date.now() >= deadline) return writeEvent(out, 'end', { reason: 'reconnect' });
    await sleep(TICK_MS, undefined, { signal }).catch(() => undefined);
  }
}

/** What GET /v1/campaigns/:id answers, plus the live dial rate and the configured cap. */
async function campaignSnapshot(deps: ApiDeps, apiKeyId: string, id: string, since: Date, rate: DialRate) {
  const campaign = await findCampaign(deps.db, apiKeyId, id);
  const [recipients, report, dialed] = await Promise.all([
    countRecipientsByStatus(deps.db, id),
    summarizeCampaign(deps.db, id),
    countDialedSince(deps.db, id, since),
  ]);
  const remaining = recipients.pending + recipients.queued;
  const dispatch = await campaignPace(deps.db, campaign, remaining, deps.config.callsPerSecond);
  const now = Date.now();
  return {
    ...toCampaignDetail(campaign, recipients),
    report,
    dispatch,
    at: new Date(now).toISOString(),
    callsPerSecond: rate.add({ atMs: now, dialed }),
    callsPerSecondCap: deps.config.callsPerSecond,
  };
}

function writeEvent(out: ServerResponse, event: string, data: unknown): void {
  out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The route's OpenAPI entry, merged into the document by openapi.ts. */
export function campaignStreamPaths(): Record<string, unknown> {
  return {
    '/v1/campaigns/{id}/stream': {
      get: {
        summary: 'Live campaign updates as server-sent events',
        description: `About once a second an \`event: campaign\` whose data is the campaign as GET /v1/campaigns/{id} answers it (with \`report\` and \`dispatch\`: share, estimatedFinishAt), plus \`at\`, \`callsPerSecond\` (dials per second over the last ~5 s) and \`callsPerSecondCap\` (the configured CALLS_PER_SECOND). Ends with \`event: end\` (reason \`finished\` once the campaign is completed or cancelled, \`reconnect\` after ${STREAM_MAX_MS / 60_000} minutes). At most ${STREAMS_PER_KEY_MAX} open streams per API key. Needs the Authorization header, so browsers read it with fetch(), not EventSource.`,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
        responses: {
          '200': { description: 'the event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          '401': { description: 'missing or unknown API key', content: errorContent },
          '404': { description: 'no such campaign for this key', content: errorContent },
          '429': { description: 'rate_limited: too many open streams for this key', content: errorContent },
        },
      },
    },
  };
}

const errorContent = { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } };
