/**
 * Open-loop load for the webhook receiver, run as its own process so its CPU is not the API's
 * event loop: event i is due at t0 + i/rate and is sent then (unless `--max-inflight` requests
 * are already open, when it waits: the lag is reported). Events follow the life of a call —
 * started, ringing, answered, completed — round-robin over the attempts, so the events of one
 * call are spread over the run as on a real gateway. Prints one JSON line.
 *
 *   node bench/load/webhook-load.ts --url http://127.0.0.1:3000 --token T --attempts file --rate 2000 --seconds 30
 */
import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { summarize } from '../lib/analysis.ts';
import { flags, int, positive } from '../lib/args.ts';

const args = flags('usage: node bench/load/webhook-load.ts [flags]', {
  url: { default: '', help: 'API base URL' },
  token: { default: '', help: 'WEBHOOK_TOKEN of the API' },
  attempts: { default: '', help: 'file with one "<attemptId> <callUuid>" per line' },
  rate: { default: '1000', help: 'offered events per second' },
  seconds: { default: '30', help: 'seconds of offered load that are measured' },
  warmup: { default: '3', help: 'seconds of the same load first, sent and stored but not in the statistics' },
  connections: { default: '64', help: 'keep-alive connections' },
  'max-inflight': { default: '512', help: 'open requests at most; beyond it sending lags' },
});
const rate = positive(args.rate, 'rate');
const seconds = positive(args.seconds, 'seconds');
const warmupSeconds = Number(args.warmup);
// Events before this index warm the JIT, the pools and Postgres' caches; they are not measured.
const firstMeasured = Math.round(rate * warmupSeconds);
const total = firstMeasured + Math.round(rate * seconds);
const attempts = readFileSync(args.attempts, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => line.split(' ') as [string, string]);
const phases = ['started', 'ringing', 'answered', 'completed'] as const;
const perPhase = Math.ceil(total / phases.length);
if (attempts.length < perPhase)
  throw new Error(`need ${perPhase} attempts for ${total} events, got ${attempts.length}`);

const pool = new Pool(args.url, { connections: int(args.connections, 'connections'), pipelining: 1 });
const maxInflight = int(args['max-inflight'], 'max-inflight');
const base = Date.now();
const serviceMs: number[] = [];
const scheduledMs: number[] = [];
// Per event status: a slow phase (e.g. completed, which settles the recipient) shows up here.
const byPhaseMs = new Map<string, number[]>(phases.map((phase) => [phase, []]));
const statuses = new Map<string, number>();
let inflight = 0;
let peakInflight = 0;
let maxLagMs = 0;
let lastDone = 0;
let measuredOk = 0;

function payload(i: number): { path: string; body: string } {
  const [attemptId, uuid] = attempts[i % perPhase] as [string, string];
  const status = phases[Math.floor(i / perPhase)] as string;
  const event: Record<string, unknown> = {
    from: '31201234567',
    to: '31612345678',
    uuid,
    conversation_uuid: `CON-${uuid}`,
    status,
    direction: 'outbound',
    // Distinct per event: (uuid, status, timestamp) is the receiver's dedupe key.
    timestamp: new Date(base + i).toISOString(),
  };
  if (status === 'answered') event.start_time = new Date(base + i).toISOString();
  if (status === 'completed') {
    Object.assign(event, { duration: '25', rate: '0.10000000', price: '0.04166667', network: '20416' });
    Object.assign(event, { start_time: new Date(base).toISOString(), end_time: new Date(base + i).toISOString() });
  }
  const query = `attempt=${attemptId}&token=${encodeURIComponent(args.token)}`;
  return { path: `/webhooks/event?${query}`, body: JSON.stringify(event) };
}

async function send(i: number, dueAt: number): Promise<void> {
  const { path, body } = payload(i);
  const sentAt = performance.now();
  inflight++;
  peakInflight = Math.max(peakInflight, inflight);
  let status = 'error';
  try {
    const res = await pool.request({ path, method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await res.body.dump();
    status = String(res.statusCode);
  } catch (err) {
    status = `error:${(err as { code?: string }).code ?? 'unknown'}`;
  } finally {
    inflight--;
  }
  const doneAt = performance.now();
  lastDone = doneAt;
  if (i >= firstMeasured) {
    serviceMs.push(doneAt - sentAt);
    byPhaseMs.get(phases[Math.floor(i / perPhase)] as string)?.push(doneAt - sentAt);
    scheduledMs.push(doneAt - dueAt);
    if (status.startsWith('2')) measuredOk++;
  }
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
}

const t0 = performance.now();
const pending: Promise<void>[] = [];
let next = 0;
while (next < total) {
  const now = performance.now();
  const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000) + 1);
  while (next < due && inflight < maxInflight) {
    const dueAt = t0 + (next * 1000) / rate;
    maxLagMs = Math.max(maxLagMs, now - dueAt);
    pending.push(send(next, dueAt));
    next++;
  }
  await new Promise((resolve) => setTimeout(resolve, 1));
}
const sendSeconds = (performance.now() - t0) / 1000;
await Promise.all(pending);
await pool.close();
const ok = [...statuses].filter(([status]) => status.startsWith('2')).reduce((sum, [, n]) => sum + n, 0);
const measuredFrom = t0 + warmupSeconds * 1000;
const elapsed = (lastDone - measuredFrom) / 1000;
process.stdout.write(
  `${JSON.stringify({
    offeredPerSecond: rate,
    seconds,
    warmupSeconds,
    sent: total,
    measured: total - firstMeasured,
    measuredOk2xx: measuredOk,
    ok2xx: ok,
    statuses: Object.fromEntries(statuses),
    sendSeconds: Math.round(sendSeconds * 100) / 100,
    measuredElapsedSeconds: Math.round(elapsed * 100) / 100,
    acceptedPerSecond: Math.round(measuredOk / elapsed),
    peakInflight,
    maxSendLagMs: Math.round(maxLagMs),
    latencyMs: summarize(serviceMs),
    latencyFromScheduleMs: summarize(scheduledMs),
    latencyByStatusMs: Object.fromEntries(
      [...byPhaseMs].map(([phase, samples]) => {
        const { p50, p99, max } = summarize(samples);
        return [phase, { p50, p99, max }];
      }),
    ),
  })}\n`,
);
