import type { Config } from '../config/config.ts';
import { AppError } from '../shared/errors.ts';
import { createLogger } from '../shared/logger.ts';
import { type ApplicationInput, createApplicationsApi } from './applications.ts';
import { createGatewayConnection } from './create-gateway-client.ts';
import { GatewayError } from './types.ts';

const APPLICATION_USAGE =
  'callcast application create --name <name> [--answer-url <url>] [--event-url <url>] | list | show <id> | ' +
  'update <id> [--name <name>] [--answer-url <url>] [--event-url <url>] | delete <id>';

/**
 * `callcast application …`: registers and manages the Vonage application through KPN's gateway.
 * URLs default to this deployment's webhooks under PUBLIC_URL. Prints JSON on stdout.
 */
export async function runApplicationCommand(args: string[], config: Config): Promise<number> {
  const [action, ...rest] = args;
  const { positional, flags } = parseArgs(rest);
  const connection = createGatewayConnection(config, { logger: createLogger({ level: config.logLevel }) }, false);
  try {
    const api = createApplicationsApi(connection);
    const id = () => positional[0] ?? usage();
    let output: unknown;
    if (action === 'create') output = await api.create(inputFrom(flags, config));
    else if (action === 'list') output = await api.list();
    else if (action === 'show') output = await api.show(id());
    else if (action === 'update') {
      const current = await api.show(id());
      const merged = {
        name: current.name,
        answerUrl: current.answerUrl,
        eventUrl: current.eventUrl,
        ...definedFlags(flags),
      };
      output = await api.update(id(), inputFrom(merged, config));
    } else if (action === 'delete') {
      await api.remove(id());
      output = { id: id(), deleted: true };
    } else usage();
    console.log(JSON.stringify(output, null, 2));
    if (action === 'create') console.error('Set GATEWAY_APPLICATION_ID to the id above.');
    return 0;
  } catch (thrown) {
    if (!(thrown instanceof GatewayError)) throw thrown;
    console.error(`${thrown.message}${thrown.traceId ? ` (trace id ${thrown.traceId})` : ''}`);
    return 1;
  } finally {
    await connection.close();
  }
}

function inputFrom(values: Record<string, string | undefined>, config: Config): ApplicationInput {
  const name = values.name ?? usage('--name is required');
  const fallback = (path: string) => (config.publicUrl ? `${config.publicUrl}${path}` : undefined);
  const answerUrl = values.answerUrl ?? fallback('/webhooks/answer') ?? usage('--answer-url or PUBLIC_URL is required');
  const eventUrl = values.eventUrl ?? fallback('/webhooks/event') ?? usage('--event-url or PUBLIC_URL is required');
  return { name, answerUrl, eventUrl };
}

function parseArgs(args: string[]): { positional: string[]; flags: Record<string, string | undefined> } {
  const positional: string[] = [];
  const flags: Record<string, string | undefined> = {};
  const names: Record<string, string> = { '--name': 'name', '--answer-url': 'answerUrl', '--event-url': 'eventUrl' };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    const [flag, inline] = arg.split(/=(.*)/s, 2) as [string, string | undefined];
    if (!flag.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const key = names[flag] ?? usage(`unknown option ${flag}`);
    const value = inline ?? args[++i];
    flags[key] = value ?? usage(`${flag} needs a value`);
  }
  return { positional, flags };
}

function definedFlags(flags: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(flags).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function usage(problem?: string): never {
  throw new AppError('validation_failed', 400, `${problem ? `${problem}\n` : ''}Usage: ${APPLICATION_USAGE}`);
}
