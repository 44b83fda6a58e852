// Size: the entry point's one table of commands (each a few lines that parse and call one module);
// producer commands live in cli/.
import { CliError, EXIT } from './cli/cli-error.ts';
import { producerCommands } from './cli/usage.ts';
import { type EnvName, loadConfig } from './config/config.ts';
import { migrate } from './db/migrate.ts';
import { AppError } from './shared/errors.ts';
import { closeOnSignals, createRuntime } from './start/runtime.ts';

/** One CLI command. `needs` lists the env vars it cannot run without. */
export interface Command {
  summary: string;
  usage: string;
  needs: readonly EnvName[];
  run(args: string[], env: NodeJS.ProcessEnv): Promise<number | undefined>;
}

const commands: Record<string, Command> = {
  migrate: {
    summary: 'Apply pending database migrations (idempotent)',
    usage: 'callcast migrate',
    needs: ['DATABASE_URL'],
    async run(_args, env) {
      const config = loadConfig(env, this.needs);
      const result = await migrate(config.databaseUrl as string);
      console.log(
        `migrations: ${result.applied.length} applied${result.applied.length ? ` (${result.applied.join(', ')})` : ''}, ` +
          `${result.alreadyApplied.length} already applied`,
      );
      return 0;
    },
  },
  keys: {
    summary: 'Create an API key (printed once, only its hash is stored); set its fair-share weight',
    usage:
      'callcast keys create <name> | keys weight <key-name> <n> | keys numbers <key-name> add|remove|list <number…>',
    needs: ['DATABASE_URL'],
    async run(args, env) {
      const [action, ...nameParts] = args;
      if (action === 'weight') return runKeyWeight(nameParts, env, this.usage);
      if (action === 'numbers') return runKeyNumbers(nameParts, env, this.usage);
      const name = nameParts.join(' ').trim();
      if (action !== 'create' || !name) throw usageError(this.usage);
      const runtime = createRuntime(loadConfig(env, this.needs));
      try {
        const { createApiKey } = await import('./keys/api-keys.ts');
        const { id, key } = await createApiKey(runtime.db, name);
        console.log(JSON.stringify({ id, name, key }));
        console.error('Store this key now: it is not shown again.');
      } finally {
        await runtime.close();
      }
      return 0;
    },
  },
  application: {
    summary: 'Register and manage the Vonage application through the gateway (/applications)',
    usage:
      'callcast application create --name <name> [--answer-url <url>] [--event-url <url>] | list | show <id> | ' +
      'update <id> [--name <name>] [--answer-url <url>] [--event-url <url>] | delete <id>',
    needs: ['GATEWAY_CLIENT_ID', 'GATEWAY_CLIENT_SECRET'],
    async run(args, env) {
      const { runApplicationCommand } = await import('./gateway/application-command.ts');
      return runApplicationCommand(args, loadConfig(env, this.needs));
    },
  },
  simulator: {
    summary: 'Run the gateway simulator (token, calls, applications, event callbacks) on loopback',
    usage: 'callcast simulator   (env: SIMULATOR_HOST, SIMULATOR_PORT, SIMULATOR_CALLS_PER_SECOND, SIMULATOR_*)',
    needs: [],
    async run(_args, env) {
      const { runSimulatorCommand } = await devTool(() => import('./dev/simulator/simulator-command.ts'));
      return runSimulatorCommand(env);
    },
  },
  worker: {
    summary: 'Run a call worker: feeder, BullMQ worker and the shared create-call limiter',
    usage: 'callcast worker',
    needs: ['DATABASE_URL', 'REDIS_URL', 'PUBLIC_URL', 'WEBHOOK_TOKEN'],
    async run(_args, env) {
      const runtime = createRuntime(loadConfig(env, this.needs));
      const { startWorker } = await import('./start/worker-process.ts');
      const { createGatewayClient } = await import('./gateway/create-gateway-client.ts');
      let running: ReturnType<typeof startWorker>;
      try {
        running = startWorker(runtime, {
          createGateway: (onQuota) =>
            createGatewayClient(runtime.config, { logger: runtime.logger, redis: runtime.redis(), onQuota }),
        });
      } catch (err) {
        await runtime.close(); // a missing gateway credential must not leave connections open
        throw err;
      }
      runtime.logger.info({ concurrency: runtime.config.workerConcurrency }, 'call worker started');
      await closeOnSignals(runtime, () => running.close());
      return 0;
    },
  },
  demo: {
    summary: 'Run everything locally against the gateway simulator: one campaign and one reminder, watched to the end',
    usage: 'callcast demo [--recipients 30] [--workers 2] [--timeout 180] [--serve]',
    needs: [],
    async run(args, env) {
      const { runDemo } = await devTool(() => import('./dev/demo/demo.ts'));
      return runDemo(env, {
        recipients: intFlag(args, '--recipients', 30, 1, 10_000),
        workers: intFlag(args, '--workers', 2, 1, 16),
        timeoutSeconds: intFlag(args, '--timeout', 180, 10, 3_600),
        serve: args.includes('--serve'),
      });
    },
  },
  api: {
    summary: 'Run the HTTP API and webhook receiver',
    usage: 'callcast api',
    needs: ['DATABASE_URL', 'REDIS_URL'],
    async run(_args, env) {
      const runtime = createRuntime(loadConfig(env, this.needs));
      const { startApi } = await import('./start/api-process.ts');
      await startApi(runtime);
      await closeOnSignals(runtime);
      return 0;
    },
  },
  // Producer commands (campaign, reminder, suppress) talk to a running API; they live in src/cli/.
  ...producerCommands,
};

