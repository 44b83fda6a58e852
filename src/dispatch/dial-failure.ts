import { Worker } from 'bullmq';
import { endAttempt } from '../calls/attempt-outcome.ts';
import { releaseClaim, returnToPending } from './attempt-claims.ts';
import { classifyFailure, type FailurePlan, planAfterFailure } from './failure-policy.ts';
import { delayJob, type JobContext, type JobResult } from './job-context.ts';

/**
 * Carries out what `planAfterFailure` decided for a failed dial. `claimed`: this run holds the
 * attempt's claim (queued → dialing), so a plan that gives it back releases it first.
 */
export async function handleFailure(ctx: JobContext, thrown: unknown, claimed: boolean): Promise<JobResult> {
  const { deps, spec, job } = ctx;
  const plan = planAfterFailure(classifyFailure(thrown), {
    tryNo: job.attemptsMade + 1,
    maxTries: job.opts.attempts ?? 1,
  });
  const log = ctx.log.child({ action: plan.kind });
  if (claimed && plan.releaseClaim) await releaseClaim(deps.db, spec.attemptId, spec.recipientId);
  switch (plan.kind) {
    case 'end':
      log.warn({ detail: plan.detail }, 'gateway refused the call');
      await endWith(ctx, plan);
      return 'rejected';
    case 'requeue':
      // No slot (closing, or the guard is paced): the job waits in Redis, not in this process.
      return delayJob(ctx, Date.now() + plan.delayMs);
    case 'pause_all': {
      log[plan.level]({ pauseMs: plan.ms, reason: plan.reason }, 'pausing every worker');
      const inForce = await deps.limiter.pauseFor(plan.ms, plan.reason);
      await ctx.worker.rateLimit(Math.max(inForce, 1));
      throw Worker.RateLimitError();
    }
    case 'later': {
      log.warn({ reason: plan.reason, retryInMs: plan.delayMs }, 'gateway unreachable on every try; later');
      if (spec.kind === 'reminder') return delayJob(ctx, Date.now() + plan.delayMs);
      const back = await returnToPending(deps.db, spec.attemptId, spec.recipientId, plan.delayMs);
      return back ? 'returned_to_pending' : 'not_queued';
    }
    case 'give_up':
      log.error({ detail: plan.detail }, 'giving up on the attempt');
      await endWith(ctx, plan);
      return 'gave_up';
    case 'retry':
      log.warn({ reason: plan.reason, releaseClaim: plan.releaseClaim }, 'dial failed; retrying with backoff');
      throw thrown;
  }
}

async function endWith(ctx: JobContext, plan: Extract<FailurePlan, { kind: 'end' | 'give_up' }>): Promise<void> {
  const fields =
    plan.kind === 'end'
      ? { outcome: 'error' as const, detail: plan.detail, gatewayError: plan.gatewayError }
      : { outcome: plan.outcome, detail: plan.detail };
  await ctx.deps.db.transaction().execute((trx) => endAttempt(trx, ctx.spec.attemptId, fields, ctx.deps.owners));
}
