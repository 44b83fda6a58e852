import type { SimCall } from './call-runner.ts';
import type { SimContext } from './context.ts';
import { type Exchange, problem, send } from './exchange.ts';

const ACTIONS = new Set(['hangup', 'mute', 'unmute', 'earmuff', 'unearmuff', 'transfer']);

/** GET …/calls/{uuid}: the call record, numbers as strings as in Vonage's GET record. */
export function handleGetCall(ctx: SimContext, exchange: Exchange, uuid: string): void {
  const call = ctx.runner.get(uuid);
  if (!call) {
    send(exchange, 404, problem('not-found', 'Not Found', `Call ${uuid} was not found`));
    return;
  }
  send(exchange, 200, record(ctx, call, exchange.path));
}

/** PUT …/calls/{uuid}: `hangup` ends a live call; the other actions are accepted on a live call. */
export function handleUpdateCall(ctx: SimContext, exchange: Exchange, uuid: string): void {
  const action = (exchange.body as { action?: unknown } | undefined)?.action;
  if (typeof action !== 'string' || !ACTIONS.has(action)) {
    send(
      exchange,
      400,
      problem('bad-request', 'Bad Request', 'Invalid action', {
        invalid_parameters: [{ name: 'action', reason: `must be one of ${[...ACTIONS].join(', ')}` }],
      }),
    );
    return;
  }
  const call = ctx.runner.get(uuid);
  const outcome = call ? (action === 'hangup' ? ctx.runner.hangup(uuid) : liveOrEnded(ctx, call)) : 'unknown';
  if (outcome === 'unknown') send(exchange, 404, problem('not-found', 'Not Found', `Call ${uuid} was not found`));
  else if (outcome === 'ended') send(exchange, 400, problem('bad-request', 'Bad Request', 'Call is not in progress'));
  else send(exchange, 204);
}

function liveOrEnded(ctx: SimContext, call: SimCall): 'ok' | 'ended' {
  return ['started', 'ringing', 'answered'].includes(ctx.runner.statusOf(call)) ? 'ok' : 'ended';
}

function record(ctx: SimContext, call: SimCall, path: string): Record<string, unknown> {
  const status = ctx.runner.statusOf(call);
  const completed = call.plan.events.find(
    (event) => event.status === 'completed' && event.atMs <= Date.now() - call.createdAt,
  );
  const billing = completed?.payload ?? {};
  return {
    _links: { self: { href: path } },
    uuid: call.uuid,
    conversation_uuid: call.conversationUuid,
    to: { type: 'phone', number: call.to },
    from: { type: 'phone', number: call.from },
    status,
    direction: 'outbound',
    rate: billing.rate !== undefined ? String(billing.rate) : undefined,
    price: billing.price !== undefined ? String(billing.price) : undefined,
    duration: billing.duration !== undefined ? String(billing.duration) : undefined,
    start_time: recordTime(billing.start_time),
    end_time: recordTime(billing.end_time),
    network: billing.network,
  };
}

/** The GET record writes times as `YYYY-MM-DD HH:MM:SS` (docs/gateway-facts.md §3), webhooks as ISO 8601. */
function recordTime(value: unknown): string | undefined {
  return typeof value === 'string' ? value.slice(0, 19).replace('T', ' ') : undefined;
}
