/**
 * Reports at scale: one finished campaign with 1M attempts and 5M events generated straight into
 * Postgres (generate_series; the counter triggers run as for real writes), then through a real
 * `callcast api` process: the campaign summary (`GET /v1/campaigns/:id`), the first page of calls
 * (`/calls`), filtered pages, and one full streamed `report.csv`. Median and p99 over 50
 * sequential requests each, after 5 warm-up requests.
 *
 *   node bench/reports.ts                                      # 1M attempts, 5M events
 *   node bench/reports.ts --attempts 20000 --out -             # smoke run
 */
import { sql } from 'kysely';
import { request } from 'undici';
import type { Db } from '../src/db/connect.ts';
import { summarize } from './lib/analysis.ts';
import { ApiClient, campaignBody } from './lib/api.ts';
import { flags, int } from './lib/args.ts';
import { benchNumber } from './lib/csv.ts';
import { createDeployment } from './lib/deployment.ts';
import { note } from './lib/output.ts';
import { sampleMemory } from './lib/probes.ts';
import { runBenchmark } from './lib/runner.ts';
import { seedFinishedCampaign } from './lib/seed.ts';

const args = flags('usage: node bench/reports.ts [flags]', {
  attempts: { default: '1000000', help: 'attempts (one per recipient) in the campaign' },
  'events-per-attempt': { default: '5', help: 'events per attempt' },
  requests: { default: '50', help: 'measured requests per endpoint' },
  csv: { default: 'yes', help: "'yes': also time one full report.csv download" },
  out: { default: '', help: "result file; '-' prints only (default bench/results/reports.json)" },
});
const attempts = int(args.attempts, 'attempts');
const eventsPerAttempt = int(args['events-per-attempt'], 'events-per-attempt');
const requests = int(args.requests, 'requests');
// Generating 5M events on 2 cores takes minutes; the limit scales with the size.
const maxSeconds = 300 + Math.ceil((attempts * (1 + eventsPerAttempt)) / 5_000);

await runBenchmark('reports', { maxSeconds, out: args.out || undefined }, async ({ services }) => {
  const deployment = await createDeployment(services, {
    label: 'reports',
    gateway: { url: 'http://127.0.0.1:9', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'x', clientSecret: 'y' },
    callsPerSecond: 3,
  });
  try {
    const api = await deployment.startApi();
    const client = new ApiClient(deployment.apiUrl, deployment.apiKey);
    const campaign = await client.expect<{ id: string }>(201, 'POST', '/v1/campaigns', campaignBody('reports'));
    const seedStarted = performance.now();
    const size = { attempts, eventsPerAttempt, chunk: 100_000, spreadMinutes: 24 * 60 };
    await seedFinishedCampaign(deployment.db, campaign.id, size, (done, what) => note(`seeded ${done} ${what}`));
    // What autovacuum would have done by the time anyone reads a report of a finished campaign.
    await sql`vacuum analyze`.execute(deployment.db);
    const seedSeconds = Math.round((performance.now() - seedStarted) / 100) / 10;
    const counts = await tableCounts(deployment.db);
    note(`seeded ${counts.attempts} attempts, ${counts.events} events in ${seedSeconds} s`);

    const base = `/v1/campaigns/${campaign.id}`;
    const endpoints: Record<string, string> = {
      summary: base,
      callsFirstPage: `${base}/calls`,
      callsByOutcome: `${base}/calls?outcome=busy`,
      callsByNumber: `${base}/calls?number=${encodeURIComponent(benchNumber(Math.floor(attempts / 2)))}`,
    };
    const latencyMs: Record<string, ReturnType<typeof summarize>> = {};
    for (const [name, path] of Object.entries(endpoints)) {
      latencyMs[name] = await timeRequests(client, path, requests);
      note(`${name}: p50 ${latencyMs[name]?.p50} ms, p99 ${latencyMs[name]?.p99} ms`);
    }
    const csv =
      args.csv === 'yes' ? await timeCsv(deployment.apiUrl, deployment.apiKey, `${base}/report.csv`, api.pid) : null;
    const summary = await client.expect<{ report?: { callsPerMinute?: unknown[] } }>(200, 'GET', base);
    // Sixty per-minute buckets say nothing here; keep the rest as proof of what was summarized.
    if (summary.report?.callsPerMinute)
      summary.report.callsPerMinute = [`${summary.report.callsPerMinute.length} minutes`];
    const target = { summaryMedianMsAtMost: 100 };
    const met = (latencyMs.summary?.p50 ?? Infinity) <= target.summaryMedianMsAtMost;
    return { ...counts, seedSeconds, requests, target, met, latencyMs, csv, summarySample: summary };
  } finally {
    await deployment.close();
  }
});

async function tableCounts(db: Db) {
  const { rows } = await sql<{ attempts: string; events: string; db_mb: string }>`
    select (select count(*) from call_attempts)::text as attempts, (select count(*) from call_events)::text as events,
           (pg_database_size(current_database()) / 1048576)::text as db_mb`.execute(db);
  return { attempts: Number(rows[0]?.attempts), events: Number(rows[0]?.events), databaseMb: Number(rows[0]?.db_mb) };
}

async function timeRequests(client: ApiClient, path: string, count: number) {
  const samples: number[] = [];
  for (let i = 0; i < count + 5; i++) {
    const started = performance.now();
    const res = await client.json<unknown>('GET', path);
    const ms = performance.now() - started;
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    // The first five warm the JIT, the pool and Postgres' buffers.
    if (i >= 5) samples.push(ms);
  }
  return summarize(samples);
}

async function timeCsv(baseUrl: string, apiKey: string, path: string, apiPid: number) {
  const memory = sampleMemory(apiPid);
  const started = performance.now();
  const res = await request(`${baseUrl}${path}`, {
    headers: { authorization: `Bearer ${apiKey}` },
    bodyTimeout: 10 * 60_000,
  });
  let bytes = 0;
  let firstByteMs: number | undefined;
  let lines = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    firstByteMs ??= performance.now() - started;
    bytes += chunk.length;
    for (const byte of chunk) if (byte === 10) lines++;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    status: res.statusCode,
    rows: Math.max(0, lines - 1),
    megabytes: Math.round((bytes / 1024 / 1024) * 10) / 10,
    firstByteMs: Math.round(firstByteMs ?? 0),
    seconds: Math.round(seconds * 10) / 10,
    apiPeakRssMb: (await memory.stop()).peakRssMb,
  };
}
