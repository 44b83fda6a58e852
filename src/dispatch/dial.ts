import { isStorageUnavailable } from '../db/connect.ts';
import type { CreateCallRequest } from '../gateway/types.ts';
import { coerceError } from '../shared/errors.ts';
import { sendWindowMs } from '../shared/gateway-timing.ts';
import { createCallTimer } from '../shared/metrics.ts';
import { answerUrl, eventUrl, withOwnInputUrls } from '../shared/webhook-urls.ts';
import { claimStamp, markStarted, releaseClaim, returnToPending } from './attempt-claims.ts';
import { handleFailure } from './dial-failure.ts';
import { NotSentError } from './failure-policy.ts';
import { type CallProcessorDeps, endUndialed, type JobContext, type JobResult } from './job-context.ts';
import { confirmSend, type SendRefusal } from './send-check.ts';

/**
 * Dials the attempt at most once: `claim` takes it (inside the limiter slot, just before the
 * guard), and as the request leaves, the claim is confirmed together with the campaign still
 * running (reminder active) and the number not suppressed. A refused confirmation sends nothing
 * and settles the attempt as the refusal says.
 */
export async function dial(ctx: JobContext, claim: () => Promise<boolean>): Promise<JobResult> {
  const { deps, spec } = ctx;
  const request = buildRequest(deps, ctx);
  let claimed = false;
  let claimedAt: Date | null = null;
  let refusal: SendRefusal = 'lost';
  const prepare = async () => {
    claimed = await claim();
    if (claimed) claimedAt = await claimStamp(deps.db, spec.attemptId);
    return claimed;
  };
  // Metrics: limiter wait from here to departure, spacing, status, 429s, reminder lateness.
  const departure = createCallTimer(spec.kind, spec.dueAt);
  // The guard may hold a claimed attempt for long (a Redis outage blocks it); meanwhile the
  // campaign may have stopped, the number been suppressed, or a stalled copy of this job have
  // found the attempt unconfirmed past the grace and re-claimed it.
  const send = async () => {
    if (!claimedAt) return undefined;
    const check = await confirmSend(deps.db, spec.attemptId, claimedAt).catch((thrown: unknown) => {
      throw new NotSentError(`check before sending failed: ${coerceError(thrown).message}`, { cause: thrown });
    });
    // Counted from the confirmation that stamped dial_started_at, where the grace starts too.
    const sendBy = Date.now() + sendWindowMs(deps.reconcileGraceMs);
    if (check.sent) return departure.send(() => deps.gateway.createCall({ ...request, sendBy }));
    refusal = check.refusal;
    return undefined;
  };
  try {
    // A reminder is due at a moment: it skips the campaign backlog held in the limiter.
    const result = await deps.limiter.schedule(send, { urgent: spec.kind === 'reminder', prepare });
    if (!result.ran || !result.value) return claimed ? settleRefusal(ctx, refusal) : 'claimed_elsewhere';
    // Quota headers reach the limiter through the gateway client's onQuota hook (worker-process.ts).
    await keepCallUuid(ctx, result.value.uuid, result.value.conversationUuid);
    await storeCallUuid(ctx, result.value.uuid, result.value.conversationUuid);
    await deps.pending?.forgetUuid(spec.attemptId).catch(() => undefined);
    return 'dialed';
  } catch (thrown) {
    return handleFailure(ctx, thrown, claimed);
  }
}

/** Nothing was sent: hand the claim back and settle the attempt as the refusal says. */
async function settleRefusal(ctx: JobContext, refusal: SendRefusal): Promise<JobResult> {
  const { db } = ctx.deps;
  const { attemptId, recipientId } = ctx.spec;
  if (refusal === 'lost') return 'claimed_elsewhere';
  await releaseClaim(db, attemptId, recipientId);
  ctx.log.info({ refusal }, 'create-call not sent: stopped while waiting for the limiter');
  if (refusal === 'paused') {
    return (await returnToPending(db, attemptId, recipientId)) ? 'returned_to_pending' : 'not_queued';
  }
  if (refusal === 'suppressed') {
    await endUndialed(ctx, 'suppressed', 'number suppressed before the request left');
    return 'suppressed';
  }
  await endUndialed(ctx, 'skipped', `${ctx.spec.kind} cancelled before the request left`);
  return 'skipped';
}

function buildRequest(deps: CallProcessorDeps, { spec }: JobContext): CreateCallRequest {
  return {
    attemptId: spec.attemptId,
    to: spec.to,
    from: spec.from,
    answerUrl: spec.ownAnswerUrl ?? answerUrl(deps.webhookBase, spec.attemptId),
    // Inline NCCO (Vonage direct): `input` actions without an eventUrl answer to callcast.
    ...(spec.ncco ? { ncco: withOwnInputUrls(spec.ncco, deps.webhookBase, spec.attemptId) } : {}),
    eventUrl: eventUrl(deps.webhookBase, spec.attemptId),
    machineDetection: spec.callOptions.machine_detection,
    ringingTimer: spec.callOptions.ringing_timer,
    lengthTimer: spec.callOptions.length_timer,
  };
}

// Once the gateway said 201 the call exists. A Postgres outage must not turn it into an
// unconfirmed dial (left to reconciliation, which would redial if the outage also cost the call's
// webhooks): the uuid is kept in Redis until stored, and a minute of outage is waited out here.
const STORE_UUID_PATIENCE_MS = 60_000;

/** Keeps the uuid in Redis first; reconcile finds it there if this process cannot store it. */
async function keepCallUuid(ctx: JobContext, uuid: string, conversationUuid: string | undefined) {
  try {
    await ctx.deps.pending?.keepUuid(ctx.spec.attemptId, uuid, conversationUuid);
  } catch (thrown) {
    ctx.log.warn({ err: coerceError(thrown).message, callUuid: uuid }, 'could not keep the call uuid in Redis');
  }
}

async function storeCallUuid(ctx: JobContext, uuid: string, conversationUuid: string | undefined) {
  const deadline = Date.now() + (ctx.deps.storeUuidPatienceMs ?? STORE_UUID_PATIENCE_MS);
  for (;;) {
    try {
      return await markStarted(ctx.deps.db, ctx.spec.attemptId, uuid, conversationUuid);
    } catch (err) {
      if (!isStorageUnavailable(err)) throw err;
      await ctx.deps.pending?.noteStorageDown().catch(() => undefined);
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}
