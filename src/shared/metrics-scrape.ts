import { performance } from 'node:perf_hooks';
import { Gauge, Registry } from 'prom-client';
import { processMetrics } from './metrics.ts';

/** Postgres pool counts (pg's Pool totalCount, idleCount, waitingCount). */
export interface PoolCounts {
  total: number;
  idle: number;
  waiting: number;
}

/** Cluster-wide numbers read from Postgres: the same from every process (aggregate with max). */
export interface BacklogCounts {
  /** Pending recipients of running campaigns: what the feeder has still to queue. */
  feederBacklog: number;
  runningCampaigns: number;
  /** Age of the oldest stored event not yet applied, s; 0 when none waits. */
  applierLagSeconds: number;
}

/**
 * What a process reads at scrape time. The process assembly builds these callbacks from its
 * own pool, Redis connection and queue; every part is optional and a failing one is left out
 * of the scrape (its `*_up` gauge says so) instead of failing it.
 */
export interface ScrapeSources {
  pool?: () => PoolCounts | undefined;
  pingRedis?: () => Promise<unknown>;
  backlog?: () => Promise<BacklogCounts>;
  /** Ready-made exposition text to append (BullMQ's queue metrics). */
  text?: () => Promise<string>;
}

// An unreachable Redis or Postgres must not hold a scrape up: Prometheus gives up after 10 s.
const SOURCE_TIMEOUT_MS = 2000;

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The whole exposition text: process metrics, then this scrape's readings. */
export async function renderMetrics(sources: ScrapeSources): Promise<string> {
  const scrape = new Registry();
  const [, , extra] = await Promise.all([
    redisGauges(scrape, sources),
    backlogGauges(scrape, sources),
    sources.text ? withTimeout(sources.text(), SOURCE_TIMEOUT_MS).catch(() => undefined) : undefined,
  ]);
  poolGauges(scrape, sources.pool?.());
  const parts = [await processMetrics().registry.metrics(), await scrape.metrics()];
  if (extra) parts.push(extra.endsWith('\n') ? extra : `${extra}\n`);
  return parts.join('');
}

function gauge(registry: Registry, name: string, help: string, value: number): void {
  new Gauge({ name, help, registers: [registry] }).set(value);
}

function poolGauges(registry: Registry, pool: PoolCounts | undefined): void {
  if (!pool) return;
  gauge(registry, 'callcast_pg_pool_clients', 'Postgres connections held by the pool (in use or idle)', pool.total);
  gauge(registry, 'callcast_pg_pool_idle_clients', 'Postgres connections idle in the pool', pool.idle);
  gauge(registry, 'callcast_pg_pool_waiting_requests', 'Queries waiting for a free pool connection', pool.waiting);
}

async function redisGauges(registry: Registry, sources: ScrapeSources): Promise<void> {
  if (!sources.pingRedis) return;
  const started = performance.now();
  const up = await withTimeout(sources.pingRedis(), SOURCE_TIMEOUT_MS).then(
    () => true,
    () => false,
  );
  gauge(registry, 'callcast_redis_up', 'Whether Redis answered a PING during this scrape (1) or not (0)', up ? 1 : 0);
  if (up) {
    const seconds = (performance.now() - started) / 1000;
    gauge(registry, 'callcast_redis_ping_seconds', 'Round-trip time of a Redis PING during this scrape', seconds);
  }
}

async function backlogGauges(registry: Registry, sources: ScrapeSources): Promise<void> {
  if (!sources.backlog) return;
  const counts = await withTimeout(sources.backlog(), SOURCE_TIMEOUT_MS).catch(() => undefined);
  gauge(registry, 'callcast_postgres_up', 'Whether the scrape could read its counts from Postgres', counts ? 1 : 0);
  if (!counts) return;
  gauge(
    registry,
    'callcast_feeder_backlog_recipients',
    'Pending recipients of running campaigns',
    counts.feederBacklog,
  );
  gauge(registry, 'callcast_running_campaigns', 'Campaigns in status running', counts.runningCampaigns);
  gauge(
    registry,
    'callcast_webhook_applier_lag_seconds',
    'Age of the oldest stored gateway event not yet applied (0: none waiting)',
    counts.applierLagSeconds,
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
