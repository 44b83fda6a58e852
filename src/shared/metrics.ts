import { performance } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus metrics: one Registry per process, created on first use (nothing
 * happens at import), and named recording functions that the code paths call in one line.
 * Values read at scrape time (pool, Redis, queue, Postgres counts) live in metrics-scrape.ts.
 * Terminology: departure = the moment a create-call request leaves for the gateway.
 */

// Create-call spacing sits around 1/CALLS_PER_SECOND (0.33 s at 3/s); finer buckets there.
const GAP_BUCKETS = [0.01, 0.05, 0.1, 0.2, 0.25, 0.3, 0.33, 0.36, 0.4, 0.5, 0.75, 1, 2, 5, 10, 30, 60];
// A slot may be waited for up to 10 s in the guard, far longer behind a campaign backlog.
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];
// Reminders aim at p99 ≤ 1 s late; a reminder that waited for a closed window is minutes late.
const LATENESS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 10, 30, 60, 300, 3600];
const REQUEST_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function build() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges named *_total break Prometheus's naming rules (promtool rejects them); the same
  // numbers remain, per type, in nodejs_active_handles, nodejs_active_requests, nodejs_active_resources.
  for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
    registry.removeSingleMetric(name);
  const registers = [registry];
  return {
    registry,
    createCalls: new Counter({
      name: 'callcast_create_call_requests_total',
      help: 'Create-call requests sent to the gateway, by HTTP status of the answer ("network": no answer)',
      labelNames: ['status'] as const,
      registers,
    }),
    rateLimited: new Counter({
      name: 'callcast_gateway_429_total',
      help: 'Create-call requests the gateway answered with 429, by kind (rate_limited, quota_exhausted)',
      labelNames: ['kind'] as const,
      registers,
    }),
    requestSeconds: new Histogram({
      name: 'callcast_create_call_duration_seconds',
      help: 'Time from departure of a create-call request to the gateway answer',
      buckets: REQUEST_BUCKETS,
      registers,
    }),
    limiterWait: new Histogram({
      name: 'callcast_limiter_wait_seconds',
      help: 'Time a dial waited for its create-call slot (Bottleneck, claim and Redis guard), by kind',
      labelNames: ['kind'] as const,
      buckets: WAIT_BUCKETS,
      registers,
    }),
    departureGap: new Histogram({
      name: 'callcast_create_call_gap_seconds',
      help: 'Time between two consecutive create-call departures of this process',
      buckets: GAP_BUCKETS,
      registers,
    }),
    reminderLateness: new Histogram({
      name: 'callcast_reminder_lateness_seconds',
      help: 'How long after its due time a reminder call departed',
      buckets: LATENESS_BUCKETS,
      registers,
    }),
    feederAttempts: new Counter({
      name: 'callcast_feeder_attempts_total',
      help: 'Attempts the feeder queued for dialing (queued: new; requeued: a lost job re-added)',
      labelNames: ['kind'] as const,
      registers,
    }),
    feederPasses: new Counter({
      name: 'callcast_feeder_passes_total',
      help: 'Feeder passes, by result (ok, failed)',
      labelNames: ['result'] as const,
      registers,
    }),
    webhookReceived: new Counter({
      name: 'callcast_webhook_events_received_total',
      help: 'Gateway event callbacks received, by result (stored, duplicate, unlinked, buffered)',
      labelNames: ['result'] as const,
      registers,
    }),
    webhookApplied: new Counter({
      name: 'callcast_webhook_events_applied_total',
      help: 'Stored gateway events applied to their attempts by this process',
      registers,
    }),
  };
}

type ProcessMetrics = ReturnType<typeof build>;
let current: ProcessMetrics | undefined;

/** The process's metrics, created on first use; known label values start at 0 so rates work at once. */
export function processMetrics(): ProcessMetrics {
  if (current) return current;
  current = build();
  for (const kind of ['rate_limited', 'quota_exhausted']) current.rateLimited.inc({ kind }, 0);
  for (const kind of ['queued', 'requeued']) current.feederAttempts.inc({ kind }, 0);
  for (const result of ['stored', 'duplicate', 'unlinked', 'buffered']) current.webhookReceived.inc({ result }, 0);
  return current;
}

export type DialKind = 'campaign' | 'reminder';

let lastDeparture: number | undefined;

/**
 * Started when a dial asks the limiter for a slot; `send` wraps the request itself, so the
 * limiter wait, the spacing of departures, a reminder's lateness, the answer's status and
 * 429s are all recorded at the moment the request leaves and when it comes back.
 */
export function createCallTimer(kind: DialKind, dueAt?: Date | null) {
  const askedAt = performance.now();
  return {
    async send<T>(request: () => Promise<T>): Promise<T> {
      const metrics = processMetrics();
      const departedAt = performance.now();
      metrics.limiterWait.observe({ kind }, (departedAt - askedAt) / 1000);
      if (lastDeparture !== undefined) metrics.departureGap.observe((departedAt - lastDeparture) / 1000);
      lastDeparture = departedAt;
      if (kind === 'reminder' && dueAt)
        metrics.reminderLateness.observe(Math.max(0, Date.now() - dueAt.getTime()) / 1000);
      const stop = metrics.requestSeconds.startTimer();
      try {
        const result = await request();
        metrics.createCalls.inc({ status: '201' });
        return result;
      } catch (thrown) {
        countFailedCreateCall(thrown);
        throw thrown;
      } finally {
        stop();
      }
    },
  };
}

/** A failed request: its HTTP status (a GatewayError's `httpStatus`), or "network". */
function countFailedCreateCall(thrown: unknown): void {
  const err = (thrown ?? {}) as { httpStatus?: unknown; kind?: unknown };
  const status = typeof err.httpStatus === 'number' ? String(err.httpStatus) : 'network';
  const metrics = processMetrics();
  metrics.createCalls.inc({ status });
  if (status === '429') metrics.rateLimited.inc({ kind: typeof err.kind === 'string' ? err.kind : 'unknown' });
}

/** One feeder pass: what it moved into the queue, or that it failed. */
export function recordFeederPass(report: { queued: number; requeued: number } | 'failed'): void {
  const metrics = processMetrics();
  if (report === 'failed') return void metrics.feederPasses.inc({ result: 'failed' });
  metrics.feederPasses.inc({ result: 'ok' });
  metrics.feederAttempts.inc({ kind: 'queued' }, report.queued);
  metrics.feederAttempts.inc({ kind: 'requeued' }, report.requeued);
}

/** What the receiver did with one event callback (the shape of storeEvent's answer). */
export interface ReceivedEvent {
  stored: boolean;
  attemptFound?: boolean;
  buffered?: boolean;
}

/** One event callback received: stored, a redelivery, stored unlinked (no such attempt) or buffered in Redis. */
export function countWebhookEvent(event: ReceivedEvent): void {
  const result = event.buffered
    ? 'buffered'
    : !event.stored
      ? 'duplicate'
      : event.attemptFound === false
        ? 'unlinked'
        : 'stored';
  processMetrics().webhookReceived.inc({ result });
}

/** Events applied to their attempts in one applier round. */
export function countAppliedEvents(count: number): void {
  if (count > 0) processMetrics().webhookApplied.inc(count);
}
