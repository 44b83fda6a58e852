import { useEffect, useState } from 'preact/hooks';
import { api, download } from '../lib/api.js';
import { AddRecipients } from '../lib/csv-upload.js';
import { html } from '../lib/html.js';
import { RateChart } from '../lib/live-chart.js';
import { followCampaign } from '../lib/stream.js';
import { BarChart, ErrorNote, etaSeconds, formatDuration, formatTime, ProgressBar, StatusBadge } from '../lib/ui.js';
import { AttemptsTable } from './campaign-attempts.js';

// Re-read the attempts table this often while the campaign runs (the issue's bound for live data); the stream is every second.
const ATTEMPTS_REFRESH_MS = 2_000;

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

export function CampaignPage({ id }) {
  const [campaign, setCampaign] = useState(null);
  const [samples, setSamples] = useState([]);
  const [link, setLink] = useState({ live: false, error: null });
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const [refreshKey, setRefreshKey] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    followCampaign(id, {
      signal: controller.signal,
      onState: setLink,
      onCampaign: (snapshot) => {
        setCampaign(snapshot);
        const point = {
          t: Date.parse(snapshot.at) / 1000,
          rate: snapshot.callsPerSecond,
          cap: snapshot.callsPerSecondCap,
        };
        setSamples((old) => [...old.slice(-599), point]);
      },
    }).then(() => setLink((old) => ({ ...old, live: false, ended: !controller.signal.aborted })));
    return () => controller.abort();
  }, [id]);

  // A status change (paused, completed…) moves attempts too: re-read the table once.
  useEffect(() => {
    setRefreshKey((n) => n + 1);
  }, [campaign?.status]);

  useEffect(() => {
    if (campaign?.status !== 'running') return undefined;
    const timer = setInterval(() => setRefreshKey((n) => n + 1), ATTEMPTS_REFRESH_MS);
    return () => clearInterval(timer);
  }, [campaign?.status]);

  async function act(action) {
    if (action === 'cancel' && !confirm('Cancel this campaign? This cannot be undone.')) return;
    setError(null);
    try {
      const after = await api(`/campaigns/${id}/${action}`, { method: 'POST' });
      setCampaign((old) => ({ ...old, status: after.status }));
      setNotice(`Campaign ${after.status}.`);
    } catch (err) {
      setError(err);
    }
  }

  async function saveReport() {
    try {
      await download(`/campaigns/${id}/report.csv`, `campaign-${id}.csv`);
      setNotice('Report downloaded.');
    } catch (err) {
      setError(err);
    }
  }

  if (!campaign) {
    return html`<section><p aria-live="polite">${link.error ?? 'Loading campaign…'}</p></section>`;
  }
  const report = campaign.report;
  const open = campaign.status === 'running' || campaign.status === 'paused';
  const eta = campaign.status === 'running' ? etaSeconds(report.recipients.remaining, campaign.callsPerSecond) : null;
  const labels = labelCounts(report);

  return html`<section aria-labelledby="campaign-title" class="campaign">
    <div class="title-row">
      <h1 id="campaign-title">${campaign.name}</h1>
      <${StatusBadge} status=${campaign.status} />
      <span class=${`live ${link.live ? 'on' : 'off'}`}>${link.live ? 'live' : (link.error ?? (link.ended ? 'final' : 'not live'))}</span>
    </div>
    <div class="controls" role="group" aria-label="Campaign controls">
      ${campaign.status === 'running' && html`<button type="button" onClick=${() => act('pause')}>Pause</button>`}
      ${campaign.status === 'paused' && html`<button type="button" onClick=${() => act('resume')}>Resume</button>`}
      ${open && html`<button type="button" class="danger" onClick=${() => act('cancel')}>Cancel campaign</button>`}
      <button type="button" onClick=${saveReport}>Download CSV report</button>
    </div>
    <p class="sr-only" aria-live="polite">${notice}</p>
    <${ErrorNote} error=${error} />
    <div aria-live="polite" aria-atomic="true" class="summary">
      <${ProgressBar} value=${report.recipients.progressPercent} label="Campaign progress" />
      <dl class="stats">
        <div><dt>Recipients</dt><dd data-stat="finished">${report.recipients.finished} / ${report.recipients.total} finished</dd></div>
        <div><dt>Calls/s</dt><dd>${campaign.callsPerSecond} (cap ${campaign.callsPerSecondCap})</dd></div>
        <div><dt>ETA</dt><dd>${campaign.status === 'running' ? formatDuration(eta) : '–'}</dd></div>
        <div><dt>Answer rate</dt><dd>${report.answerRate === null ? '–' : `${Math.round(report.answerRate * 100)} %`}</dd></div>
        <div><dt>Talk time</dt><dd>${formatDuration(report.talkSeconds.total)}</dd></div>
        <div><dt>Cost</dt><dd>€ ${report.totalCost}</dd></div>
      </dl>
    </div>
    <${RateChart} samples=${samples} />
    <div class="breakdowns">
      <${BarChart} title="Outcomes" counts=${report.attempts.byOutcome} empty="No ended calls yet" />
      <${BarChart} title="Answer labels" counts=${labels ?? {}} empty=${labels ? 'No labelled answers yet' : 'No answer labels in this report'} />
    </div>
    <${AddRecipients} campaignId=${id} disabled=${!open} onDone=${() => setRefreshKey((n) => n + 1)} />
    <${AttemptsTable} campaignId=${id} refreshKey=${refreshKey} />
    <details class="settings"><summary>Settings</summary>
      <dl>
        <dt>From</dt><dd>${campaign.from}</dd>
        <dt>Start</dt><dd>${formatTime(campaign.startAt)} (${campaign.timezone})</dd>
        <dt>Calling window</dt><dd>${campaign.callWindow ? `${campaign.callWindow.start}–${campaign.callWindow.end}, days ${campaign.callWindow.days.join(',')}` : 'any time'}</dd>
        <dt>Retry</dt><dd>${campaign.retry.maxAttempts} attempts on ${campaign.retry.retryOn.join(', ') || 'nothing'}, ${campaign.retry.delaySeconds} s apart</dd>
      </dl>
      ${campaign.ncco && html`<pre>${JSON.stringify(campaign.ncco, null, 2)}</pre>`}
    </details>
  </section>`;
}
