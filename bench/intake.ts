/**
 * Intake: a 100k and a 1M recipient CSV streamed through `POST /v1/campaigns/:id/recipients` of
 * a real `callcast api` process. Per size: seconds end to end (request start → 201 answer), rows/s,
 * the API process's peak RSS (kernel VmHWM; a fresh process per size), and Redis `used_memory`
 * after intake (with `--workers N`, after the dispatcher has had `--settle` seconds to fill its
 * window, so the bound on what Redis holds per campaign is measured too).
 *
 *   node bench/intake.ts                                   # 100k and 1M rows
 *   node bench/intake.ts --rows 20000 --out -              # smoke run
 */
import { join } from 'node:path';
import { startSimulator } from '../src/dev/simulator/simulator.ts';
import { ApiClient, campaignBody } from './lib/api.ts';
import { envList, flags, int, intList } from './lib/args.ts';
import { writeRecipientsCsv } from './lib/csv.ts';
import { createDeployment, sleep, UNLIMITED_QUOTA } from './lib/deployment.ts';
import { note } from './lib/output.ts';
import { busyShare, machineCpu, processMemory, redisMemory, sampleMemory } from './lib/probes.ts';
import { runBenchmark } from './lib/runner.ts';
import type { BenchServices } from './lib/services.ts';

const args = flags('usage: node bench/intake.ts [flags]', {
  rows: { default: '100000,1000000', help: 'CSV sizes, one variant each' },
  workers: { default: '1', help: 'worker processes running during and after intake (0: none)' },
  env: { default: '', help: 'extra callcast settings, KEY=VALUE,… (e.g. FEEDER_WINDOW=500)' },
  settle: { default: '10', help: 'seconds to let the dispatcher run after intake before reading Redis' },
  out: { default: '', help: "result file; '-' prints only (default bench/results/intake.json)" },
});
const sizes = intList(args.rows, 'rows');
const workers = int(args.workers, 'workers');
const settleSeconds = int(args.settle, 'settle');
const env = envList(args.env, 'env');
const maxSeconds = 60 + sizes.reduce((sum, rows) => sum + 120 + rows / 2_000, 0);

await runBenchmark('intake', { maxSeconds, out: args.out || undefined }, async ({ services }) => {
  const variants = [];
  for (const rows of sizes) {
    const result = await runIntake(services, rows);
    note(`rows=${rows}: ${result.seconds} s, API peak RSS ${result.apiPeakRssMb} MB, Redis ${result.redisUsedMb} MB`);
    variants.push(result);
  }
  const target = { secondsFor1M: 60, apiPeakRssMb: 250, redisUsedMb: 64 };
  const met = variants.every(
    (v) =>
      v.apiPeakRssMb <= target.apiPeakRssMb &&
      v.redisUsedMb <= target.redisUsedMb &&
      (v.rows < 1_000_000 || v.seconds <= target.secondsFor1M),
  );
  return { workers, settleSeconds, env, target, met, variants };
});

async function runIntake(services: BenchServices, rows: number) {
  const file = join(services.runDir, `intake-${rows}.csv`);
  const csvBytes = await writeRecipientsCsv(file, rows);
  note(`rows=${rows}: CSV written (${Math.round(csvBytes / 1024 / 1024)} MB)`);
  // The gateway is there so workers can run; intake itself never talks to it.
  const sim = await startSimulator({
    ...UNLIMITED_QUOTA,
    timeScale: 0.02,
    outcomes: { answered: 1 },
  });
  const deployment = await createDeployment(services, {
    label: `intake${rows}`,
    gateway: { url: sim.url, tokenUrl: sim.tokenUrl, clientId: 'demo-client', clientSecret: 'demo-secret' },
    callsPerSecond: 3,
    env,
  });
  try {
    const api = await deployment.startApi();
    if (workers > 0) await deployment.startWorkers(workers);
    const client = new ApiClient(deployment.apiUrl, deployment.apiKey);
    const redisBefore = await redisMemory(services.redisUrl, deployment.prefix);
    const apiBefore = await processMemory(api.pid);
    const campaign = await client.expect<{ id: string }>(201, 'POST', '/v1/campaigns', campaignBody(`intake ${rows}`));
    const memory = sampleMemory(api.pid);
    const started = performance.now();
    const machineBefore = await machineCpu();
    const upload = await client.uploadCsv<{ accepted: number; rejectedCount: number }>(
      `/v1/campaigns/${campaign.id}/recipients`,
      file,
    );
    const seconds = (performance.now() - started) / 1000;
    const machineCpuBusy = busyShare(machineBefore, await machineCpu());
    const apiMemory = await memory.stop();
    if (upload.status !== 201) throw new Error(`upload answered ${upload.status}: ${JSON.stringify(upload.body)}`);
    const stored = await deployment.db
      .selectFrom('recipients')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('campaign_id', '=', campaign.id)
      .executeTakeFirstOrThrow();
    await sleep(settleSeconds * 1000);
    const redisAfter = await redisMemory(services.redisUrl, deployment.prefix);
    return {
      rows,
      csvMb: Math.round((csvBytes / 1024 / 1024) * 10) / 10,
      seconds: Math.round(seconds * 100) / 100,
      rowsPerSecond: Math.round(rows / seconds),
      accepted: upload.body.accepted,
      rejected: upload.body.rejectedCount,
      storedInPostgres: Number(stored.n),
      apiRssBeforeMb: apiBefore?.rssMb ?? -1,
      apiPeakRssMb: apiMemory.peakRssMb,
      redisUsedBeforeMb: redisBefore.usedMemoryMb,
      redisUsedMb: redisAfter.usedMemoryMb,
      redisKeysUnderPrefix: redisAfter.keys,
      machineCpuBusy,
    };
  } finally {
    await deployment.close();
    await sim.close();
  }
}
