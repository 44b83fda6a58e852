/**
 * Webhook ingestion: a separate load process (bench/load/webhook-load.ts, undici, open loop)
 * posts call events to `POST /webhooks/event?attempt=&token=` of a real `callcast api` process
 * at 1k, 2k and 5k events/s for 30 s. Per rate: accepted events/s, p50/p99 latency, and events
 * lost (acknowledged with 2xx but not in call_events; and sent but not stored at all).
 *
 *   node bench/webhooks.ts                                  # 1000,2000,5000 events/s × 30 s
 *   node bench/webhooks.ts --rates 500 --seconds 5 --out -   # smoke run
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../src/db/connect.ts';
import { ApiClient, campaignBody } from './lib/api.ts';
import { flags, int, intList, positive } from './lib/args.ts';
import { spawnNode } from './lib/children.ts';
import { createDeployment, sleep } from './lib/deployment.ts';
import { note } from './lib/output.ts';
import { busyShare, machineCpu, processCpuSeconds, sampleMemory } from './lib/probes.ts';
import { runBenchmark } from './lib/runner.ts';
import { seedDialedAttempts } from './lib/seed.ts';
import type { BenchServices } from './lib/services.ts';

const args = flags('usage: node bench/webhooks.ts [flags]', {
  rates: { default: '1000,2000,5000', help: 'offered events per second, one variant each' },
  seconds: { default: '30', help: 'seconds of offered load per variant' },
  warmup: { default: '3', help: 'seconds of the same load before the measured ones' },
  connections: { default: '64', help: 'keep-alive connections of the load process' },
  out: { default: '', help: "result file; '-' prints only (default bench/results/webhooks.json)" },
});
const rates = intList(args.rates, 'rates');
const seconds = positive(args.seconds, 'seconds');
const connections = int(args.connections, 'connections');
const warmup = int(args.warmup, 'warmup');
// How long the attempts may trail the stored events before the run reports them as not applied.
const APPLY_WAIT_MS = 60_000;
// Unmeasured seconds of load after the measured ones (only late phases flow then): > 3 × phase gap.
const TAIL_SECONDS = 2;
const maxSeconds = 60 + rates.length * (seconds * 4 + 120);

await runBenchmark('webhooks', { maxSeconds, out: args.out || undefined }, async ({ services }) => {
  const variants = [];
  for (const rate of rates) {
    const result = await runRate(services, rate);
    note(
      `rate=${rate}: accepted ${result.acceptedPerSecond}/s, p50 ${result.latencyMs.p50} ms, ` +
        `p99 ${result.latencyMs.p99} ms, lost ${result.lostAcknowledged}`,
    );
    variants.push(result);
  }
  const target = { acceptedPerSecondAtLeast: 5000, p99MsAtMost: 50, lost: 0 };
  return { seconds, warmup, connections, target, variants };
});

async function runRate(services: BenchServices, rate: number) {
  const deployment = await createDeployment(services, {
    label: `webhooks${rate}`,
    // The receiver never calls the gateway; the URL only satisfies the configuration.
    gateway: { url: 'http://127.0.0.1:9', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'x', clientSecret: 'y' },
    callsPerSecond: 3,
  });
  try {
    const api = await deployment.startApi();
    const client = new ApiClient(deployment.apiUrl, deployment.apiKey);
    const campaign = await client.expect<{ id: string }>(
      201,
      'POST',
      '/v1/campaigns',
      campaignBody(`webhooks ${rate}`),
    );
    // Four events per call; the tail after the measured seconds lets the last calls finish.
    const calls = Math.ceil((rate * (seconds + warmup + TAIL_SECONDS)) / 4);
    const attempts = await seedDialedAttempts(deployment.db, campaign.id, calls);
    const file = join(services.runDir, `attempts-${rate}.txt`);
    await writeFile(file, attempts.map(([id, uuid]) => `${id} ${uuid}`).join('\n'));
    note(`rate=${rate}: ${calls} dialed attempts seeded; offering ${rate} events/s for ${seconds} s`);

    const cpuBefore = (await processCpuSeconds(api.pid)) ?? 0;
    const memory = sampleMemory(api.pid);
    const loadStarted = performance.now();
    const machineBefore = await machineCpu();
    const load = spawnNode(
      [
        'bench/load/webhook-load.ts',
        ...['--url', deployment.apiUrl, '--token', deployment.webhookToken, '--attempts', file],
        ...['--rate', String(rate), '--seconds', String(seconds), '--warmup', String(warmup)],
        ...['--connections', String(connections)],
      ],
      { name: `webhooks${rate}-load`, env: {}, logDir: services.runDir },
    );
    const code = await load.exited;
    const loadWallSeconds = (performance.now() - loadStarted) / 1000;
    const machineCpuBusy = busyShare(machineBefore, await machineCpu());
    const apiCpu = ((await processCpuSeconds(api.pid)) ?? 0) - cpuBefore;
    const apiMemory = await memory.stop();
    if (code !== 0) throw new Error(`load process exited with ${code}; see ${load.logFile}`);
    const loadResult = lastJsonLine(await readFile(load.logFile, 'utf8'));
    // Events are stored before the answer; applying them to attempts may trail behind. Wait
    // (bounded) until every attempt that got its `completed` event has ended, and time it.
    const expectedEnded = calls;
    const catchUpStarted = performance.now();
    let stored = await countEvents(deployment.db, campaign.id);
    while (stored.ended < expectedEnded && performance.now() - catchUpStarted < APPLY_WAIT_MS) {
      await sleep(250);
      stored = await countEvents(deployment.db, campaign.id);
    }
    const applyCatchUpSeconds = Math.round((performance.now() - catchUpStarted) / 100) / 10;
    return {
      offeredPerSecond: rate,
      ...loadResult,
      storedEvents: stored.events,
      storedLinkedToAttempt: stored.linked,
      lostAcknowledged: Math.max(0, loadResult.ok2xx - stored.events),
      notStored: loadResult.sent - stored.events,
      attemptsEnded: stored.ended,
      attemptsExpectedEnded: expectedEnded,
      applyCatchUpSeconds,
      apiCpuSeconds: Math.round(apiCpu * 10) / 10,
      apiCpuShareOfOneCore: Math.round((apiCpu / loadWallSeconds) * 100) / 100,
      apiPeakRssMb: apiMemory.peakRssMb,
      machineCpuBusy,
    };
  } finally {
    await deployment.close();
  }
}

interface LoadResult {
  sent: number;
  ok2xx: number;
  measuredElapsedSeconds: number;
  acceptedPerSecond: number;
  latencyMs: { p50?: number; p99?: number };
  [key: string]: unknown;
}

function lastJsonLine(text: string): LoadResult {
  const line = text
    .trim()
    .split('\n')
    .reverse()
    .find((candidate) => candidate.startsWith('{'));
  if (!line) throw new Error('load process printed no result');
  return JSON.parse(line) as LoadResult;
}

// A fresh database per variant: every event row in it came from this run's load.
async function countEvents(db: Db, campaignId: string) {
  const { rows } = await sql<{ events: string; linked: string; ended: string }>`
    select (select count(*) from call_events)::text as events,
           (select count(*) from call_events where attempt_id is not null)::text as linked,
           (select count(*) from call_attempts where campaign_id = ${campaignId}::uuid and status = 'ended')::text as ended`.execute(
    db,
  );
  return { events: Number(rows[0]?.events), linked: Number(rows[0]?.linked), ended: Number(rows[0]?.ended) };
}
