import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import { type Db, poolCounts } from '../db/connect.ts';
import type { CallQueue } from '../queue/queue.ts';
import type { BacklogCounts, ScrapeSources } from '../shared/metrics-scrape.ts';

export interface OperationsMetricsDeps {
  db: Db;
  redis: Redis;
  queue: CallQueue;
}

/** What `/metrics` reads at scrape time, in the API and in every worker process. */
export function operationsSources(deps: OperationsMetricsDeps): ScrapeSources {
  return {
    pool: () => poolCounts(deps.db),
    pingRedis: () => deps.redis.ping(),
    backlog: () => readBacklog(deps.db),
    text: async () => queueMetricsText(await deps.queue.exportPrometheusMetrics()),
  };
}

/**
 * BullMQ's own export, with one rename: its `bullmq_job_count` gauge breaks Prometheus's naming
 * rule that only histograms and summaries end in `_count` (promtool rejects it), so it is
 * served as `bullmq_jobs` with the same labels (queue, state).
 */
function queueMetricsText(text: string): string {
  return text.replace(/^((?:# (?:HELP|TYPE) )?)bullmq_job_count\b/gm, '$1bullmq_jobs');
}

/**
 * Three cheap reads: recipient counters kept by triggers (a few rows per campaign), the partial
 * index on running campaigns, and the oldest row of the small pending-event queue.
 */
async function readBacklog(db: Db): Promise<BacklogCounts> {
  const { rows } = await sql<{ backlog: string | null; running: string; lag: string | null }>`
    select
      (select sum(rc.recipients) from campaign_recipient_counters rc
         join campaigns c on c.id = rc.campaign_id
        where c.status = 'running' and rc.status = 'pending') as backlog,
      (select count(*) from campaigns where status = 'running') as running,
      (select extract(epoch from now() - e.received_at) from call_event_queue q
         join call_events e on e.id = q.event_id
        order by q.event_id limit 1) as lag`.execute(db);
  const row = rows[0];
  return {
    feederBacklog: Number(row?.backlog ?? 0),
    runningCampaigns: Number(row?.running ?? 0),
    applierLagSeconds: Math.max(0, Number(row?.lag ?? 0)),
  };
}
