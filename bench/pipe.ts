/**
 * The dial pipe against the four gateway profiles (src/dev/simulator/profiles.ts), side by side
 * on the same simulator and in the same run: BullMQ's own worker limiter (`limiter: { max: 3,
 * duration: 1000 }`), a bare clustered Bottleneck (`minTime: 334`), and callcast with
 * RATE_GUARD=strict and adaptive (2 worker processes). Per variant: accepted calls/s, its ratio
 * to the profile's bound, 429 share, the most accepted in any 1 s at the counter, duplicates.
 *
 *   node bench/pipe.ts                                   # 4 profiles × 4 approaches × 30 s
 *   node bench/pipe.ts --profiles far --seconds 60 --out -
 *
 * Short windows (30 s by default) because the machine is 2 cores shared with other work; the
 * callcast variants also spend ~20 s starting their processes.
 */
import Bottleneck from 'bottleneck';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  GATEWAY_PROFILES,
  type GatewayProfile,
  PROFILE_SETTINGS,
  profileBound,
} from '../src/dev/simulator/profiles.ts';
import { type Simulator, startSimulator } from '../src/dev/simulator/simulator.ts';
import { flags, positive } from './lib/args.ts';
import { benchNumber } from './lib/csv.ts';
import { sleep, UNLIMITED_QUOTA } from './lib/deployment.ts';
import { createCallRequests } from './lib/dial-log.ts';
import { runDialVariant } from './lib/dial-run.ts';
import { type FairnessResult, runFairness } from './lib/fairness-run.ts';
import { note } from './lib/output.ts';
import { runBenchmark } from './lib/runner.ts';

const args = flags('usage: node bench/pipe.ts [flags]', {
  profiles: { default: GATEWAY_PROFILES.join(','), help: 'gateway profiles, comma-separated' },
  approaches: { default: 'bullmq,bottleneck,strict,adaptive', help: 'approaches, comma-separated' },
  seconds: { default: '30', help: 'measured seconds per variant' },
  startup: { default: '5', help: 'first seconds of each variant left out of its after-start-up figures' },
  fairness: { default: '60', help: "seconds of the two-key fairness variant ('0' skips it)" },
  out: { default: '', help: "result file; '-' prints only (default bench/results/pipe.json)" },
});
const profiles = args.profiles.split(',').filter(Boolean) as GatewayProfile[];
const approaches = args.approaches.split(',').filter(Boolean);
const seconds = positive(args.seconds, 'seconds');
const startup = Math.min(positive(args.startup, 'startup'), seconds / 2);
const N = 3;

interface Row {
  profile: GatewayProfile;
  approach: string;
  bound: number;
  acceptedPerSecond: number;
  ratioToBound: number;
  share429: number;
  maxAcceptedInAnySecond: number;
  duplicates: number;
  requests: number;
  /** The same figures without the first `fromSecond` seconds (a guard still learning). */
  afterStartup: { fromSecond: number; acceptedPerSecond: number; ratioToBound: number; share429: number };
}

/** Judges the simulator's log over [from, from + seconds) by arrival at the counter. */
function judge(sim: Simulator, profile: GatewayProfile, approach: string, from: number): Row {
  const whole = judgeSpan(sim, profile, approach, from, seconds);
  const later = judgeSpan(sim, profile, approach, from + startup * 1000, seconds - startup);
  return { ...whole, afterStartup: afterStartup(later.acceptedPerSecond, later.bound, later.share429) };
}

function afterStartup(acceptedPerSecond: number, bound: number, share429: number): Row['afterStartup'] {
  return { fromSecond: startup, acceptedPerSecond, ratioToBound: round(acceptedPerSecond / bound), share429 };
}

function judgeSpan(
  sim: Simulator,
  profile: GatewayProfile,
  approach: string,
  from: number,
  span: number,
): Omit<Row, 'afterStartup'> {
  const until = from + span * 1000;
  const all = createCallRequests(sim.requests());
  const inWindow = all.filter((r) => r.at >= from && r.at < until);
  const accepted = inWindow.filter((r) => r.status === 201).map((r) => r.at);
  let most = 0;
  for (let i = 0, j = 0; i < accepted.length; i += 1) {
    while ((accepted[i] as number) - (accepted[j] as number) >= 1000) j += 1;
    most = Math.max(most, i - j + 1);
  }
  const numbers = all.filter((r) => r.status === 201).map((r) => r.to ?? r.attempt ?? '');
  const bound = profileBound(PROFILE_SETTINGS[profile], N);
  const rate = accepted.length / span;
  return {
    profile,
    approach,
    bound: round(bound),
    acceptedPerSecond: round(rate),
    ratioToBound: round(rate / bound),
    share429: round(inWindow.filter((r) => r.status === 429).length / Math.max(1, inWindow.length)),
    maxAcceptedInAnySecond: most,
    duplicates: numbers.length - new Set(numbers).size,
    requests: inWindow.length,
  };
}

