/**
 * Open-loop load for the webhook receiver, run as its own process so its CPU is not the API's
 * event loop. Event i is due at t0 + i/rate and is sent then (unless `--max-inflight` requests
 * are already open, when it waits: the lag is reported). Every attempt gets four events —
 * started, ringing, answered, completed — about `--phase-gap-ms` apart, and the calls overlap
 * so that in steady state the four kinds arrive in equal shares, as from a gateway with many
 * calls under way. The first `--warmup` seconds (when only `started` events flow) and the tail
 * after `--seconds` (when only late phases do) are sent and stored but not measured.
 * Prints one JSON line.
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
  attempts: { default: '', help: 'file with one "<attemptId> <callUuid>" per line; four events each' },
  rate: { default: '1000', help: 'offered events per second' },
  seconds: { default: '30', help: 'seconds of offered load that are measured' },
  warmup: { default: '3', help: 'seconds sent before the measured ones' },
  'phase-gap-ms': { default: '500', help: 'time between the events of one call' },
  connections: { default: '64', help: 'keep-alive connections' },
  'max-inflight': { default: '512', help: 'open requests at most; beyond it sending lags' },
});
const rate = positive(args.rate, 'rate');
const seconds = positive(args.seconds, 'seconds');
const warmupSeconds = Number(args.warmup);
const attempts = readFileSync(args.attempts, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => line.split(' ') as [string, string]);
const PHASES = ['started', 'ringing', 'answered', 'completed'] as const;
const schedule = interleave(
  attempts.length,
  Math.max(1, Math.round((rate / 4) * (int(args['phase-gap-ms'], 'phase-gap-ms') / 1000))),
);
const firstMeasured = Math.round(rate * warmupSeconds);
const endMeasured = firstMeasured + Math.round(rate * seconds);
if (schedule.length < endMeasured)
  throw new Error(`${attempts.length} attempts give ${schedule.length} events; need more than ${endMeasured}`);

/**
 * Event order: in group g, phase p belongs to attempt g − p·lag, so an attempt's phases are
 * `lag` groups (lag·4/rate seconds) apart and each group carries one event of every phase.
 */
function interleave(count: number, lag: number): Array<[attempt: number, phase: number]> {
  const order: Array<[number, number]> = [];
  for (let group = 0; order.length < count * PHASES.length; group++) {
    for (let phase = 0; phase < PHASES.length; phase++) {
      const attempt = group - phase * lag;
      if (attempt >= 0 && attempt < count) order.push([attempt, phase]);
    }
  }
  return order;
}

const pool = new Pool(args.url, { connections: int(args.connections, 'connections'), pipelining: 1 });
const maxInflight = int(args['max-inflight'], 'max-inflight');
const base = Date.now();
const serviceMs: number[] = [];
const scheduledMs: number[] = [];
// Per event kind: a slow one (e.g. completed, which ends the attempt) shows up here.
const byPhaseMs = PHASES.map((): number[] => []);
const statuses = new Map<string, number>();
let inflight = 0;
let peakInflight = 0;
let maxLagMs = 0;
let measuredLastDone = 0;
let measuredOk = 0;

function request(i: number): { path: string; body: string; phase: number } {
  const [index, phase] = schedule[i] as [number, number];
  const [attemptId, uuid] = attempts[index] as [string, string];
  const status = PHASES[phase] as string;
  // Distinct per event: (uuid, status, timestamp) is the receiver's dedupe key.
  const at = new Date(base + i).toISOString();
  const event: Record<string, unknown> = {
    from: '31201234567',
    to: '31612345678',
    uuid,
    conversation_uuid: `CON-${uuid}`,
    status,
    direction: 'outbound',
    timestamp: at,
  };
  if (status === 'answered') event.start_time = at;
  if (status === 'completed') {
    Object.assign(event, { duration: '25', rate: '0.10000000', price: '0.04166667', network: '20416' });
    Object.assign(event, { start_time: new Date(base).toISOString(), end_time: at });
  }
  const query = `attempt=${attemptId}&token=${encodeURIComponent(args.token)}`;
  return { path: `/webhooks/event?${query}`, body: JSON.stringify(event), phase };
}

async function send(i: number, dueAt: number): Promise<void> {
  const { path, body, phase } = request(i);
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
  if (i >= firstMeasured && i < endMeasured) {
    measuredLastDone = Math.max(measuredLastDone, doneAt);
    serviceMs.push(doneAt - sentAt);
    scheduledMs.push(doneAt - dueAt);
    byPhaseMs[phase]?.push(doneAt - sentAt);
    if (status.startsWith('2')) measuredOk++;
  }
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
}

const t0 = performance.now();
const pending: Promise<void>[] = [];
let next = 0;
while (next < schedule.length) {
  const now = performance.now();
  const due = Math.min(schedule.length, Math.floor(((now - t0) * rate) / 1000) + 1);
  while (next < due && inflight < maxInflight) {
    const dueAt = t0 + (next * 1000) / rate;
    if (next >= firstMeasured && next < endMeasured) maxLagMs = Math.max(maxLagMs, now - dueAt);
    pending.push(send(next, dueAt));
    next++;
  }
  await new Promise((resolve) => setTimeout(resolve, 1));
}
await Promise.all(pending);
await pool.close();
const ok = [...statuses].filter(([status]) => status.startsWith('2')).reduce((sum, [, n]) => sum + n, 0);
// Accepted rate over the measured events: from the first one's due time to the last answer.
const measuredSeconds = (measuredLastDone - (t0 + warmupSeconds * 1000)) / 1000;
process.stdout.write(
  `${JSON.stringify({
    offeredPerSecond: rate,
    seconds,
    warmupSeconds,
    sent: schedule.length,
    ok2xx: ok,
    statuses: Object.fromEntries(statuses),
    measured: endMeasured - firstMeasured,
    measuredOk2xx: measuredOk,
    measuredElapsedSeconds: Math.round(measuredSeconds * 100) / 100,
    acceptedPerSecond: Math.round(measuredOk / measuredSeconds),
    peakInflight,
    maxSendLagMs: Math.round(maxLagMs),
    latencyMs: summarize(serviceMs),
    latencyFromScheduleMs: summarize(scheduledMs),
    latencyByStatusMs: Object.fromEntries(
      PHASES.map((phase, i) => {
        const { count, p50, p99, max } = summarize(byPhaseMs[i] ?? []);
        return [phase, { count, p50, p99, max }];
      }),
    ),
  })}\n`,
);
