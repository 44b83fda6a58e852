import { numberFlag, parseArgs, positionals } from './args.ts';
import { EXIT } from './cli-error.ts';
import { printJson, printNextCursor, printTable } from './output.ts';
import type { Subcommand } from './producer.ts';

export interface ListCommand<Item> {
  /** e.g. `callcast reminder list`; `[--limit 20] [--cursor C] [--json]` is added. */
  command: string;
  /** API path of the cursor-paged list, e.g. `/v1/reminders`. */
  path: string;
  columns: string[];
  row(item: Item): Record<string, string>;
  /** Printed when the page is empty, e.g. `no reminders`. */
  empty: string;
}

/** `… list`: one page of a cursor-paged API list, as a table (or `--json`), with the next cursor. */
export function listSubcommand<Item>(spec: ListCommand<Item>): Subcommand {
  const usage = `${spec.command} [--limit 20] [--cursor C] [--json]`;
  return {
    usage,
    async run(args, ctx) {
      const parsed = parseArgs(args, { limit: 'string', cursor: 'string', json: 'boolean' }, usage);
      positionals(parsed, [], usage);
      const query = new URLSearchParams({
        limit: String(numberFlag(parsed, 'limit', { min: 1, max: 100, fallback: 20 }, usage)),
      });
      const cursor = parsed.strings.get('cursor');
      if (cursor) query.set('cursor', cursor);
      const page = await ctx
        .client()
        .json<{ items: Item[]; nextCursor: string | null }>('GET', `${spec.path}?${query}`);
      if (parsed.booleans.has('json')) {
        printJson(page);
        return EXIT.ok;
      }
      printTable(page.items.map(spec.row), spec.columns, spec.empty);
      printNextCursor(page.nextCursor, spec.command);
      return EXIT.ok;
    },
  };
}
