/**
 * Retention: one day's events at the full dialing rate (CALLS_PER_SECOND=3 × 4 events per call ×
 * 86,400 s = 1,036,800 rows, received 91 days ago) are pruned by the worker's retention pass
 * (src/start/retention.ts: pruneInBatches(pruneEventBatch), 2,000-row paced batches) while a separate load process
 * posts webhook events to a real `callcast api` at a fixed rate. The same load runs first
 * without pruning. Per phase: accepted events/s and p50/p99 latency; for the pruning phase also
 * rows deleted, seconds and rows/s. Also the latency of a dial-path statement (the claim's
 * `update call_attempts … where id = $1 and status = 'queued'`, on a seeded attempt) sampled
 * every 50 ms in both phases.
 *
 *   node bench/retention.ts                                  # 1,036,800 old rows, 500 events/s
 *   node bench/retention.ts --rows 100000 --seconds 10 --out -   # smoke run
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../src/db/connect.ts';
import { pruneInBatches } from '../src/start/retention.ts';
import { pruneEventBatch } from '../src/webhooks/event-retention.ts';
import { ApiClient, campaignBody } from './lib/api.ts';
import { flags, int, positive } from './lib/args.ts';
import { spawnNode } from './lib/children.ts';
import { createDeployment, sleep } from './lib/deployment.ts';
import { note } from './lib/output.ts';
import { busyShare, machineCpu } from './lib/probes.ts';
import { runBenchmark } from './lib/runner.ts';
import { seedDialedAttempts } from './lib/seed.ts';

const args = flags('usage: node bench/retention.ts [flags]', {
  rows: { default: '1036800', help: 'old events to prune (a day at 3 calls/s × 4 events)' },
  rate: { default: '500', help: 'offered webhook events per second during each phase' },
  seconds: { default: '30', help: 'seconds of load per phase' },
  out: { default: '', help: "result file; '-' prints only (default bench/results/retention.json)" },
});
const rows = int(args.rows, 'rows');
const rate = int(args.rate, 'rate');
const seconds = positive(args.seconds, 'seconds');

await runBenchmark(
  'retention',
  { maxSeconds: 900 + rows / 2_000, out: args.out || undefined },
  async ({ services }) => {
    const deployment = await createDeployment(services, {
      label: 'retention',
      gateway: { url: 'http://127.0.0.1:9', tokenUrl: 'http://127.0.0.1:9/token', clientId: 'x', clientSecret: 'y' },
      callsPerSecond: 3,
    });
    try {
      await deployment.startApi();
      const client = new ApiClient(deployment.apiUrl, deployment.apiKey);
      const campaign = await client.expect<{ id: string }>(201, 'POST', '/v1/campaigns', campaignBody('retention'));
      const seedStarted = performance.now();
      await seedOldEvents(deployment.db, rows);
      note(`${rows} old events seeded in ${Math.round((performance.now() - seedStarted) / 1000)} s`);
      const calls = Math.ceil((rate * (seconds + 5) * 2) / 4);
      const attempts = await seedDialedAttempts(deployment.db, campaign.id, calls);
      const half = Math.ceil(attempts.length / 2);
      const phase = async (name: string, slice: Array<[string, string]>, during?: () => Promise<unknown>) => {
        const file = join(services.runDir, `attempts-${name}.txt`);
        await writeFile(file, slice.map(([id, uuid]) => `${id} ${uuid}`).join('\n'));
        const machineBefore = await machineCpu();
        const probe = dialProbe(deployment.db, slice[0]?.[0] as string);
        const load = spawnNode(
          [
            'bench/load/webhook-load.ts',
            ...['--url', deployment.apiUrl, '--token', deployment.webhookToken, '--attempts', file],
            ...['--rate', String(rate), '--seconds', String(seconds), '--warmup', '2', '--connections', '32'],
          ],
          { name: `retention-${name}-load`, env: {}, logDir: services.runDir },
        );
        const side = during?.();
        const code = await load.exited;
        const dial = await probe.stop();
        const sideResult = await side;
        if (code !== 0) throw new Error(`load process exited with ${code}; see ${load.logFile}`);
        const result = lastJsonLine(await readFile(load.logFile, 'utf8'));
        const out = {
          acceptedPerSecond: result.acceptedPerSecond,
          latencyMs: result.latencyMs,
          dialStatementMs: dial,
          machineCpuBusy: busyShare(machineBefore, await machineCpu()),
          ...(sideResult ? { pruning: sideResult } : {}),
        };
        note(`${name}: ${JSON.stringify(out)}`);
        return out;
      };
      const baseline = await phase('baseline', attempts.slice(0, half));
      const pruning = await phase('pruning', attempts.slice(half), () => pruneAll(deployment.db));
      const { rows: left } = await sql<{ n: string }>`
      select count(*)::text as n from call_events where received_at < now() - interval '90 days'`.execute(
        deployment.db,
      );
      return { oldRows: rows, offeredPerSecond: rate, seconds, baseline, pruning, oldRowsLeft: Number(left[0]?.n) };
    } finally {
      await deployment.close();
    }
  },
);

async function seedOldEvents(db: Db, count: number): Promise<void> {
  for (let start = 0; start < count; start += 200_000) {
    const n = Math.min(200_000, count - start);
    await sql`
      insert into call_events (attempt_id, call_uuid, status, event_at, dedupe_key, payload, received_at)
      select null, 'old-' || g, 'completed', now() - interval '91 days',
             'old:' || g, '{"status":"completed"}'::jsonb, now() - interval '91 days' + make_interval(secs => g / 12.0)
      from generate_series(${start + 1}::int, ${start + n}::int) g`.execute(db);
  }
  await sql`vacuum analyze call_events`.execute(db);
}

/** The worker's pass, as src/start/retention.ts runs it: paced batches (pruneInBatches). */
async function pruneAll(db: Db) {
  const started = performance.now();
  const deleted = await pruneInBatches(() => pruneEventBatch(db, 90));
  const secondsTaken = (performance.now() - started) / 1000;
  return { deleted, seconds: Math.round(secondsTaken * 10) / 10, rowsPerSecond: Math.round(deleted / secondsTaken) };
}

/** Times a claim-shaped update (it matches no row: the attempt is not queued) every 50 ms. */
function dialProbe(db: Db, attemptId: string) {
  const samples: number[] = [];
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      const t = performance.now();
      await sql`update call_attempts set status = 'dialing' where id = ${attemptId}::uuid and status = 'queued'`.execute(
        db,
      );
      samples.push(performance.now() - t);
      await sleep(50);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await running;
      samples.sort((a, b) => a - b);
      const at = (q: number) =>
        Math.round((samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0) * 10) / 10;
      return { samples: samples.length, p50: at(0.5), p99: at(0.99) };
    },
  };
}

function lastJsonLine(text: string): { acceptedPerSecond: number; latencyMs: { p50?: number; p99?: number } } {
  const line = text
    .trim()
    .split('\n')
    .reverse()
    .find((candidate) => candidate.startsWith('{'));
  if (!line) throw new Error('load process printed no result');
  return JSON.parse(line);
}
