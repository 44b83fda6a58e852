import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { numberFlag, type ParsedArgs, parseArgs, positionals, required } from './args.ts';
import { CREATE_FLAGS, CREATE_USAGE, campaignBody, csvSize, type IntakeResult, uploadCsv } from './campaign-create.ts';
import { type CampaignDetail, outcomesText, watchCampaign } from './campaign-watch.ts';
import { CliError, EXIT } from './cli-error.ts';
import { printIntake, printJson, printNextCursor, printTable } from './output.ts';
import type { CommandGroup, ProducerContext, Subcommand } from './producer.ts';

interface CampaignView {
  id: string;
  name: string;
  status: string;
  recipientCount: number;
  createdAt: string;
}

const path = (id: string, rest = '') => `/v1/campaigns/${encodeURIComponent(id)}${rest}`;

/** Watch interval: how often GET /v1/campaigns/:id is read (seconds, default 2). */
function intervalMs(parsed: ParsedArgs, usage: string): number {
  return numberFlag(parsed, 'interval', { min: 0.2, max: 3600, fallback: 2, integer: false }, usage) * 1000;
}

const create: Subcommand = {
  usage: CREATE_USAGE,
  async run(args, ctx) {
    const parsed = parseArgs(args, CREATE_FLAGS, CREATE_USAGE);
    positionals(parsed, [], CREATE_USAGE);
    const body = campaignBody(parsed);
    const csv = required(parsed, 'csv', CREATE_USAGE);
    csvSize(csv); // an unreadable file is a usage error before anything is created
    const interval = intervalMs(parsed, CREATE_USAGE);
    const json = parsed.booleans.has('json');
    const key = parsed.strings.get('idempotency-key');
    const client = ctx.client();
    const created = await client.json<{ id: string; status: string }>(
      'POST',
      '/v1/campaigns',
      { ...body, recipients: [] },
      key === undefined ? {} : { 'idempotency-key': key },
    );
    const upload = await uploadOrWithdraw(ctx, created.id, csv);
    const result = { id: created.id, status: created.status, name: body.name, ...withoutId(upload) };
    // With --watch, --json output is one JSON object per line throughout (this one, then each interval).
    if (json) console.log(parsed.booleans.has('watch') ? JSON.stringify(result) : JSON.stringify(result, null, 2));
    else {
      console.log(`campaign ${created.id} created (${created.status})`);
      printIntake(upload);
    }
    if (!parsed.booleans.has('watch')) return EXIT.ok;
    const last = await watchCampaign(client, created.id, { intervalMs: interval, json, tty: ctx.tty });
    if (!json && ctx.tty) console.log(finalLine(last));
    return EXIT.ok;
  },
};

const withoutId = ({ id: _id, ...rest }: IntakeResult) => rest;

/**
 * A campaign whose recipients did not arrive would sit running and empty, so it is cancelled and
 * the error says so; one whose every row was rejected likewise (exit 1, code no_recipients).
 */
async function uploadOrWithdraw(ctx: ProducerContext, id: string, csv: string): Promise<IntakeResult> {
  const client = ctx.client();
  let upload: IntakeResult;
  try {
    upload = await uploadCsv(client, id, csv, ctx.tty);
  } catch (err) {
    if (err instanceof CliError) throw await withdrawn(ctx, id, err);
    throw err;
  }
  if (upload.accepted === 0 && upload.rejectedCount > 0) {
    const err = new CliError(EXIT.api, 'no_recipients', `every row of ${csv} was rejected`, {
      details: upload.rejected.map((row) => ({
        field: `line ${row.line ?? row.index}`,
        code: row.code,
        message: row.number,
      })),
    });
    throw await withdrawn(ctx, id, err);
  }
  return upload;
}

async function withdrawn(ctx: ProducerContext, id: string, err: CliError): Promise<CliError> {
  const cancelled = await ctx
    .client()
    .json('POST', path(id, '/cancel'))
    .then(
      () => `campaign ${id} was cancelled, it has no recipients`,
      () => `campaign ${id} exists without recipients; cancel it with \`callcast campaign cancel ${id}\``,
    );
  return new CliError(err.exitCode, err.code, `${err.message} (${cancelled})`, {
    details: err.details,
    httpStatus: err.httpStatus,
  });
}

const UPLOAD_USAGE = 'callcast campaign upload <id> --csv <contacts.csv> [--json]';
const upload: Subcommand = {
  usage: UPLOAD_USAGE,
  async run(args, ctx) {
    const parsed = parseArgs(args, { csv: 'string', json: 'boolean' }, UPLOAD_USAGE);
    const [id] = positionals(parsed, ['id'], UPLOAD_USAGE) as [string];
    const csv = required(parsed, 'csv', UPLOAD_USAGE);
    csvSize(csv);
    const result = await uploadCsv(ctx.client(), id, csv, ctx.tty);
    if (parsed.booleans.has('json')) printJson(result);
    else printIntake(result);
    return EXIT.ok;
  },
};

