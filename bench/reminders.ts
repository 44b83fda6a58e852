/**
 * Reminder punctuality: one-off reminders due every `--spacing-ms`, created through
 * `POST /v1/reminders`, dialed by `callcast worker` processes through the simulator at 3 calls/s.
 * Delay = arrival of the reminder's create-call request at the simulator − its due time.
 * Two variants: an idle system, and one where a campaign backlog keeps the limiter saturated
 * (reminders must go first and still respect the shared 3/s limit).
 *
 *   node bench/reminders.ts                                         # 30 reminders, idle and with a 5,000-call backlog
 *   node bench/reminders.ts --reminders 5 --spacing-ms 1500 --out -  # smoke run
 */
import { sql } from 'kysely';
import type { Db } from '../src/db/connect.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { summarize } from './lib/analysis.ts';
import { ApiClient, campaignBody } from './lib/api.ts';
import { envList, flags, int } from './lib/args.ts';
import { benchNumber, digits } from './lib/csv.ts';
import { createDeployment, sleep, UNLIMITED_QUOTA } from './lib/deployment.ts';
import { analyzeDials, createCallRequests } from './lib/dial-log.ts';
import { note } from './lib/output.ts';
import { runBenchmark } from './lib/runner.ts';
import type { BenchServices } from './lib/services.ts';

const args = flags('usage: node bench/reminders.ts [flags]', {
  reminders: { default: '30', help: 'reminders per variant' },
  'spacing-ms': { default: '2000', help: 'ms between due times' },
  lead: { default: '15', help: 'seconds from creating the reminders to the first due time' },
  backlog: { default: '5000', help: "recipients of the competing campaign in the 'backlog' variant (0 skips it)" },
  workers: { default: '2', help: 'worker processes' },
  env: { default: '', help: 'extra callcast settings, KEY=VALUE,… (e.g. WORKER_CONCURRENCY=2)' },
  out: { default: '', help: "result file; '-' prints only (default bench/results/reminders.json)" },
});
const count = int(args.reminders, 'reminders');
const spacingMs = int(args['spacing-ms'], 'spacing-ms');
const leadSeconds = int(args.lead, 'lead');
const backlog = int(args.backlog, 'backlog');
const workers = int(args.workers, 'workers');
const env = envList(args.env, 'env');
const variantSeconds = leadSeconds + (count * spacingMs) / 1000 + 30;
const maxSeconds = 60 + 2 * (variantSeconds + 120);
// Reminder numbers stay clear of the campaign's (benchNumber 0 … backlog-1).
const REMINDER_OFFSET = 50_000_000;

await runBenchmark('reminders', { maxSeconds, out: args.out || undefined }, async ({ services }) => {
  const variants = [await runVariant(services, 0)];
  if (backlog > 0) variants.push(await runVariant(services, backlog));
  const target = { p99SecondsAtMost: 1 };
  const met = variants.every((v) => v.missed === 0 && (v.delaySeconds.p99 ?? Infinity) <= target.p99SecondsAtMost);
  return { reminders: count, spacingMs, workers, env, target, met, variants };
});

async function runVariant(services: BenchServices, backlogSize: number) {
  const label = backlogSize ? `reminders-backlog${backlogSize}` : 'reminders-idle';
  const sim = await startSimulator({
    ...UNLIMITED_QUOTA,
    callsPerSecond: 3,
    timeScale: 0.02,
    outcomes: { answered: 1 },
  });
  const deployment = await createDeployment(services, {
    label,
    gateway: { url: sim.url, tokenUrl: sim.tokenUrl, clientId: 'demo-client', clientSecret: 'demo-secret' },
    callsPerSecond: 3,
    env,
  });
  try {
    await deployment.startApi();
    const client = new ApiClient(deployment.apiUrl, deployment.apiKey);
    if (backlogSize > 0) {
      const recipients = Array.from({ length: backlogSize }, (_, i) => ({ number: benchNumber(i) }));
      await client.expect(201, 'POST', '/v1/campaigns', campaignBody(label, { recipients }));
    }
    await deployment.startWorkers(workers);
    if (backlogSize > 0) await sleep(5000); // the backlog is flowing before the first reminder is due
    // A fresh deployment's first call waits once for the guard's start-up window and the OAuth
    // token; in the backlog variant the campaign's calls pay that. Here one unmeasured reminder does.
    const warmup = backlogSize > 0 ? undefined : await warmUp(client, sim);
    const firstDue = Date.now() + leadSeconds * 1000;
    const due = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const number = benchNumber(REMINDER_OFFSET + i);
      const at = firstDue + i * spacingMs;
      due.set(digits(number), at);
      await client.expect(201, 'POST', '/v1/reminders', {
        to: number,
        from: '+31201234567',
        ncco: [{ action: 'talk', text: 'Your appointment is tomorrow at 10:00.' }],
        at: new Date(at).toISOString(),
      });
    }
    note(`${label}: ${count} reminders created; first due in ${Math.round((firstDue - Date.now()) / 1000)} s`);
    await sleep(firstDue + (count - 1) * spacingMs + 10_000 - Date.now());
    const log = sim.requests();
    const delays: number[] = [];
    let missed = 0;
    for (const [to, at] of due) {
      const dial = createCallRequests(log).find((entry) => entry.to === to && entry.status === 201);
      if (dial) delays.push((dial.at - at) / 1000);
      else missed++;
    }
    const stages = await reminderStages(deployment.db);
    const windowFrom = firstDue - 5000;
    const dials = analyzeDials(log, windowFrom, (Date.now() - windowFrom) / 1000);
    return {
      variant: backlogSize ? 'backlog' : 'idle',
      backlogRecipients: backlogSize,
      dialed: delays.length,
      missed,
      delaySeconds: summarize(delays, 3),
      early: delays.filter((delay) => delay < 0).length,
      warmupReminderDelaySeconds: warmup,
      // Where the time goes: due → the worker's dial started (queue + limiter) per reminder.
      dueToDialStartSeconds: summarize(stages, 3),
      limiterDuringRun: {
        maxInAnySecond: dials.maxInAnySecond,
        achievedPerSecond: dials.achievedPerSecond,
        status429: dials.status429,
        duplicateDials: dials.duplicateDials,
      },
    };
  } finally {
    await deployment.close();
    await sim.close();
  }
}

/** Seconds from each reminder attempt's due time to the moment its worker started the request. */
async function reminderStages(db: Db): Promise<number[]> {
  const { rows } = await sql<{ seconds: number }>`
    select extract(epoch from (dial_started_at - due_at))::float8 as seconds
    from call_attempts where reminder_id is not null and dial_started_at is not null`.execute(db);
  return rows.map((row) => Number(row.seconds));
}

/** One reminder due in a second, not measured; resolves with its delay once it was dialed. */
async function warmUp(client: ApiClient, sim: Simulator): Promise<number | undefined> {
  const number = benchNumber(REMINDER_OFFSET - 1);
  const at = Date.now() + 1000;
  await client.expect(201, 'POST', '/v1/reminders', {
    to: number,
    from: '+31201234567',
    ncco: [{ action: 'talk', text: 'Warm-up.' }],
    at: new Date(at).toISOString(),
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const dial = createCallRequests(sim.requests()).find(
      (entry) => entry.to === digits(number) && entry.status === 201,
    );
    if (dial) return (dial.at - at) / 1000;
    await sleep(200);
  }
  return undefined;
}
