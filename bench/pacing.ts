/**
 * Pacing: 1, 2, 4 and 8 worker processes dial one campaign through the gateway simulator at the
 * default 3 calls/s (the limit on both sides). Per worker count: achieved calls/s, the most
 * create-call requests the simulator saw in any sliding 1 s window, 429s and duplicate dials.
 *
 *   node bench/pacing.ts                         # 1,2,4,8 workers × 60 s
 *   node bench/pacing.ts --workers 2 --seconds 10 --out -    # smoke run, prints only
 */
import { envList, flags, intList, positive } from './lib/args.ts';
import { type DialResult, runDialVariant } from './lib/dial-run.ts';
import { note } from './lib/output.ts';
import { runBenchmark } from './lib/runner.ts';

const args = flags('usage: node bench/pacing.ts [flags]', {
  workers: { default: '1,2,4,8', help: 'worker process counts, one variant each' },
  seconds: { default: '60', help: 'measured seconds per variant' },
  cps: { default: '3', help: 'calls per second, on both sides' },
  callbacks: { default: 'api', help: "'api' (callcast's webhook receiver) or 'sink' (counting stub)" },
  env: { default: '', help: 'extra callcast settings, KEY=VALUE,… (e.g. CALL_RATE_MARGIN_MS=10)' },
  out: { default: '', help: "result file; '-' prints only (default bench/results/pacing.json)" },
});

const workerCounts = intList(args.workers, 'workers');
const seconds = positive(args.seconds, 'seconds');
const callsPerSecond = positive(args.cps, 'cps');
const env = envList(args.env, 'env');
const callbacks = args.callbacks === 'sink' ? 'sink' : 'api';
// Each variant: start-up (~20 s on a busy machine), the window, shutdown; plus the services.
const maxSeconds = 60 + workerCounts.length * (seconds + 90);

await runBenchmark('pacing', { maxSeconds, out: args.out || undefined }, async ({ services }) => {
  const variants: DialResult[] = [];
  for (const workers of workerCounts) {
    const result = await runDialVariant(services, { workers, callsPerSecond, seconds, callbacks, env });
    note(
      `workers=${workers}: ${result.achievedPerSecond}/s, max ${result.maxInAnySecond} in 1 s, ` +
        `${result.status429} × 429, ${result.duplicateDials} duplicates`,
    );
    variants.push(result);
  }
  const target = {
    // The issue asks ≥ 2.95 of 3: the same share for any other limit.
    achievedAtLeast: Math.round(callsPerSecond * (2.95 / 3) * 1000) / 1000,
    maxInAnySecond: Math.floor(callsPerSecond),
    status429: 0,
    duplicateDials: 0,
  };
  const met = variants.every(
    (v) =>
      v.achievedPerSecond >= target.achievedAtLeast &&
      v.maxInAnySecond <= target.maxInAnySecond &&
      v.status429 === 0 &&
      v.duplicateDials === 0,
  );
  return { seconds, callsPerSecond, target, met, variants };
});