/** Reads `--name N` from args, within bounds, or the default. */
function intFlag(args: string[], name: string, fallback: number, min: number, max: number): number {
  const index = args.indexOf(name);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new CliError(EXIT.usage, 'usage', `${name} takes a whole number from ${min} to ${max}`);
  }
  return value;
}

/** Dev tooling (src/dev) is not in the production image: say so instead of a module error. */
async function devTool<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new CliError(EXIT.usage, 'usage', 'This command is dev tooling (src/dev), left out of the production image.');
  }
}

/** `keys weight <key-name> <n>`: the key's share of the rate against other keys (default 1). */
async function runKeyWeight(args: string[], env: NodeJS.ProcessEnv, usage: string): Promise<number> {
  const { parseWeightArgs, setKeyWeight } = await import('./keys/key-weight.ts');
  const parsed = parseWeightArgs(args);
  if (!parsed) throw usageError(usage);
  const runtime = createRuntime(loadConfig(env, ['DATABASE_URL']));
  try {
    const keys = await setKeyWeight(runtime.db, parsed.name, parsed.weight);
    console.log(JSON.stringify({ name: parsed.name, weight: parsed.weight, keys: keys.map((key) => key.id) }));
  } finally {
    await runtime.close();
  }
  return 0;
}

/**
 * `keys numbers <key-name> add|remove|list <number…>`: the caller ids the key's campaigns and
 * reminders may use as `from` (none registered = any). Prints the key's list afterwards.
 */
async function runKeyNumbers(args: string[], env: NodeJS.ProcessEnv, usage: string): Promise<number> {
  const [name, action, ...inputs] = args;
  if (!name || !(action === 'add' || action === 'remove' || action === 'list')) throw usageError(usage);
  if (action !== 'list' && inputs.length === 0) throw usageError(usage);
  const config = loadConfig(env, ['DATABASE_URL']);
  const { toE164 } = await import('./shared/phone-number.ts');
  const numbers = inputs.map((input) => {
    const parsed = toE164(input, config.defaultRegion);
    if (!parsed.ok) throw new CliError(EXIT.usage, 'usage', `${input} is not a valid phone number (${parsed.problem})`);
    return parsed.number;
  });
  const runtime = createRuntime(config);
  try {
    const keyNumbers = await import('./keys/key-numbers.ts');
    const keyId = await keyNumbers.apiKeyIdByName(runtime.db, name);
    if (action === 'add') await keyNumbers.addKeyNumbers(runtime.db, keyId, numbers);
    if (action === 'remove') await keyNumbers.removeKeyNumbers(runtime.db, keyId, numbers);
    console.log(JSON.stringify({ name, numbers: await keyNumbers.listKeyNumbers(runtime.db, keyId) }));
  } finally {
    await runtime.close();
  }
  return 0;
}

function usageError(usage: string): CliError {
  return new CliError(EXIT.usage, 'usage', `Usage: ${usage}`);
}

function helpText(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const rows = Object.entries(commands).map(
    ([name, cmd]) => `  ${name.padEnd(width)}  ${cmd.summary}\n  ${' '.repeat(width)}  usage: ${cmd.usage}`,
  );
  return [
    'callcast: outbound call campaigns through the Vonage Voice API (KPN gateway)',
    '',
    'Commands:',
    ...rows,
    '',
    'Configuration comes from environment variables; see README.md or .env.example.',
  ].join('\n');
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(helpText());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${helpText()}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`${command.summary}\nusage: ${command.usage}`);
    return 0;
  }
  try {
    return (await command.run(args, env)) ?? 0;
  } catch (err) {
    // Exit codes are the CLI's own (src/cli/cli-error.ts): 2 for usage, 1 for anything refused.
    if (err instanceof CliError) {
      console.error(err.message);
      return err.exitCode;
    }
    if (err instanceof AppError) {
      console.error(err.message);
      // A command's own argument check (e.g. `application`) reports validation_failed: a usage error.
      return err.code === 'validation_failed' ? EXIT.usage : EXIT.api;
    }
    throw err;
  }
}

export { commands };
