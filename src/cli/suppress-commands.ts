import { readFileSync } from 'node:fs';
import { numberFlag, type ParsedArgs, parseArgs, usageError } from './args.ts';
import { CliError, EXIT } from './cli-error.ts';
import { printIntake, printJson, printNextCursor, printTable, type RejectedRow } from './output.ts';
import type { CommandGroup, ProducerContext, Subcommand } from './producer.ts';

// The API takes at most 10,000 numbers per request (SUPPRESSIONS_PER_REQUEST_MAX); longer lists go in turns.
const NUMBERS_PER_REQUEST = 10_000;

interface Change {
  accepted: number;
  rejectedCount: number;
  rejected: RejectedRow[];
  added?: number;
  removed?: number;
}

/** Numbers from the arguments and from --file (one a line; blank lines and `#` comments skipped). */
function numbersOf(parsed: ParsedArgs, usage: string): string[] {
  const numbers = [...parsed.positionals];
  const file = parsed.strings.get('file');
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CliError(EXIT.usage, 'file_unreadable', `cannot read ${file}: ${(err as Error).message}`);
    }
    for (const line of text.split(/\r?\n/)) {
      const number = line.trim();
      if (number && !number.startsWith('#')) numbers.push(number);
    }
  }
  if (numbers.length === 0) throw usageError('give at least one number (or --file)', usage);
  return numbers;
}

/** Sends the numbers in turns and adds the answers up; rejected rows keep their index in the whole list. */
async function change(ctx: ProducerContext, method: 'POST' | 'DELETE', numbers: string[]): Promise<Change> {
  const total: Change = { accepted: 0, rejectedCount: 0, rejected: [], [method === 'POST' ? 'added' : 'removed']: 0 };
  for (let offset = 0; offset < numbers.length; offset += NUMBERS_PER_REQUEST) {
    const part = await ctx
      .client()
      .json<Change>(method, '/v1/suppressions', { numbers: numbers.slice(offset, offset + NUMBERS_PER_REQUEST) });
    total.accepted += part.accepted;
    total.rejectedCount += part.rejectedCount;
    total.rejected.push(...part.rejected.map((row) => ({ ...row, index: row.index + offset })));
    if (total.added !== undefined) total.added += part.added ?? 0;
    if (total.removed !== undefined) total.removed += part.removed ?? 0;
  }
  return total;
}

function changer(action: 'add' | 'remove'): Subcommand {
  const usage = `callcast suppress ${action} <number>… [--file numbers.txt] [--json]`;
  return {
    usage,
    async run(args, ctx) {
      const parsed = parseArgs(args, { file: 'string', json: 'boolean' }, usage);
      const result = await change(ctx, action === 'add' ? 'POST' : 'DELETE', numbersOf(parsed, usage));
      if (parsed.booleans.has('json')) {
        printJson(result);
        return EXIT.ok;
      }
      console.log(
        action === 'add'
          ? `${result.added} added to the do-not-call list (${result.accepted - (result.added ?? 0)} already on it)`
          : `${result.removed} removed from the do-not-call list (${result.accepted - (result.removed ?? 0)} were not on it)`,
      );
      if (result.rejectedCount > 0) printIntake(result);
      return EXIT.ok;
    },
  };
}

interface SuppressionPage {
  items: Array<{ number: string; createdAt: string }>;
  nextCursor: string | null;
}

const LIST_USAGE = 'callcast suppress list [--number <prefix>] [--limit 100] [--cursor C] [--all] [--json]';
const list: Subcommand = {
  usage: LIST_USAGE,
  async run(args, ctx) {
    const flags = { number: 'string', limit: 'string', cursor: 'string', all: 'boolean', json: 'boolean' } as const;
    const parsed = parseArgs(args, flags, LIST_USAGE);
    if (parsed.positionals.length > 0) throw usageError('list takes no arguments; search with --number', LIST_USAGE);
    const limit = numberFlag(parsed, 'limit', { min: 1, max: 1000, fallback: 100 }, LIST_USAGE);
    const items: SuppressionPage['items'] = [];
    let cursor = parsed.strings.get('cursor') ?? null;
    do {
      const query = new URLSearchParams({ limit: String(limit) });
      const prefix = parsed.strings.get('number');
      if (prefix !== undefined) query.set('number', prefix);
      if (cursor) query.set('cursor', cursor);
      const page = await ctx.client().json<SuppressionPage>('GET', `/v1/suppressions?${query}`);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && parsed.booleans.has('all'));
    if (parsed.booleans.has('json')) printJson({ items, nextCursor: cursor });
    else {
      printTable(
        items.map((i) => ({ number: i.number, added: i.createdAt })),
        ['number', 'added'],
        'no suppressed numbers',
      );
      printNextCursor(cursor, 'callcast suppress list');
    }
    return EXIT.ok;
  },
};

export const suppressGroup: CommandGroup = {
  summary: "Manage the API key's do-not-call list through the running API",
  subcommands: { add: changer('add'), remove: changer('remove'), list },
};
