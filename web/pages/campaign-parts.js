import { html } from '../lib/html.js';
import { RateChart } from '../lib/live-chart.js';
import { BarChart, campaignEta, formatDuration, formatShare, formatTime, ProgressBar } from '../lib/ui.js';

/**
 * Answer labels per label name, wherever the report carries them (issue 13): `labels`,
 * `answers.byLabel`, or `byLabel`. Missing means no breakdown yet.
 */
function labelCounts(report) {
  const found = report?.labels ?? report?.answers?.byLabel ?? report?.byLabel;
  if (!found || typeof found !== 'object') return null;
  const counts = found.byLabel && typeof found.byLabel === 'object' ? found.byLabel : found;
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => typeof n === 'number'));
}

/** Progress, the numbers, the rate chart and the breakdowns of one stream snapshot. */
export function Summary({ campaign, samples }) {
  const report = campaign.report;
  const eta = campaignEta(campaign, campaign.callsPerSecond);
  const labels = labelCounts(report);
  return html`<div class="summary">
      <${ProgressBar} value=${report.recipients.progressPercent} label="Campaign progress" />
      <dl class="stats">
        <div><dt>Recipients</dt><dd data-stat="finished">${report.recipients.finished} / ${report.recipients.total} finished</dd></div>
        <div><dt>Calls/s</dt><dd data-stat="rate">${campaign.callsPerSecond} (cap ${campaign.callsPerSecondCap})</dd></div>
        <div><dt>ETA</dt><dd data-stat="eta" data-eta-source=${eta.source ?? undefined}
          title=${eta.at ? `estimated finish ${formatTime(eta.at)}` : undefined}>${eta.source ? formatDuration(eta.seconds) : '–'}</dd></div>
        <div><dt>Share of rate</dt><dd data-stat="share">${formatShare(campaign)}</dd></div>
        <div><dt>Answer rate</dt><dd>${report.answerRate === null ? '–' : `${Math.round(report.answerRate * 100)} %`}</dd></div>
        <div><dt>Talk time</dt><dd>${formatDuration(report.talkSeconds.total)}</dd></div>
        <div><dt>Cost</dt><dd>€ ${report.totalCost}</dd></div>
      </dl>
    </div>
    <${RateChart} samples=${samples} />
    <div class="breakdowns">
      <${BarChart} title="Outcomes" counts=${report.attempts.byOutcome} empty="No ended calls yet" />
      <${BarChart} title="Answer labels" counts=${labels ?? {}} empty=${labels ? 'No labelled answers yet' : 'No answer labels in this report'} />
    </div>`;
}

export function Settings({ campaign }) {
  const callWindow = campaign.callWindow;
  return html`<details class="settings"><summary>Settings</summary>
      <dl>
        <dt>From</dt><dd>${campaign.from}</dd>
        <dt>Start</dt><dd>${formatTime(campaign.startAt)} (${campaign.timezone})</dd>
        <dt>Calling window</dt><dd>${callWindow ? `${callWindow.start}–${callWindow.end}, days ${callWindow.days.join(',')}` : 'any time'}</dd>
        <dt>Retry</dt><dd>${campaign.retry.maxAttempts} attempts on ${campaign.retry.retryOn.join(', ') || 'nothing'}, ${campaign.retry.delaySeconds} s apart</dd>
      </dl>
      ${campaign.ncco && html`<pre>${JSON.stringify(campaign.ncco, null, 2)}</pre>`}
    </details>`;
}
