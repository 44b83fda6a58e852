import { randomBytes, randomUUID } from 'node:crypto';
import { createDb } from '../../db/connect.ts';
import { migrate } from '../../db/migrate.ts';
import { createApiKey } from '../../keys/api-keys.ts';
import { freePort } from '../local-services/binaries.ts';
import { resolveServices } from '../local-services/local-services.ts';
import { type Simulator, startSimulator } from '../simulator/simulator.ts';
import { runAnswersDemo } from './demo-answers.ts';
import { demoCampaign, printReport, watchCampaign } from './demo-campaign.ts';
import { type DemoProcess, startCallcast, waitHealthy } from './demo-processes.ts';

export interface DemoOptions {
  recipients: number;
  workers: number;
  /** Give up watching after this long, seconds. */
  timeoutSeconds: number;
  /**
   * Start everything, print CALLCAST_API_URL and CALLCAST_API_KEY, and keep it running until
   * Ctrl-C instead of running the demo campaign: the services for the README's first campaign.
   */
  serve?: boolean;
}

/**
 * `callcast demo`: the whole system on this machine against the gateway simulator — local Redis
 * and Postgres, migrations, the API and several worker processes — then one campaign and one
 * reminder, watched to the end. Everything it starts it stops again.
 */
export async function runDemo(env: NodeJS.ProcessEnv, options: DemoOptions): Promise<number> {
  const say = (line: string) => console.log(line);
  say('callcast demo: starting local Redis and Postgres (or using REDIS_URL / DATABASE_URL)…');
  const services = await resolveServices({ env, purpose: 'demo' });
  const processes: DemoProcess[] = [];
  let simulator: Simulator | undefined;
  try {
    say(`  redis: ${services.paths.redis}, postgres: ${services.paths.postgres}`);
    await migrate(services.databaseUrl);
    const signatureSecret = randomBytes(16).toString('hex');
    // Calls run at 1/20 of real time so a demo campaign, retries included, ends within a minute.
    simulator = await startSimulator({ timeScale: 0.05, signatureSecret, quotaLimit: 10_000_000_000 });
    say(`  gateway simulator: ${simulator.url} (3 calls/s, signed callbacks)`);

    const port = await freePort();
    const apiUrl = `http://127.0.0.1:${port}`;
    const appEnv = demoEnv(services, simulator, apiUrl, port, signatureSecret);
    processes.push(startCallcast('api', ['api'], appEnv));
    await waitHealthy(`${apiUrl}/health`, 30_000);
    for (let i = 1; i <= options.workers; i++) processes.push(startCallcast(`worker-${i}`, ['worker'], appEnv));
    say(`  api: ${apiUrl}  (OpenAPI at ${apiUrl}/docs), workers: ${options.workers}`);

    const db = createDb(services.databaseUrl, { max: 2 });
    const { key } = await createApiKey(db, 'demo').finally(() => db.destroy());
    if (options.serve) {
      printServeHelp(say, apiUrl, key);
      await untilStopped();
      return 0;
    }
    const campaignId = await demoCampaign(apiUrl, key, options.recipients);
    say(`\nCampaign ${campaignId}: ${options.recipients} recipients; busy and unanswered retry after 5 s.`);
    const finished = await watchCampaign(apiUrl, key, campaignId, simulator, options.timeoutSeconds);
    await printReport(apiUrl, key, campaignId, simulator);
    await runAnswersDemo(apiUrl, key, simulator, say);
    return finished ? 0 : 1;
  } finally {
    say('\nStopping demo processes and local services…');
    await Promise.all(processes.reverse().map((process) => process.stop()));
    await simulator?.close();
    await services.stop();
  }
}

function demoEnv(
  services: { redisUrl: string; databaseUrl: string },
  simulator: Simulator,
  apiUrl: string,
  port: number,
  signatureSecret: string,
): Record<string, string> {
  const options = simulator.options();
  return {
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: services.redisUrl,
    REDIS_KEY_PREFIX: `demo${randomBytes(3).toString('hex')}`,
    GATEWAY_URL: simulator.url,
    GATEWAY_TOKEN_URL: simulator.tokenUrl,
    GATEWAY_CLIENT_ID: options.clientId,
    GATEWAY_CLIENT_SECRET: options.clientSecret,
    GATEWAY_APPLICATION_ID: randomUUID(),
    PUBLIC_URL: apiUrl,
    WEBHOOK_TOKEN: randomBytes(24).toString('base64url'),
    WEBHOOK_SIGNATURE_SECRET: signatureSecret,
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    // Short so a retried call in the demo does not wait long for reconciliation.
    RECONCILE_GRACE_MS: '5000',
    // The demo's webhook receiver listens on loopback over plain HTTP.
    WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  };
}

function printServeHelp(say: (line: string) => void, apiUrl: string, key: string): void {
  say('\nEverything is running. In another terminal:');
  say(`  export CALLCAST_API_URL=${apiUrl}`);
  say(`  export CALLCAST_API_KEY=${key}`);
  say('  npx callcast campaign create --name "First campaign" --from +31201234567 \\');
  say('    --ncco hello.json --csv contacts.csv --retry-delay 5 --watch');
  say('  npx callcast campaign report <id> > report.csv');
  say('Calls run at 1/20 of real time against the simulator. Press Ctrl-C to stop everything.');
}

/** Resolves on the first SIGINT or SIGTERM (Ctrl-C reaches the child processes too). */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
