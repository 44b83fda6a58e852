import type { FairShare } from '../queue/fair-share.ts';
import { CAMPAIGN_PRIORITY, type CallJobData, callJobId } from '../queue/jobs.ts';
import type { CallQueue } from '../queue/queue.ts';
import { coerceError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { type Periodic, runPeriodically } from '../shared/periodic.ts';

/**
 * The pump keeps the BullMQ queue short and fills it in fair order. Every job a worker holds
 * waits its turn at the limiter in the order it was taken, so whatever is in BullMQ (waiting or
 * held) is a FIFO that a new campaign would queue behind. The pump tops it up to `pipeTarget`
 * jobs (waiting + prioritized + active) from the fair-share scheduler, a few at a time: enough
 * that the limiter never idles, few enough that a new campaign's first pick is dialed within
 * about `pipeTarget / rate` seconds. Reminder jobs skip the pump (priority 1, as before).
 */
export interface FairPumpDeps {
  fair: FairShare;
  queue: CallQueue;
  logger: Logger;
  /** Jobs kept in BullMQ and not yet sent (waiting + active − in flight): see `pipeTargetFor`. */
  pipeTarget: number;
  /** Create-call requests under way (the limiter's count): active jobs that no longer wait. */
  inFlight?: () => Promise<number>;
}

/**
 * ceil(rate × ⅓ s) + 1 jobs not yet sent: at 3/s, 2 — one slot's work waiting at the limiter
 * behind the one about to go, so a new campaign's first call is under a second behind the pipe;
 * at 100/s, 35 (⅓ s of work). Requests in flight (a gateway 300 ms away holds one at 3/s, 30 at
 * 100/s) do not count. The pump refills every 100 ms, well inside the time the waiting jobs keep
 * the limiter busy.
 */
export function pipeTargetFor(callsPerSecond: number): number {
  return Math.ceil(callsPerSecond / 3) + 1;
}

// The pump's tick: well under one slot at 3/s (333 ms), so the pipe refills before it empties.
const PUMP_INTERVAL_MS = 100;
// The lock outlives a pump pass that hangs on Redis by no more than this.
const PUMP_LOCK_MS = 2_000;

// A pick not confirmed in BullMQ this long after it was made is added again: the add failed (Redis
// went away mid-pass) or the pumping process died. Far above a pass's length, so a pass under way
// is rarely doubled, and doubling is harmless: a job added twice is one job (its id is the
// attempt id), and one added after its attempt was dialed finds the attempt no longer queued.
const HANDOFF_RECOVER_MS = 2_000;

/** One pump pass; returns how many jobs it added (undefined when another process pumped). */
export async function pumpOnce(deps: FairPumpDeps): Promise<number | undefined> {
  return deps.fair.exclusive(PUMP_LOCK_MS, async () => {
    await addJobs(deps, await deps.fair.unconfirmed(HANDOFF_RECOVER_MS, 100));
    const counts = await deps.queue.getJobCounts('wait', 'prioritized', 'active');
    const flying = deps.inFlight ? await deps.inFlight() : 0;
    const inPipe = (counts.wait ?? 0) + (counts.prioritized ?? 0) + Math.max(0, (counts.active ?? 0) - flying);
    const room = deps.pipeTarget - inPipe;
    if (room <= 0) return 0;
    const picks = await deps.fair.pick(room);
    await addJobs(
      deps,
      picks.map((pick) => pick.attemptId),
    );
    return picks.length;
  });
}

/**
 * Adds the picks' jobs, then confirms them to the scheduler. A failure in between leaves them
 * listed as handed off, and a later pass adds them again (HANDOFF_RECOVER_MS): a Redis restart
 * costs seconds, not the feeder's 30-second stale scan.
 */
async function addJobs(deps: FairPumpDeps, attemptIds: readonly string[]): Promise<void> {
  if (attemptIds.length === 0) return;
  await deps.queue.addBulk(
    attemptIds.map((attemptId) => ({
      name: 'call',
      data: { attemptId, v: 1 } satisfies CallJobData,
      opts: { jobId: callJobId(attemptId), priority: CAMPAIGN_PRIORITY },
    })),
  );
  await deps.fair.handedOff(attemptIds);
}

/** Runs the pump every 100 ms until closed. */
export function startFairPump(deps: FairPumpDeps): Periodic {
  const log = deps.logger.child({ component: 'fair-pump' });
  let failing = false;
  return runPeriodically(async () => {
    try {
      await pumpOnce(deps);
      failing = false;
    } catch (thrown) {
      if (!failing) log.warn({ err: coerceError(thrown).message }, 'fair pump pass failed');
      failing = true;
    }
  }, PUMP_INTERVAL_MS);
}
