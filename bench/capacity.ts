/**
 * Capacity: the limit raised on both sides (what an account with a higher CPS would use), 4
 * worker processes: achieved / configured. Callbacks go to a counting stub by default so only
 * the dispatcher (feeder, queue, workers, limiter, gateway client) is measured.
 *
 *   node bench/capacity.ts                       # 200 and 500 calls/s × 60 s, 4 workers
 *   node bench/capacity.ts --cps 200 --seconds 10 --out -    # smoke run
 */
import { envList, flags, int, intList, positive } from './lib/args.ts';
import { type DialResult, runDialVariant } from './lib/dial-run.ts';
import { note } from './lib/output.ts';
import { runBenchmark } from './lib/runner.ts';

const args = flags('usage: node bench/capacity.ts [flags]', {
  cps: { default: '200,500', help: 'calls-per-second limits, one variant each' },
  workers: { default: '4', help: 'worker processes' },
  seconds: { default: '60', help: 'measured seconds per variant' },
  callbacks: { default: 'sink', help: "'sink' (counting stub) or 'api' (callcast's webhook receiver)" },
  env: { default: '', help: 'extra callcast settings, KEY=VALUE,… (e.g. CALL_RATE_MARGIN_MS=10)' },
  out: { default: '', help: "result file; '-' prints only (default bench/results/capacity.json)" },
});

const limits = intList(args.cps, 'cps');
const workers = int(args.workers, 'workers');
const seconds = positive(args.seconds, 'seconds');
const env = envList(args.env, 'env');
const callbacks = args.callbacks === 'api' ? 'api' : 'sink';
const maxSeconds = 60 + limits.length * (seconds + 180);

await runBenchmark('capacity', { maxSeconds, out: args.out || undefined }, async ({ services }) => {
  const variants: DialResult[] = [];
  for (const callsPerSecond of limits) {
    const result = await runDialVariant(services, { workers, callsPerSecond, seconds, callbacks, env });
    note(`cps=${callsPerSecond}: ${result.achievedPerSecond}/s (${result.achievedOverConfigured} of configured)`);
    variants.push(result);
  }
  const target = { achievedOverConfiguredAtLeast: 0.9 };
  const met = variants.every((v) => v.achievedOverConfigured >= target.achievedOverConfiguredAtLeast);
  return { seconds, workers, target, met, variants };
});
