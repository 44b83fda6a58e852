import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import type { ApiClient } from './api-client.ts';
import { numberFlag, type ParsedArgs } from './args.ts';
import { CliError, EXIT } from './cli-error.ts';
import { formatDuration, type Rates, RateWindow, type WatchSample } from './progress.ts';

/** The parts of GET /v1/campaigns/:id the CLI reads. */
export interface CampaignDetail {
  id: string;
  name: string;
  status: 'running' | 'paused' | 'cancelled' | 'completed';
  from: string;
  recipientCount: number;
  createdAt: string;
  completedAt: string | null;
  recipients: Record<string, number>;
  report: {
    attempts: { total: number; byStatus: Record<string, number>; byOutcome: Record<string, number> };
    recipients: { total: number; finished: number; remaining: number; progressPercent: number };
    answerRate: number | null;
    talkSeconds: { total: number; averagePerAnsweredCall: number | null };
    totalCost: string;
  };
}

export interface WatchOptions {
  intervalMs: number;
  json: boolean;
  /** Live bar on stderr when true; one plain line per interval on stdout otherwise. */
  tty: boolean;
}

const FINAL = new Set(['completed', 'cancelled']);
// The API may restart or blip while a long campaign runs; give up after this many misses in a row.
const MISSES_ALLOWED = 5;

function sampleOf(detail: CampaignDetail, atMs: number): WatchSample {
  const { attempts, recipients } = detail.report;
  return {
    atMs,
    dialed: attempts.total - (attempts.byStatus.queued ?? 0),
    finished: recipients.finished,
    total: recipients.total,
  };
}

export function outcomesText(byOutcome: Record<string, number>): string {
  const parts = Object.entries(byOutcome)
    .sort(([nameA, a], [nameB, b]) => b - a || nameA.localeCompare(nameB))
    .map(([outcome, n]) => `${outcome}=${n}`);
  return parts.length > 0 ? parts.join(' ') : 'no outcomes yet';
}

/** One interval as a plain line, or as one JSON object per line with --json. */
function watchLine(detail: CampaignDetail, rates: Rates, atMs: number, json: boolean): string {
  const { recipients, attempts } = detail.report;
  if (json) {
    return JSON.stringify({
      at: new Date(atMs).toISOString(),
      id: detail.id,
      status: detail.status,
      finished: recipients.finished,
      total: recipients.total,
      progressPercent: recipients.progressPercent,
      callsPerSecond: rates.callsPerSecond === null ? null : Number(rates.callsPerSecond.toFixed(2)),
      etaSeconds: rates.etaSeconds === null ? null : Math.round(rates.etaSeconds),
      outcomes: attempts.byOutcome,
    });
  }
  const rate = rates.callsPerSecond === null ? '–' : rates.callsPerSecond.toFixed(2);
  return (
    `${new Date(atMs).toISOString()} ${detail.status} ${recipients.finished}/${recipients.total} ` +
    `(${recipients.progressPercent.toFixed(1)}%) ${rate} calls/s eta ${formatDuration(rates.etaSeconds)} ` +
    outcomesText(attempts.byOutcome)
  );
}

/** Polls the campaign every interval until it is completed or cancelled; resolves with its last state. */
export async function watchCampaign(client: ApiClient, id: string, options: WatchOptions): Promise<CampaignDetail> {
  const window = new RateWindow();
  const view = options.tty && !options.json ? liveBar() : plainLines(options.json);
  let misses = 0;
  try {
    for (;;) {
      const detail = await fetchTolerant(client, id, () => ++misses);
      if (detail) {
        misses = 0;
        const now = Date.now();
        view.show(detail, window.add(sampleOf(detail, now)), now);
        if (FINAL.has(detail.status)) return detail;
      }
      await sleep(options.intervalMs);
    }
  } finally {
    view.stop();
  }
}

async function fetchTolerant(client: ApiClient, id: string, miss: () => number): Promise<CampaignDetail | undefined> {
  try {
    return await client.json<CampaignDetail>('GET', `/v1/campaigns/${encodeURIComponent(id)}`);
  } catch (err) {
    const transient =
      err instanceof CliError &&
      ((err.exitCode === EXIT.unreachable && err.httpStatus === undefined) || err.httpStatus === 503);
    if (!transient || miss() > MISSES_ALLOWED) throw err;
    console.error(`watch: ${err.message}; trying again`);
    return undefined;
  }
}

interface WatchView {
  show(detail: CampaignDetail, rates: Rates, atMs: number): void;
  stop(): void;
}

function plainLines(json: boolean): WatchView {
  return { show: (detail, rates, atMs) => console.log(watchLine(detail, rates, atMs, json)), stop() {} };
}

function liveBar(): WatchView {
  const bar = new cliProgress.SingleBar(
    {
      format:
        '{status} {bar} {percentage}% | {value}/{total} recipients | {rate} calls/s | ETA {eta_text} | {outcomes}',
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    show(detail, rates) {
      const { recipients, attempts } = detail.report;
      const payload = {
        status: detail.status.padEnd(9),
        rate: rates.callsPerSecond === null ? '–' : rates.callsPerSecond.toFixed(2),
        eta_text: formatDuration(rates.etaSeconds),
        outcomes: outcomesText(attempts.byOutcome),
      };
      if (!started) bar.start(Math.max(recipients.total, 1), recipients.finished, payload);
      started = true;
      bar.setTotal(Math.max(recipients.total, 1));
      bar.update(recipients.finished, payload);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

/** Watch interval: how often GET /v1/campaigns/:id is read (seconds, default 2). */
export function watchIntervalMs(parsed: ParsedArgs, usage: string): number {
  return numberFlag(parsed, 'interval', { min: 0.2, max: 3600, fallback: 2, integer: false }, usage) * 1000;
}

export function finalLine(c: CampaignDetail): string {
  const { recipients, attempts } = c.report;
  return `campaign ${c.id} ${c.status}: ${recipients.finished}/${recipients.total} recipients finished; ${outcomesText(attempts.byOutcome)}`;
}
