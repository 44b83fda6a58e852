import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/keys/api-keys.ts';
import { type Pipeline, startPipeline } from './support/pipeline-harness.ts';
import { waitFor } from './support/wait-for.ts';
import { acceptedByNumber, createCalls } from './support/worker-processes.ts';

const PROMTOOL = '/usr/bin/promtool';

/** One sample's value, or the sum of every sample of `name` whose labels include `labels`. */
function sampleSum(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]] as const),
    );
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) sum = (sum ?? 0) + Number(match[4]);
  }
  return sum;
}

/** Prometheus's own linter and parser; the exposition must pass it with nothing to report. */
function promtoolProblems(text: string): string {
  const result = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return result.status === 0 && !result.stdout.trim() && !result.stderr.trim()
    ? ''
    : `exit ${result.status}: ${result.stdout}${result.stderr}`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function scrape(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return response.text();
}

describe('/metrics on the API and on a worker, after real calls through the simulator', () => {
  let pipeline: Pipeline;
  let workerMetrics: string;
  let authorization: string;
  const scraped: string[] = [];
  const post = (path: string, body: unknown) =>
    fetch(`${pipeline.publicUrl}${path}`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const campaign = async (first: number, count: number) => {
    const numbers = Array.from({ length: count }, (_, i) => `+316${first + i}`);
    const response = await post('/v1/campaigns', {
      name: `metrics ${first}`,
      from: '+31201234567',
      ncco: [{ action: 'talk', text: 'Hello' }],
      recipients: numbers.map((number) => ({ number })),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    return { id: ((await response.json()) as { id: string }).id, numbers };
  };

  beforeAll(async () => {
    pipeline = await startPipeline();
    const port = await freePort();
    workerMetrics = `http://127.0.0.1:${port}/metrics`;
    pipeline.startWorkers(1, { METRICS_PORT: String(port), HOST: '127.0.0.1' });
    authorization = `Bearer ${(await createApiKey(pipeline.database.db, 'metrics')).key}`;
    await waitFor(
      () =>
        fetch(workerMetrics).then(
          (response) => response.ok,
          () => false,
        ),
      30_000,
      () => `the worker's metrics port; worker output:\n${pipeline.workers[0]?.output()}`,
    );
  });
  afterAll(() => pipeline?.close());

  it('counts create-calls, 429s, limiter waits, spacing, feeder, webhooks and reminder lateness', async () => {
    const reminderAt = new Date(Date.now() + 2000);
    const reminder = await post('/v1/reminders', {
      to: '+31619900001',
      from: '+31201234567',
      ncco: [{ action: 'talk', text: 'Your appointment' }],
      at: reminderAt.toISOString(),
    });
    expect(reminder.status, await reminder.clone().text()).toBe(201);
    const first = await campaign(10_000_000, 6);
    await pipeline.waitUntilAllDialed(first.id, first.numbers, 60_000);
    const reminderAttempts = () =>
      pipeline.database.db.selectFrom('call_attempts').selectAll().where('reminder_id', 'is not', null).execute();
    await waitFor(async () => acceptedByNumber(pipeline.simulator.requests()).has('31619900001'), 30_000).catch(
      async (err: Error) => {
        throw new Error(
          `${err.message}: ${JSON.stringify(await reminderAttempts())}\n${pipeline.workers[0]?.output()}`,
        );
      },
    );

    // The gateway's limit drops below ours: it answers some create-calls with 429.
    pipeline.simulator.configure({ callsPerSecond: 1 });
    const second = await campaign(10_000_100, 4);
    await pipeline.waitUntilAllDialed(second.id, second.numbers, 60_000);
    const rejected = createCalls(pipeline.simulator.requests()).filter((r) => r.status === 429).length;
    expect(rejected).toBeGreaterThan(0);

    const worker = await waitFor(async () => {
      const text = await scrape(workerMetrics);
      return (sampleSum(text, 'callcast_create_call_requests_total', { status: '201' }) ?? 0) >= 11 && text;
    }, 10_000);
    expect(sampleSum(worker, 'callcast_gateway_429_total')).toBe(rejected);
    expect(sampleSum(worker, 'callcast_gateway_429_total', { kind: 'rate_limited' })).toBeGreaterThan(0);
    expect(sampleSum(worker, 'callcast_create_call_requests_total', { status: '429' })).toBe(rejected);
    expect(sampleSum(worker, 'callcast_limiter_wait_seconds_count', { kind: 'campaign' })).toBeGreaterThanOrEqual(10);
    expect(sampleSum(worker, 'callcast_limiter_wait_seconds_count', { kind: 'reminder' })).toBeGreaterThanOrEqual(1);
    const gaps = sampleSum(worker, 'callcast_create_call_gap_seconds_count') ?? 0;
    expect(gaps).toBeGreaterThanOrEqual(10);
    // At 3 calls/s the departures of the one worker cannot average closer than about 1/3 s.
    expect((sampleSum(worker, 'callcast_create_call_gap_seconds_sum') ?? 0) / gaps).toBeGreaterThan(0.25);
    expect(sampleSum(worker, 'callcast_reminder_lateness_seconds_count')).toBe(1);
    expect(sampleSum(worker, 'callcast_reminder_lateness_seconds_bucket', { le: '5' })).toBe(1);
    expect(sampleSum(worker, 'callcast_feeder_attempts_total', { kind: 'queued' })).toBeGreaterThanOrEqual(10);
    expect(sampleSum(worker, 'callcast_feeder_passes_total', { result: 'ok' })).toBeGreaterThan(0);
    expectCommonGauges(worker);
    scraped.push(worker);

    const api = await waitFor(async () => {
      const text = await scrape(`${pipeline.publicUrl}/metrics`);
      return (sampleSum(text, 'callcast_webhook_events_applied_total') ?? 0) > 0 && text;
    }, 10_000);
    const received = sampleSum(api, 'callcast_webhook_events_received_total', { result: 'stored' }) ?? 0;
    expect(received).toBeGreaterThanOrEqual(11 * 2); // at least started and completed of every call
    expect(sampleSum(api, 'callcast_webhook_events_applied_total')).toBeLessThanOrEqual(received);
    expect(sampleSum(api, 'callcast_webhook_applier_lag_seconds')).toBeGreaterThanOrEqual(0);
    // Completed campaigns are not running; nothing of theirs is left for the feeder.
    await waitFor(async () => {
      const text = await scrape(`${pipeline.publicUrl}/metrics`);
      return sampleSum(text, 'callcast_running_campaigns') === 0 && text;
    }, 15_000);
    expect(sampleSum(api, 'callcast_feeder_backlog_recipients')).toBe(0);
    expectCommonGauges(api);
    scraped.push(api);
  }, 180_000);

  it('serves text that Prometheus’s promtool accepts without a single problem', async (context) => {
    if (!existsSync(PROMTOOL)) {
      // CI installs it (.ci/run) and says so: there a missing promtool is a failure, not a skip.
      if (process.env.CALLCAST_REQUIRE_TOOLS === '1') throw new Error(`${PROMTOOL} is required in CI`);
      console.warn(`skipped: ${PROMTOOL} is absent (Debian package "prometheus")`);
      context.skip();
    }
    for (const url of [`${pipeline.publicUrl}/metrics`, workerMetrics]) {
      expect(promtoolProblems(await scrape(url)), url).toBe('');
    }
    // The check is real: promtool does reject what breaks the naming rules.
    expect(promtoolProblems('# TYPE bullmq_job_count gauge\nbullmq_job_count 1\n')).not.toBe('');
  });

  it('the Grafana dashboard queries only metrics that the processes export', () => {
    expect(scraped).toHaveLength(2);
    const dashboard = JSON.parse(readFileSync(new URL('../deploy/grafana/callcast.json', import.meta.url), 'utf8')) as {
      panels: Array<{ targets?: Array<{ expr: string }> }>;
    };
    const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(15);
    const exported = new Set(scraped.flatMap((text) => [...text.matchAll(/^# TYPE (\S+) (\w+)/gm)].map((m) => m[1])));
    const used = new Set(
      exprs.flatMap((expr) => [...expr.matchAll(/\b((?:callcast|bullmq)_\w+?)(?:_bucket)?\b/g)].map((m) => m[1])),
    );
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });

  it('answers 404 for anything but GET /metrics on the worker port', async () => {
    expect((await fetch(workerMetrics.replace('/metrics', '/other'))).status).toBe(404);
  });
});

/** Read at scrape time in every process: pool, Redis round trip, BullMQ's queue export. */
function expectCommonGauges(text: string): void {
  expect(sampleSum(text, 'callcast_pg_pool_clients')).toBeGreaterThan(0);
  expect(sampleSum(text, 'callcast_pg_pool_idle_clients')).toBeGreaterThanOrEqual(0);
  expect(sampleSum(text, 'callcast_pg_pool_waiting_requests')).toBeGreaterThanOrEqual(0);
  expect(sampleSum(text, 'callcast_redis_up')).toBe(1);
  const ping = sampleSum(text, 'callcast_redis_ping_seconds') ?? -1;
  expect(ping).toBeGreaterThan(0);
  expect(ping).toBeLessThan(2);
  expect(sampleSum(text, 'callcast_postgres_up')).toBe(1);
  for (const state of ['waiting', 'active', 'delayed', 'prioritized'])
    expect(sampleSum(text, 'bullmq_jobs', { state }), state).toBeGreaterThanOrEqual(0);
  expect(sampleSum(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
}