const round = (value: number) => Math.round(value * 1000) / 1000;

/** A token and a create-call body, the way any client would send it. */
async function client(sim: Simulator) {
  const response = await fetch(sim.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'client_id=demo-client&client_secret=demo-secret',
  });
  const token = ((await response.json()) as { access_token: string }).access_token;
  return async (i: number) => {
    const reply = await fetch(`${sim.url}/voice/calls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, applicationid: 'bench', 'content-type': 'application/json' },
      body: JSON.stringify({
        to: [{ type: 'phone', number: benchNumber(i).slice(1) }],
        from: { type: 'phone', number: '31201234567' },
        answer_url: ['http://127.0.0.1:9/answer'],
        event_url: [`http://127.0.0.1:9/event?attempt=b${i}`],
      }),
    });
    await reply.arrayBuffer();
    return reply.status;
  };
}

/** BullMQ's worker limiter: a job per call; a 429 is simply lost (what a naive client does). */
async function runBullmq(redisUrl: string, sim: Simulator): Promise<number> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const prefix = `pipe-bullmq-${Date.now()}`;
  const queue = new Queue('calls', { connection, prefix });
  await queue.addBulk(Array.from({ length: seconds * 4 }, (_, i) => ({ name: 'call', data: { i } })));
  const send = await client(sim);
  const from = Date.now();
  const worker = new Worker('calls', async (job) => send(job.data.i as number), {
    connection,
    prefix,
    concurrency: 16,
    limiter: { max: 3, duration: 1000 },
  });
  await sleep(seconds * 1000 + 1500);
  await worker.close(true);
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  connection.disconnect();
  return from;
}

/** A bare clustered Bottleneck, minTime 334 ms, as the usual recipe has it. */
async function runBottleneck(redisUrl: string, sim: Simulator): Promise<number> {
  const limiter = new Bottleneck({
    id: `pipe-bottleneck-${Date.now()}`,
    datastore: 'ioredis',
    clientOptions: redisUrl,
    clearDatastore: true,
    minTime: 334,
    maxConcurrent: null,
  });
  const send = await client(sim);
  const from = Date.now();
  for (let i = 0; i < seconds * 4; i += 1) void limiter.schedule(() => send(i)).catch(() => undefined);
  await sleep(seconds * 1000 + 1500);
  await limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  await limiter.disconnect();
  return from;
}

const maxSeconds = 300 + profiles.length * approaches.length * (seconds + 60) + Number(args.fairness);

await runBenchmark('pipe', { maxSeconds, out: args.out || undefined }, async ({ services }) => {
  const rows: Row[] = [];
  for (const profile of profiles) {
    const sim = await startSimulator({
      ...UNLIMITED_QUOTA,
      profile,
      callsPerSecond: N,
      timeScale: 0.02,
      outcomes: { rejected: 1 },
      fetchAnswerUrl: false,
    });
    try {
      for (const approach of approaches) {
        sim.reset();
        let from: number;
        if (approach === 'bullmq') from = await runBullmq(services.redisUrl, sim);
        else if (approach === 'bottleneck') from = await runBottleneck(services.redisUrl, sim);
        else {
          // callcast brings its own simulator per variant (same profile, same options).
          const result = await runDialVariant(services, {
            workers: 2,
            callsPerSecond: N,
            seconds,
            callbacks: 'sink',
            env: { RATE_GUARD: approach },
            simulator: { profile },
            startupSeconds: startup,
          });
          const bound = round(profileBound(PROFILE_SETTINGS[profile], N));
          const steady = result.steadyState;
          rows.push({
            profile,
            approach: `callcast ${approach}`,
            bound,
            acceptedPerSecond: result.achievedPerSecond,
            ratioToBound: round(result.achievedPerSecond / profileBound(PROFILE_SETTINGS[profile], N)),
            share429: round(result.status429 / Math.max(1, result.requests)),
            maxAcceptedInAnySecond: result.maxInAnySecond,
            duplicates: result.duplicateDials,
            requests: result.requests,
            afterStartup: afterStartup(
              steady.achievedPerSecond,
              bound,
              round(steady.status429 / Math.max(1, steady.requests)),
            ),
          });
          note(`${profile} / callcast ${approach}: ${JSON.stringify(rows.at(-1))}`);
          continue;
        }
        rows.push(judge(sim, profile, approach, from));
        note(`${profile} / ${approach}: ${JSON.stringify(rows.at(-1))}`);
      }
    } finally {
      await sim.close();
    }
  }
  const fairnessSeconds = Number(args.fairness);
  let fairness: FairnessResult | undefined;
  if (fairnessSeconds > 0) {
    fairness = await runFairness(services, fairnessSeconds, 'strict');
    note(`fairness: ${JSON.stringify(fairness)}`);
  }
  return { seconds, startupSeconds: startup, callsPerSecond: N, workers: 2, rows, fairness };
});
