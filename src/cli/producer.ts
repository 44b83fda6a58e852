import { type ApiClient, createApiClient } from './api-client.ts';
import { CliError, describeError, EXIT } from './cli-error.ts';

/** What every producer subcommand gets: the API client (made on first use) and the terminal facts. */
export interface ProducerContext {
  client(): ApiClient;
  /** stderr is a terminal: progress bars may be drawn there. */
  readonly tty: boolean;
}

export interface Subcommand {
  usage: string;
  run(args: string[], ctx: ProducerContext): Promise<number>;
}

export interface CommandGroup {
  summary: string;
  subcommands: Record<string, Subcommand>;
}

/** The group's usage: one line per subcommand. */
function groupUsage(group: CommandGroup): string {
  return Object.values(group.subcommands)
    .map((sub) => sub.usage)
    .join('\n       ');
}

/**
 * Runs `callcast <group> <subcommand> …`; every failure becomes a message on stderr (the API's
 * code, message and offending fields; as JSON with --json) and one of the documented exit codes.
 */
export async function runGroup(
  name: string,
  group: CommandGroup,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const [subName, ...rest] = args;
  const sub = subName === undefined ? undefined : group.subcommands[subName];
  if (subName === '--help' || subName === '-h' || subName === 'help') {
    console.log(`${group.summary}\nusage: ${groupUsage(group)}`);
    return EXIT.ok;
  }
  if (!sub) {
    const problem = subName === undefined ? `"${name}" needs a subcommand` : `unknown subcommand "${name} ${subName}"`;
    console.error(`${problem}\nusage: ${groupUsage(group)}`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`usage: ${sub.usage}`);
    return EXIT.ok;
  }
  let client: ApiClient | undefined;
  const ctx: ProducerContext = { client: () => (client ??= createApiClient(env)), tty: Boolean(process.stderr.isTTY) };
  try {
    return await sub.run(rest, ctx);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    console.error(rest.includes('--json') ? JSON.stringify(errorJson(err)) : describeError(err));
    return err.exitCode;
  }
}

function errorJson(err: CliError) {
  return { error: { code: err.code, message: err.message, details: err.details, httpStatus: err.httpStatus } };
}
