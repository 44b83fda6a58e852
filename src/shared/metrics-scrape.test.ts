import { describe, expect, it } from 'vitest';
import { countWebhookEvent, createCallTimer } from './metrics.ts';
import { renderMetrics } from './metrics-scrape.ts';

const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('metrics exposition', () => {
  it('a source that fails or hangs is left out with its up gauge at 0, and the scrape still answers', async () => {
    const started = Date.now();
    const text = await renderMetrics({
      pingRedis: () => new Promise(() => {}),
      backlog: async () => {
        throw new Error('postgres down');
      },
      text: () => new Promise(() => {}),
      pool: () => ({ total: 3, idle: 1, waiting: 2 }),
    });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(value(text, 'callcast_redis_up')).toBe(0);
    expect(value(text, 'callcast_redis_ping_seconds')).toBeUndefined();
    expect(value(text, 'callcast_postgres_up')).toBe(0);
    expect(value(text, 'callcast_feeder_backlog_recipients')).toBeUndefined();
    expect(value(text, 'callcast_pg_pool_waiting_requests')).toBe(2);
  });

  it('a create-call is counted by the status it got back, a 429 also by its kind, and a reminder’s lateness', async () => {
    const before = await renderMetrics({});
    const timer = createCallTimer('reminder', new Date(Date.now() - 1500));
    await timer.send(async () => 'created');
    const refusal = Object.assign(new Error('HTTP 429'), { httpStatus: 429, kind: 'quota_exhausted' });
    await expect(timer.send(() => Promise.reject(refusal))).rejects.toBe(refusal);
    await expect(timer.send(() => Promise.reject(new Error('ECONNRESET')))).rejects.toThrow('ECONNRESET');
    countWebhookEvent({ stored: false });
    countWebhookEvent({ stored: true, attemptFound: false });
    const after = await renderMetrics({});
    const delta = (series: string) => (value(after, series) ?? 0) - (value(before, series) ?? 0);
    expect(delta('callcast_create_call_requests_total{status="201"}')).toBe(1);
    expect(delta('callcast_create_call_requests_total{status="429"}')).toBe(1);
    expect(delta('callcast_create_call_requests_total{status="network"}')).toBe(1);
    expect(delta('callcast_gateway_429_total{kind="quota_exhausted"}')).toBe(1);
    expect(delta('callcast_gateway_429_total{kind="rate_limited"}')).toBe(0);
    expect(delta('callcast_create_call_gap_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(delta('callcast_reminder_lateness_seconds_count')).toBe(3);
    expect(delta('callcast_reminder_lateness_seconds_bucket{le="1"}')).toBe(0);
    expect(delta('callcast_reminder_lateness_seconds_bucket{le="2"}')).toBe(3);
    expect(delta('callcast_webhook_events_received_total{result="duplicate"}')).toBe(1);
    expect(delta('callcast_webhook_events_received_total{result="unlinked"}')).toBe(1);
  });
});
