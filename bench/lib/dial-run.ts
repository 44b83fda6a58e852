import { join } from 'node:path';
import type { SimulatorOptions } from '../../src/dev/simulator/options.ts';
import { startSimulator } from '../../src/dev/simulator/simulator.ts';
import { ApiClient, campaignBody } from './api.ts';
import { benchNumber, writeRecipientsCsv } from './csv.ts';
import { createDeployment, sleep, UNLIMITED_QUOTA } from './deployment.ts';
import { analyzeDials, type DialStats, firstDialAt } from './dial-log.ts';
import { note } from './output.ts';
import { busyShare, machineCpu, processCpuSeconds } from './probes.ts';
import type { BenchServices } from './services.ts';
import { startSink } from './sink.ts';

export interface DialVariant {
  workers: number;
  /** The limit on both sides: CALLS_PER_SECOND for callcast, callsPerSecond for the simulator. */
  callsPerSecond: number;
  seconds: number;
  /** 'api': callbacks go to callcast's own webhook receiver; 'sink': to a counting stub. */
  callbacks: 'api' | 'sink';
  /** Extra callcast settings, e.g. CALL_RATE_MARGIN_MS. */
  env?: Record<string, string>;
  /** Extra simulator options, e.g. a gateway `profile`. */
  simulator?: Partial<SimulatorOptions>;
  /** Start-up left out of `steadyState` (token fetch, cold JIT, a guard still learning), seconds. Default 5. */
  startupSeconds?: number;
}

export interface DialResult extends DialStats {
  workers: number;
  configuredPerSecond: number;
  achievedOverConfigured: number;
  callbacks: 'api' | 'sink';
  env: Record<string, string>;
  recipients: number;
  /** CPU seconds each worker process used from the first dial to the end of the window, and their sum per created call (ms). */
  workerCpuSeconds: number[];
  /** Share of all cores busy over the same span (everything: workers, API, Postgres, Redis, simulator). */
  machineCpuBusy: number;
  workerCpuMsPerCall: number;
  steadyState: {
    fromSecond: number;
    achievedPerSecond: number;
    maxInAnySecond: number;
    requests: number;
    status429: number;
    minGapMs: number | undefined;
  };
}

// Enough recipients that the queue never runs dry inside the window, whatever the rate.
const RECIPIENT_HEADROOM = 1.25;
const INLINE_LIMIT = 10_000;
const STARTUP_SECONDS = 5;

/** One campaign dialed by `workers` worker processes against a fresh simulator for `seconds`. */
export async function runDialVariant(services: BenchServices, variant: DialVariant): Promise<DialResult> {
  const label = `w${variant.workers}-cps${variant.callsPerSecond}`;
  const recipients = Math.ceil(variant.callsPerSecond * variant.seconds * RECIPIENT_HEADROOM) + 20;
  const sim = await startSimulator({
    ...UNLIMITED_QUOTA,
    callsPerSecond: variant.callsPerSecond,
    // Calls play out 50x faster than life: events arrive, attempts end, nothing else changes.
    timeScale: 0.02,
    outcomes: variant.callbacks === 'api' ? { answered: 1 } : { rejected: 1 },
    fetchAnswerUrl: variant.callbacks === 'api',
    maxLogEntries: Math.max(100_000, recipients * 3),
    ...variant.simulator,
  });
  const sink = variant.callbacks === 'sink' ? await startSink() : undefined;
  const deployment = await createDeployment(services, {
    label,
    gateway: { url: sim.url, tokenUrl: sim.tokenUrl, clientId: 'demo-client', clientSecret: 'demo-secret' },
    callsPerSecond: variant.callsPerSecond,
    publicUrl: sink?.url,
    env: variant.env,
  });
  try {
    await deployment.startApi();
    await createCampaign(new ApiClient(deployment.apiUrl, deployment.apiKey), services, label, recipients);
    note(`${label}: campaign with ${recipients} recipients; starting ${variant.workers} workers`);
    const workers = await deployment.startWorkers(variant.workers);
    const first = await waitFirstDial(() => firstDialAt(sim.requests()), 60_000);
    const cpuAtFirst = await Promise.all(workers.map((worker) => processCpuSeconds(worker.pid)));
    const machineAtFirst = await machineCpu();
    note(`${label}: first dial; measuring ${variant.seconds} s`);
    // A little tail so requests sent just before the window closes are logged with their answer.
    await sleep(variant.seconds * 1000 + 1500);
    const machineAtEnd = await machineCpu();
    const cpuAtEnd = await Promise.all(workers.map((worker) => processCpuSeconds(worker.pid)));
    const cpu = cpuAtEnd.map((value, i) => (value ?? 0) - (cpuAtFirst[i] ?? 0));
    const stats = analyzeDials(sim.requests(), first, variant.seconds);
    // The same judgement without the first seconds (token fetch, cold JIT, a guard still
    // learning), to tell a start-up burst from a steady-state fault.
    const startup = Math.min(variant.startupSeconds ?? STARTUP_SECONDS, variant.seconds / 2);
    const steady = analyzeDials(sim.requests(), first + startup * 1000, variant.seconds - startup);
    const cpuTotal = cpu.reduce((sum, value) => sum + value, 0);
    return {
      workers: variant.workers,
      configuredPerSecond: variant.callsPerSecond,
      achievedOverConfigured: Math.round((stats.achievedPerSecond / variant.callsPerSecond) * 1000) / 1000,
      callbacks: variant.callbacks,
      env: variant.env ?? {},
      recipients,
      ...stats,
      steadyState: {
        fromSecond: startup,
        achievedPerSecond: steady.achievedPerSecond,
        maxInAnySecond: steady.maxInAnySecond,
        requests: steady.requests,
        status429: steady.status429,
        minGapMs: steady.minGapMs,
      },
      workerCpuSeconds: cpu.map((value) => Math.round(value * 100) / 100),
      machineCpuBusy: busyShare(machineAtFirst, machineAtEnd),
      workerCpuMsPerCall: stats.created ? Math.round((cpuTotal * 1000 * 100) / stats.created) / 100 : 0,
    };
  } finally {
    await deployment.close();
    await sink?.close();
    await sim.close();
  }
}

async function createCampaign(
  client: ApiClient,
  services: BenchServices,
  label: string,
  count: number,
): Promise<string> {
  if (count <= INLINE_LIMIT) {
    const recipients = Array.from({ length: count }, (_, i) => ({
      number: benchNumber(i),
      data: { name: `Guest ${i}` },
    }));
    const created = await client.expect<{ id: string }>(
      201,
      'POST',
      '/v1/campaigns',
      campaignBody(label, { recipients }),
    );
    return created.id;
  }
  const created = await client.expect<{ id: string }>(201, 'POST', '/v1/campaigns', campaignBody(label));
  const file = join(services.runDir, `${label}.csv`);
  await writeRecipientsCsv(file, count);
  const upload = await client.uploadCsv<unknown>(`/v1/campaigns/${created.id}/recipients`, file);
  if (upload.status >= 300) throw new Error(`CSV upload failed: ${upload.status} ${JSON.stringify(upload.body)}`);
  return created.id;
}

async function waitFirstDial(first: () => number | undefined, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const at = first();
    if (at !== undefined) return at;
    await sleep(100);
  }
  throw new Error(`no create-call request within ${timeoutMs} ms`);
}
