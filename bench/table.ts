/**
 * Prints the results table (markdown) from bench/results/*.json, so the README's numbers are
 * always the saved ones: `node bench/table.ts`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR } from './lib/output.ts';

type Row = [benchmark: string, variant: string, result: string, target: string, met: boolean | undefined];
// Results are whatever the benchmark wrote; each reader below names the fields it uses.
// biome-ignore lint/suspicious/noExplicitAny: loosely typed JSON read back from disk
type Json = Record<string, any>;

function load(name: string): Json | undefined {
  const file = join(RESULTS_DIR, `${name}.json`);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Json) : undefined;
}

const rows: Row[] = [];
const ms = (value: number | undefined) => (value === undefined ? '–' : `${Math.round(value * 10) / 10} ms`);

const pacing = load('pacing');
for (const v of pacing?.variants ?? []) {
  rows.push([
    'Pacing (3/s)',
    `${v.workers} workers, ${v.windowSeconds} s`,
    `${v.achievedPerSecond}/s; max ${v.maxInAnySecond} in any 1 s; ${v.status429} × 429; ${v.duplicateDials} duplicates`,
    `≥ ${pacing?.target.achievedAtLeast}/s; ≤ ${pacing?.target.maxInAnySecond}; 0; 0`,
    v.achievedPerSecond >= pacing?.target.achievedAtLeast &&
      v.maxInAnySecond <= pacing?.target.maxInAnySecond &&
      v.status429 === 0 &&
      v.duplicateDials === 0,
  ]);
}
const capacity = load('capacity');
for (const v of capacity?.variants ?? []) {
  rows.push([
    'Capacity',
    `${v.configuredPerSecond}/s, ${v.workers} workers, ${v.windowSeconds} s`,
    `${v.achievedPerSecond}/s = ${v.achievedOverConfigured} of configured; max ${v.maxInAnySecond} in 1 s; ${v.status429} × 429`,
    `≥ 0.9 (at 500/s)`,
    v.achievedOverConfigured >= 0.9,
  ]);
}
const intake = load('intake');
for (const v of intake?.variants ?? []) {
  rows.push([
    'Intake (CSV)',
    `${v.rows.toLocaleString('en')} rows`,
    `${v.seconds} s (${v.rowsPerSecond.toLocaleString('en')} rows/s); API peak RSS ${v.apiPeakRssMb} MB; Redis ${v.redisUsedMb} MB`,
    `1M ≤ 60 s; ≤ 300 MB; ≤ 64 MB`,
    (v.rows < 1_000_000 || v.seconds <= 60) && v.apiPeakRssMb <= 300 && v.redisUsedMb <= 64,
  ]);
}
const webhooks = load('webhooks');
for (const v of webhooks?.variants ?? []) {
  rows.push([
    'Webhook ingestion',
    `${v.offeredPerSecond}/s offered, ${v.seconds} s`,
    `${v.acceptedPerSecond}/s accepted; p50 ${ms(v.latencyMs.p50)}, p99 ${ms(v.latencyMs.p99)}; lost ${v.lostAcknowledged} (not stored ${v.notStored})`,
    `≥ 5,000/s; p99 ≤ 50 ms; 0 lost`,
    v.acceptedPerSecond >= 0.98 * v.offeredPerSecond && v.latencyMs.p99 <= 50 && v.lostAcknowledged === 0,
  ]);
}
const reports = load('reports');
if (reports) {
  const size = `${reports.attempts.toLocaleString('en')} attempts, ${reports.events.toLocaleString('en')} events`;
  for (const [name, label] of [
    ['summary', 'campaign summary'],
    ['callsFirstPage', 'first page of calls'],
    ['callsByOutcome', 'calls filtered by outcome'],
    ['callsByNumber', 'calls filtered by number'],
  ] as const) {
    const l = reports.latencyMs[name];
    rows.push(['Reports', `${label} (${size})`, `p50 ${ms(l.p50)}, p99 ${ms(l.p99)}`, 'median ≤ 100 ms', l.p50 <= 100]);
  }
  if (reports.csv) {
    const c = reports.csv;
    rows.push([
      'Reports',
      'report.csv, streamed',
      `${c.rows.toLocaleString('en')} rows in ${c.seconds} s; API peak RSS ${c.apiPeakRssMb} MB`,
      '–',
      undefined,
    ]);
  }
}
const reminders = load('reminders');
for (const v of reminders?.variants ?? []) {
  rows.push([
    'Reminder punctuality',
    v.variant === 'idle'
      ? `${v.dialed + v.missed} reminders, idle`
      : `${v.dialed + v.missed} reminders, ${v.backlogRecipients}-call backlog`,
    `delay p50 ${v.delaySeconds.p50} s, p99 ${v.delaySeconds.p99} s; missed ${v.missed}`,
    'p99 ≤ 1 s',
    v.missed === 0 && v.delaySeconds.p99 <= 1,
  ]);
}

const mark = (met: boolean | undefined) => (met === undefined ? '' : met ? 'yes' : '**no**');
process.stdout.write(
  [
    '| Benchmark | Variant | Result | Target | Met |',
    '|---|---|---|---|---|',
    ...rows.map(
      ([bench, variant, result, target, met]) => `| ${bench} | ${variant} | ${result} | ${target} | ${mark(met)} |`,
    ),
  ].join('\n') + '\n',
);
