import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { nccoSchema } from '../../shared/ncco.ts';
import type { SimContext } from './context.ts';
import { drop, type Exchange, problem, send } from './exchange.ts';
import type { SimulatedOutcome } from './options.ts';

/** Digits only, no `+` or `00`: the python SDK's rule, stricter than the spec's unanchored pattern. */
const digits = z.string().regex(/^[1-9]\d{6,14}$/, 'must be 7-15 digits, no + or 00');
const phone = z.strictObject({
  type: z.literal('phone'),
  number: digits,
  dtmfAnswer: z
    .string()
    .regex(/^[0-9*#p]*$/)
    .optional(),
});
const oneUrl = z.array(z.url()).length(1);
const common = {
  to: z.array(phone).length(1),
  event_url: oneUrl,
  event_method: z.enum(['GET', 'POST']).optional(),
  answer_method: z.enum(['GET', 'POST']).optional(),
  machine_detection: z.enum(['continue', 'hangup']).optional(),
  length_timer: z.number().int().min(1).max(7200).optional(),
  ringing_timer: z.number().int().min(1).max(120).optional(),
};

/** KPN's definition: `answer_url` required, no `ncco` at all. */
const kpnBody = z.strictObject({ ...common, from: phone, answer_url: oneUrl });

/** Vonage direct: exactly one of `ncco` and `answer_url`; `from` or `random_from_number`. */
const directBody = z
  .strictObject({
    ...common,
    from: phone.optional(),
    random_from_number: z.boolean().optional(),
    answer_url: oneUrl.optional(),
    ncco: nccoSchema.optional(),
  })
  .refine((body) => (body.ncco === undefined) !== (body.answer_url === undefined), {
    message: 'exactly one of ncco and answer_url is required',
    path: ['answer_url'],
  })
  .refine((body) => (body.from !== undefined) !== (body.random_from_number === true), {
    message: 'exactly one of from and random_from_number is required',
    path: ['from'],
  });

type Body = z.infer<typeof directBody>;

/** POST /voice/calls (KPN) and POST /v1/calls (direct): rate window, validation, then the call plays out. */
export function handleCreateCall(ctx: SimContext, exchange: Exchange, direct: boolean): void {
  const options = ctx.options();
  const parsed = (direct ? directBody : kpnBody).safeParse(exchange.body);
  if (exchange.entry) {
    const body = exchange.body as { to?: Array<{ number?: unknown }>; event_url?: unknown[] } | undefined;
    const to = body?.to?.[0]?.number;
    if (typeof to === 'string') exchange.entry.to = to;
    exchange.entry.attempt = attemptOf(body?.event_url?.[0]);
  }
  if (ctx.consume('burst429') || !admit(ctx, Date.now())) {
    if (options.counter === 'smoothing') {
      send(exchange, 429, spikeArrestFault(options.callsPerSecond));
      return;
    }
    const retry = options.retryAfterSeconds;
    send(
      exchange,
      429,
      problem('throttled', 'Too Many Requests', 'You have exceeded your call creation rate limit', {
        ...(retry !== undefined ? { retry_after: retry } : {}),
      }),
      retry !== undefined ? { 'retry-after': String(retry) } : {},
    );
    return;
  }
  if (!direct && !exchange.req.headers.applicationid) {
    send(exchange, 400, invalid([{ name: 'ApplicationId', reason: 'header is required' }]));
    return;
  }
  if (!parsed.success) {
    const params = parsed.error.issues.map((issue) => ({
      name: issue.path.join('.') || 'body',
      reason: issue.message,
    }));
    send(exchange, 400, invalid(params));
    return;
  }
  respondCreated(ctx, exchange, parsed.data as Body);
}

/** The profile's counter: a rolling one-second window or SpikeArrest smoothing. */
function admit(ctx: SimContext, now: number): boolean {
  const { counter, callsPerSecond } = ctx.options();
  return counter === 'smoothing'
    ? ctx.spike.tryAcquire(callsPerSecond, now)
    : ctx.window.tryAcquire(callsPerSecond, now);
}

/** Apigee X's SpikeArrest refusal body. */
function spikeArrestFault(perSecond: number): Record<string, unknown> {
  return {
    fault: {
      faultstring: `Spike arrest violation. Allowed rate : MessageRate{messagesPerPeriod=${perSecond}, periodInMicroseconds=1000000, maxBurstMessageCount=1.0}`,
      detail: { errorcode: 'policies.ratelimit.SpikeArrestViolation' },
    },
  };
}

function respondCreated(ctx: SimContext, exchange: Exchange, body: Body): void {
  const options = ctx.options();
  const uuid = randomUUID();
  const conversationUuid = `CON-${randomUUID()}`;
  const to = (body.to[0] as { number: string }).number;
  const outcome: SimulatedOutcome = options.outcomesByNumber[to] ?? ctx.dice.weighted(options.outcomes) ?? 'answered';
  const eventUrl = body.event_url[0] as string;
  ctx.runner.start(
    {
      uuid,
      conversationUuid,
      to,
      from: body.from?.number ?? '31000000000',
      createdAt: Date.now(),
      machineDetection: body.machine_detection,
      ringingTimer: body.ringing_timer,
      lengthTimer: body.length_timer,
      attempt: attemptOf(eventUrl),
      eventUrl,
      eventMethod: body.event_method ?? 'POST',
      answerUrl: body.answer_url?.[0],
      answerMethod: body.answer_method ?? 'GET',
      ncco: body.ncco,
    },
    outcome,
  );
  if (exchange.entry) exchange.entry.uuid = uuid;
  if (ctx.dice.chance(options.dropShare)) {
    drop(exchange);
    return;
  }
  send(exchange, 201, { uuid, status: 'started', direction: 'outbound', conversation_uuid: conversationUuid });
}

function invalid(params: Array<{ name: string; reason: string }>): Record<string, unknown> {
  return problem('bad-request', 'Bad Request', 'The request failed due to validation errors', {
    invalid_parameters: params,
  });
}

function attemptOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    return new URL(url).searchParams.get('attempt') ?? undefined;
  } catch {
    return undefined;
  }
}
