import { campaignGroup } from './campaign-commands.ts';
import { type CommandGroup, runGroup } from './producer.ts';
import { reminderGroup } from './reminder-commands.ts';
import { suppressGroup } from './suppress-commands.ts';

/**
 * The producer commands as entries of src/cli.ts's command table: they talk to a running API
 * (CALLCAST_API_URL, CALLCAST_API_KEY) and need no other setting, so `needs` is empty.
 * Exit codes: 0 ok, 1 API refused, 2 usage, 3 API unreachable or key refused (src/cli/cli-error.ts).
 */
const groups: Record<string, CommandGroup> = {
  campaign: campaignGroup,
  reminder: reminderGroup,
  suppress: suppressGroup,
};

const EXIT_NOTE = 'exit codes: 0 ok, 1 API refused the request, 2 usage error, 3 API unreachable or key refused';

function usageOf(group: CommandGroup): string {
  const lines = Object.values(group.subcommands).map((sub) => sub.usage);
  return [...lines, EXIT_NOTE].join(`\n${' '.repeat(22)}`);
}

export const producerCommands = Object.fromEntries(
  Object.entries(groups).map(([name, group]) => [
    name,
    {
      summary: group.summary,
      usage: usageOf(group),
      needs: [] as const,
      run: (args: string[], env: NodeJS.ProcessEnv) => runGroup(name, group, args, env),
    },
  ]),
);