const LIST_USAGE = 'callcast campaign list [--limit 20] [--cursor C] [--json]';
const list: Subcommand = {
  usage: LIST_USAGE,
  async run(args, ctx) {
    const parsed = parseArgs(args, { limit: 'string', cursor: 'string', json: 'boolean' }, LIST_USAGE);
    positionals(parsed, [], LIST_USAGE);
    const query = new URLSearchParams({
      limit: String(numberFlag(parsed, 'limit', { min: 1, max: 100, fallback: 20 }, LIST_USAGE)),
    });
    const cursor = parsed.strings.get('cursor');
    if (cursor) query.set('cursor', cursor);
    const page = await ctx
      .client()
      .json<{ items: CampaignView[]; nextCursor: string | null }>('GET', `/v1/campaigns?${query}`);
    if (parsed.booleans.has('json')) {
      printJson(page);
      return EXIT.ok;
    }
    const rows = page.items.map((c) => ({
      id: c.id,
      status: c.status,
      recipients: String(c.recipientCount),
      created: c.createdAt,
      name: c.name,
    }));
    printTable(rows, ['id', 'status', 'recipients', 'created', 'name'], 'no campaigns');
    printNextCursor(page.nextCursor, 'callcast campaign list');
    return EXIT.ok;
  },
};

const SHOW_USAGE = 'callcast campaign show <id> [--json]';
const show: Subcommand = {
  usage: SHOW_USAGE,
  async run(args, ctx) {
    const parsed = parseArgs(args, { json: 'boolean' }, SHOW_USAGE);
    const [id] = positionals(parsed, ['id'], SHOW_USAGE) as [string];
    const detail = await ctx.client().json<CampaignDetail>('GET', path(id));
    if (parsed.booleans.has('json')) printJson(detail);
    else console.log(describeCampaign(detail));
    return EXIT.ok;
  },
};

function describeCampaign(c: CampaignDetail): string {
  const { report } = c;
  const byStatus = Object.entries(c.recipients)
    .map(([status, n]) => `${status}=${n}`)
    .join(' ');
  const rate = report.answerRate === null ? '–' : `${(report.answerRate * 100).toFixed(1)}%`;
  const average = report.talkSeconds.averagePerAnsweredCall;
  return [
    `campaign    ${c.id}  ${c.status}`,
    `name        ${c.name}`,
    `from        ${c.from}`,
    `created     ${c.createdAt}${c.completedAt ? `, completed ${c.completedAt}` : ''}`,
    `recipients  ${report.recipients.finished}/${report.recipients.total} finished (${report.recipients.progressPercent.toFixed(1)}%)  ${byStatus}`,
    `attempts    ${report.attempts.total}: ${outcomesText(report.attempts.byOutcome)}`,
    `answered    ${rate}  talk ${report.talkSeconds.total} s${average === null ? '' : ` (${average} s per answered call)`}  cost ${report.totalCost}`,
  ].join('\n');
}

function finalLine(c: CampaignDetail): string {
  const { recipients, attempts } = c.report;
  return `campaign ${c.id} ${c.status}: ${recipients.finished}/${recipients.total} recipients finished; ${outcomesText(attempts.byOutcome)}`;
}

const WATCH_USAGE = 'callcast campaign watch <id> [--interval 2] [--json]';
const watch: Subcommand = {
  usage: WATCH_USAGE,
  async run(args, ctx) {
    const parsed = parseArgs(args, { interval: 'string', json: 'boolean' }, WATCH_USAGE);
    const [id] = positionals(parsed, ['id'], WATCH_USAGE) as [string];
    const json = parsed.booleans.has('json');
    const last = await watchCampaign(ctx.client(), id, {
      intervalMs: intervalMs(parsed, WATCH_USAGE),
      json,
      tty: ctx.tty,
    });
    if (!json && ctx.tty) console.log(finalLine(last));
    return EXIT.ok;
  },
};

function control(action: 'pause' | 'resume' | 'cancel', done: string): Subcommand {
  const usage = `callcast campaign ${action} <id> [--json]`;
  return {
    usage,
    async run(args, ctx) {
      const parsed = parseArgs(args, { json: 'boolean' }, usage);
      const [id] = positionals(parsed, ['id'], usage) as [string];
      const campaign = await ctx.client().json<CampaignView>('POST', path(id, `/${action}`));
      if (parsed.booleans.has('json')) printJson(campaign);
      else console.log(`campaign ${campaign.id} ${done} (status ${campaign.status})`);
      return EXIT.ok;
    },
  };
}

const REPORT_USAGE = 'callcast campaign report <id> [> report.csv]';
const report: Subcommand = {
  usage: REPORT_USAGE,
  async run(args, ctx) {
    const parsed = parseArgs(args, {}, REPORT_USAGE);
    const [id] = positionals(parsed, ['id'], REPORT_USAGE) as [string];
    const body = await ctx.client().download(path(id, '/report.csv'));
    try {
      await pipeline(Readable.fromWeb(body as Parameters<typeof Readable.fromWeb>[0]), process.stdout, { end: false });
    } catch (err) {
      // `… | head` closes the pipe early: what was wanted has been written.
      if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
    }
    return EXIT.ok;
  },
};

export const campaignGroup: CommandGroup = {
  summary: 'Create, watch and steer campaigns through the running API (CALLCAST_API_URL, CALLCAST_API_KEY)',
  subcommands: {
    create,
    upload,
    list,
    show,
    watch,
    pause: control('pause', 'paused'),
    resume: control('resume', 'resumed'),
    cancel: control('cancel', 'cancelled'),
    report,
  },
};
