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

/** One pump pass; returns how many jobs it added (undefined when another process pumped). */
export async function pumpOnce(deps: FairPumpDeps): Promise<number | undefined> {
  return deps.fair.exclusive(PUMP_LOCK_MS, async () => {
    const counts = await deps.queue.getJobCounts('wait', 'prioritized', 'active');
    const flying = deps.inFlight ? await deps.inFlight() : 0;
    const inPipe = (counts.wait ?? 0) + (counts.prioritized ?? 0) + Math.max(0, (counts.active ?? 0) - flying);
    const room = deps.pipeTarget - inPipe;
    if (room <= 0) return 0;
    const picks = await deps.fair.pick(room);
    if (picks.length === 0) return 0;
    // A crash between the pick and this add loses nothing: the attempts are `queued` in
    // Postgres and the feeder's stale scan offers them again after 30 s.
    await deps.queue.addBulk(
      picks.map(({ attemptId }) => ({
        name: 'call',
        data: { attemptId, v: 1 } satisfies CallJobData,
        opts: { jobId: callJobId(attemptId), priority: CAMPAIGN_PRIORITY },
      })),
    );
    return picks.length;
  });
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
