import { useEffect, useState } from 'preact/hooks';
import { api, download } from '../lib/api.js';
import { AddRecipients } from '../lib/csv-upload.js';
import { html } from '../lib/html.js';
import { followCampaign } from '../lib/stream.js';
import { ErrorNote, StatusBadge } from '../lib/ui.js';
import { AttemptsTable, responseLabels } from './campaign-attempts.js';
import { Settings, Summary } from './campaign-parts.js';

// Re-read the attempts table this often while the campaign runs (the issue's bound for live data); the stream is every second.
const ATTEMPTS_REFRESH_MS = 2_000;

/**
 * What screen readers hear: the status and progress in steps of 10 %, so a live page speaks on
 * changes that matter and not once a second.
 */
function milestone(campaign) {
  const step = Math.floor(campaign.report.recipients.progressPercent / 10) * 10;
  return `${campaign.name}: ${campaign.status}, ${step} % of recipients finished.`;
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
  const open = campaign.status === 'running' || campaign.status === 'paused';

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
    <p class="sr-only" aria-live="polite" aria-atomic="true" data-announce>${milestone(campaign)}</p>
    <${Summary} campaign=${campaign} samples=${samples} />
    <${AddRecipients} campaignId=${id} disabled=${!open} onDone=${() => setRefreshKey((n) => n + 1)} />
    <${AttemptsTable} campaignId=${id} refreshKey=${refreshKey} labels=${responseLabels(campaign.responses)} />
    <${Settings} campaign=${campaign} />
  </section>`;
}
