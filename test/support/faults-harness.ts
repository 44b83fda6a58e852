import { loadConfig } from '../../src/config/config.ts';
import type { Db } from '../../src/db/connect.ts';
import type { LoggedRequest } from '../../src/dev/simulator/request-log.ts';
import type { Simulator } from '../../src/dev/simulator/simulator.ts';
import { startApi } from '../../src/start/api-process.ts';
import { createRuntime, type Runtime } from '../../src/start/runtime.ts';
import { type CallcastProcess, faultEnv, spawnCallcast } from './faults-processes.ts';
import { type OutageProxy, startOutageProxy } from './faults-services.ts';
import { waitFor } from './wait-for.ts';
import { maxInWindow } from './windows.ts';
import { createCalls, stopWorker } from './worker-processes.ts';

export interface FaultRigOptions {
  databaseUrl: string;
  db: Db;
  redisUrl: string;
  prefix: string;
  simulator: Simulator;
  webhookToken: string;
  /** Extra env for the worker processes (grace, lock, log level…). */
  workerEnv?: Record<string, string>;
  /** Route the gateway's webhooks through an outage proxy (`webhookProxy`) in front of the API. */
  proxyWebhooks?: boolean;
}

/**
 * The pipeline across processes: `callcast worker` children, and the API in this process
 * receiving the simulator's event webhooks (as in worker-processes.test.ts).
 */
export interface FaultRig {
  readonly api: Runtime;
  readonly apiUrl: string;
  /** Set with `proxyWebhooks`: cut it and the gateway cannot reach the API. */
  readonly webhookProxy: OutageProxy | undefined;
  readonly workers: CallcastProcess[];
  /** Starts `count` more workers; they are appended to `workers`. */
  startWorkers(count: number): CallcastProcess[];
  /** Stops every worker (SIGTERM, then SIGKILL), the API and nothing else. */
  close(): Promise<void>;
}

export async function startFaultRig(options: FaultRigOptions): Promise<FaultRig> {
  const api = createRuntime(
    loadConfig({
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      REDIS_KEY_PREFIX: options.prefix,
      WEBHOOK_TOKEN: options.webhookToken,
      ...(options.simulator.options().signatureSecret
        ? { WEBHOOK_SIGNATURE_SECRET: options.simulator.options().signatureSecret as string }
        : {}),
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
    }),
  );
  const apiPort = await startApi(api);
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const webhookProxy = options.proxyWebhooks ? await startOutageProxy(apiPort) : undefined;
  const env = faultEnv({
    databaseUrl: options.databaseUrl,
    redisUrl: options.redisUrl,
    prefix: options.prefix,
    simulator: options.simulator,
    publicUrl: webhookProxy ? `http://127.0.0.1:${webhookProxy.port}` : apiUrl,
    webhookToken: options.webhookToken,
    extra: options.workerEnv,
  });
  const workers: CallcastProcess[] = [];
  return {
    api,
    apiUrl,
    webhookProxy,
    workers,
    startWorkers(count) {
      const started = Array.from({ length: count }, () => spawnCallcast(['worker'], env));
      workers.push(...started);
      return started;
    },
    async close() {
      await Promise.all(workers.map((worker) => stopWorker(worker)));
      await webhookProxy?.close();
      await api.close();
    },
  };
}

/** Create-call requests per number (digits) that created a call: a 201, or a dropped answer after creation. */
export function createdByNumber(requests: readonly LoggedRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of createCalls(requests)) {
    if (r.uuid && r.to) counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
  }
  return counts;
}

export interface Settlement {
  /** Numbers with no call created at the gateway. */
  lost: string[];
  /** Numbers with more than one call created. */
  duplicated: string[];
  /** Attempts not `ended`, and recipients not `done`. */
  openAttempts: number;
  openRecipients: number;
  outcomes: Record<string, number>;
  createRequests: number;
  statuses: Record<string, number>;
  /**
   * Most create-call requests in any 1 s that reached the gateway's rate window. A 401 (stale
   * token, refused at the proxy and retried once with a new token) and a 5xx from the proxy never
   * reach it, so they are left out; `maxPerSecondAll` counts everything.
   */
  maxPerSecond: number;
  maxPerSecondAll: number;
}

/** Where a campaign stands against the simulator's log; the fault tests assert on this. */
export async function settlement(db: Db, campaignId: string, numbers: readonly string[], simulator: Simulator) {
  const requests = simulator.requests();
  const created = createdByNumber(requests);
  const attempts = await db
    .selectFrom('call_attempts')
    .select(['status', 'outcome'])
    .where('campaign_id', '=', campaignId)
    .execute();
  const recipients = await db.selectFrom('recipients').select('status').where('campaign_id', '=', campaignId).execute();
  const outcomes: Record<string, number> = {};
  for (const a of attempts) if (a.outcome) outcomes[a.outcome] = (outcomes[a.outcome] ?? 0) + 1;
  const calls = createCalls(requests);
  const statuses: Record<string, number> = {};
  for (const c of calls) statuses[String(c.status)] = (statuses[String(c.status)] ?? 0) + 1;
  const result: Settlement = {
    lost: numbers.filter((n) => !created.has(n.slice(1))),
    duplicated: numbers.filter((n) => (created.get(n.slice(1)) ?? 0) > 1),
    openAttempts: attempts.filter((a) => a.status !== 'ended').length,
    openRecipients: recipients.filter((r) => r.status !== 'done').length,
    outcomes,
    createRequests: calls.length,
    statuses,
    maxPerSecond: maxInWindow(
      calls.filter((c) => c.status !== 401 && c.status < 500).map((c) => c.at),
      1000,
    ),
    maxPerSecondAll: maxInWindow(
      calls.map((c) => c.at),
      1000,
    ),
  };
  return result;
}

/** Waits until the campaign is `completed` and every attempt has ended; returns the settlement. */
export async function waitSettled(
  db: Db,
  campaignId: string,
  numbers: readonly string[],
  simulator: Simulator,
  timeoutMs: number,
  context: () => string = () => '',
): Promise<Settlement> {
  try {
    await waitFor(
      async () => {
        const campaign = await db
          .selectFrom('campaigns')
          .select('status')
          .where('id', '=', campaignId)
          .executeTakeFirstOrThrow();
        if (campaign.status !== 'completed') return false;
        return (await settlement(db, campaignId, numbers, simulator)).openAttempts === 0;
      },
      timeoutMs,
      `campaign ${campaignId} settled`,
    );
  } catch (err) {
    const state = await settlement(db, campaignId, numbers, simulator).catch((e: Error) => e.message);
    throw new Error(`${(err as Error).message}; now: ${JSON.stringify(state)}\n${context()}`);
  }
  return settlement(db, campaignId, numbers, simulator);
}
