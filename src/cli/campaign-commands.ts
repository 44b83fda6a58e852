import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs, positionals } from './args.ts';
import { create, upload } from './campaign-create.ts';
import { type CampaignDetail, finalLine, outcomesText, watchCampaign, watchIntervalMs } from './campaign-watch.ts';
import { EXIT } from './cli-error.ts';
import { listSubcommand } from './list-command.ts';
import { printJson } from './output.ts';
import type { CommandGroup, Subcommand } from './producer.ts';

interface CampaignView {
  id: string;
  name: string;
  status: string;
  recipientCount: number;
  createdAt: string;
}

const path = (id: string, rest = '') => `/v1/campaigns/${encodeURIComponent(id)}${rest}`;

const list = listSubcommand<CampaignView>({
  command: 'callcast campaign list',
  path: '/v1/campaigns',
  columns: ['id', 'status', 'recipients', 'created', 'name'],
  row: (c) => ({
    id: c.id,
    status: c.status,
    recipients: String(c.recipientCount),
    created: c.createdAt,
    name: c.name,
  }),
  empty: 'no campaigns',
});

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

const WATCH_USAGE = 'callcast campaign watch <id> [--interval 2] [--json]';
const watch: Subcommand = {
  usage: WATCH_USAGE,
  async run(args, ctx) {
    const parsed = parseArgs(args, { interval: 'string', json: 'boolean' }, WATCH_USAGE);
    const [id] = positionals(parsed, ['id'], WATCH_USAGE) as [string];
    const json = parsed.booleans.has('json');
    const last = await watchCampaign(ctx.client(), id, {
      intervalMs: watchIntervalMs(parsed, WATCH_USAGE),
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
