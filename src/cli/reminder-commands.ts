import { type FlagSpec, numberFlag, type ParsedArgs, parseArgs, positionals, required, usageError } from './args.ts';
import { callContent, callWindow, retryOf } from './call-flags.ts';
import { EXIT } from './cli-error.ts';
import { listSubcommand } from './list-command.ts';
import { printJson, printTable } from './output.ts';
import type { CommandGroup, Subcommand } from './producer.ts';

/** The parts of the API's reminder view the CLI prints. */
interface ReminderView {
  id: string;
  status: string;
  to: string;
  from: string;
  at: string | null;
  recurrence: { cron: string; timezone: string; until: string | null; count: number | null } | null;
  runCount: number;
  nextRunAt: string | null;
  createdAt: string;
  attempts?: Array<{ run: number | null; attemptNo: number; status: string; outcome: string | null; dueAt: string }>;
}

const path = (id: string) => `/v1/reminders/${encodeURIComponent(id)}`;

const CREATE_USAGE =
  'callcast reminder create --to <number> --from <number> (--ncco <script.json> | --answer-url <url>) ' +
  '(--at <ISO time> | --cron "0 9 * * 1-5" --timezone <zone> [--until <ISO time> | --count N]) ' +
  '[--window 09:00-20:00] [--days 1-5] [--max-attempts N] [--retry-delay <seconds>] [--idempotency-key K] [--json]';

const CREATE_FLAGS: FlagSpec = {
  to: 'string',
  from: 'string',
  ncco: 'string',
  'answer-url': 'string',
  at: 'string',
  cron: 'string',
  timezone: 'string',
  until: 'string',
  count: 'string',
  window: 'string',
  days: 'string',
  'max-attempts': 'string',
  'retry-delay': 'string',
  'idempotency-key': 'string',
  json: 'boolean',
};

/** The POST /v1/reminders body the flags describe; the API judges times, zones and the cron. */
function reminderBody(parsed: ParsedArgs): Record<string, unknown> {
  const body: Record<string, unknown> = {
    to: required(parsed, 'to', CREATE_USAGE),
    from: required(parsed, 'from', CREATE_USAGE),
    ...callContent(parsed, CREATE_USAGE),
  };
  const [at, cron, timezone] = ['at', 'cron', 'timezone'].map((name) => parsed.strings.get(name));
  if ((at === undefined) === (cron === undefined)) throw usageError('give --at or --cron', CREATE_USAGE);
  if (cron === undefined) {
    body.at = at;
    if (timezone !== undefined) body.timezone = timezone;
  } else {
    if (timezone === undefined) throw usageError('--cron needs --timezone', CREATE_USAGE);
    const until = parsed.strings.get('until');
    const count = parsed.strings.has('count')
      ? numberFlag(parsed, 'count', { min: 1, max: 100_000, fallback: 1 }, CREATE_USAGE)
      : undefined;
    body.recurrence = {
      cron,
      timezone,
      ...(until === undefined ? {} : { until }),
      ...(count === undefined ? {} : { count }),
    };
  }
  const window = parsed.strings.get('window');
  if (window !== undefined) body.callWindow = callWindow(window, parsed.strings.get('days'), CREATE_USAGE);
  const retry = retryOf(parsed, CREATE_USAGE);
  if (retry) body.retry = retry;
  return body;
}

const create: Subcommand = {
  usage: CREATE_USAGE,
  async run(args, ctx) {
    const parsed = parseArgs(args, CREATE_FLAGS, CREATE_USAGE);
    positionals(parsed, [], CREATE_USAGE);
    const created = await ctx
      .client()
      .create<ReminderView>('/v1/reminders', reminderBody(parsed), parsed.strings.get('idempotency-key'));
    const reminder = created.body;
    if (parsed.booleans.has('json')) printJson(reminder);
    else {
      const what = created.replayed ? 'was already created with this idempotency key' : 'created';
      console.log(`reminder ${reminder.id} ${what} (${reminder.status}); next call ${reminder.nextRunAt ?? '–'}`);
    }
    return EXIT.ok;
  },
};

const schedule = (r: ReminderView) =>
  r.recurrence ? `${r.recurrence.cron} (${r.recurrence.timezone})` : (r.at ?? '–');

const list = listSubcommand<ReminderView>({
  command: 'callcast reminder list',
  path: '/v1/reminders',
  columns: ['id', 'status', 'to', 'next', 'schedule'],
  row: (r) => ({ id: r.id, status: r.status, to: r.to, next: r.nextRunAt ?? '–', schedule: schedule(r) }),
  empty: 'no reminders',
});

function printReminder(r: ReminderView): void {
  console.log(
    [
      `reminder    ${r.id}  ${r.status}`,
      `to          ${r.to} (from ${r.from})`,
      `schedule    ${schedule(r)}`,
      `runs        ${r.runCount}; next ${r.nextRunAt ?? '–'}`,
    ].join('\n'),
  );
  const attempts = (r.attempts ?? []).map((a) => ({
    run: String(a.run ?? '–'),
    attempt: String(a.attemptNo),
    due: a.dueAt,
    status: a.status,
    outcome: a.outcome ?? '–',
  }));
  if (attempts.length > 0) printTable(attempts, ['run', 'attempt', 'due', 'status', 'outcome'], '');
}

function byId(action: 'show' | 'delete'): Subcommand {
  const usage = `callcast reminder ${action} <id> [--json]`;
  return {
    usage,
    async run(args, ctx) {
      const parsed = parseArgs(args, { json: 'boolean' }, usage);
      const [id] = positionals(parsed, ['id'], usage) as [string];
      const reminder = await ctx.client().json<ReminderView>(action === 'show' ? 'GET' : 'DELETE', path(id));
      if (parsed.booleans.has('json')) printJson(reminder);
      else if (action === 'delete') console.log(`reminder ${reminder.id} cancelled (status ${reminder.status})`);
      else printReminder(reminder);
      return EXIT.ok;
    },
  };
}

export const reminderGroup: CommandGroup = {
  summary: 'Create, list, show and delete reminder calls through the running API',
  subcommands: { create, list, show: byId('show'), delete: byId('delete') },
};
