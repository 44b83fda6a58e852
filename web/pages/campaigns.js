import { useEffect, useRef, useState } from 'preact/hooks';
import { api, query } from '../lib/api.js';
import { html } from '../lib/html.js';
import {
  campaignEta,
  ErrorNote,
  formatDuration,
  formatShare,
  formatTime,
  ProgressBar,
  StatusBadge,
} from '../lib/ui.js';

// The list is polled (one stream per row would be one connection per campaign); 2 s is the issue's bound.
const POLL_MS = 2_000;
const STATUSES = ['running', 'paused', 'completed', 'cancelled'];

/** Dials so far in the report's last-60-minute window; its change between polls is the pace. */
const dialedIn = (report) => (report?.callsPerMinute ?? []).reduce((sum, m) => sum + m.calls, 0);

export function CampaignsPage() {
  const [pages, setPages] = useState([]);
  const [nextCursor, setNextCursor] = useState(null);
  const [details, setDetails] = useState({});
  const [filter, setFilter] = useState({ status: '', name: '' });
  const [error, setError] = useState(null);
  const history = useRef({});
  const known = useRef({});

  async function loadPage(cursor) {
    try {
      const page = await api(`/campaigns${query({ limit: 20, cursor })}`);
      setPages((old) => (cursor ? [...old, ...page.items] : page.items));
      setNextCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    }
  }

  useEffect(() => {
    loadPage();
  }, []);

  useEffect(() => {
    let stopped = false;
    async function poll() {
      // Finished campaigns do not change: fetched once.
      const wanted = pages.filter((c) => !['completed', 'cancelled'].includes(known.current[c.id]?.status));
      const fresh = await Promise.all(wanted.map((c) => api(`/campaigns/${c.id}`).catch(() => null)));
      if (stopped) return;
      const now = Date.now();
      const next = {};
      for (const detail of fresh.filter(Boolean)) {
        const samples = [...(history.current[detail.id] ?? []), { at: now, dialed: dialedIn(detail.report) }].slice(-4);
        history.current[detail.id] = samples;
        const first = samples[0];
        const rate =
          samples.length > 1 ? Math.max(0, ((samples.at(-1).dialed - first.dialed) * 1000) / (now - first.at)) : 0;
        next[detail.id] = { ...detail, callsPerSecond: Math.round(rate * 10) / 10 };
      }
      Object.assign(known.current, next);
      setDetails((old) => ({ ...old, ...next }));
    }
    poll();
    const timer = setInterval(poll, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [pages]);

  const shown = pages
    .map((c) => details[c.id] ?? c)
    .filter((c) => !filter.status || c.status === filter.status)
    .filter((c) => !filter.name || c.name.toLowerCase().includes(filter.name.toLowerCase()));

  return html`<section aria-labelledby="campaigns-title">
    <div class="title-row">
      <h1 id="campaigns-title">Campaigns</h1>
      <a class="button" href="#/campaigns/new">New campaign</a>
    </div>
    <form class="filters" role="search" onSubmit=${(e) => e.preventDefault()}>
      <label>Status
        <select value=${filter.status} onChange=${(e) => setFilter({ ...filter, status: e.currentTarget.value })}>
          <option value="">all</option>
          ${STATUSES.map((s) => html`<option value=${s}>${s}</option>`)}
        </select>
      </label>
      <label>Name contains
        <input type="search" value=${filter.name} onInput=${(e) => setFilter({ ...filter, name: e.currentTarget.value })} />
      </label>
    </form>
    <${ErrorNote} error=${error} />
    <div class="table-wrap">
      <table class="campaigns">
        <caption class="sr-only">Your campaigns, newest first; refreshed every 2 seconds</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Status</th><th scope="col">Progress</th>
          <th scope="col">Calls/s</th><th scope="col">ETA</th><th scope="col">Share</th><th scope="col">Recipients</th></tr></thead>
        <tbody>
          ${shown.map((c) => html`<${CampaignRow} key=${c.id} campaign=${c} />`)}
          ${shown.length === 0 && html`<tr><td colspan="7" class="muted">No campaigns${pages.length ? ' match the filters' : ' yet'}.</td></tr>`}
        </tbody>
      </table>
    </div>
    ${nextCursor && html`<button type="button" onClick=${() => loadPage(nextCursor)}>Load more</button>`}
  </section>`;
}

function CampaignRow({ campaign: c }) {
  const report = c.report;
  const running = c.status === 'running';
  const eta = report ? campaignEta(c, c.callsPerSecond) : { source: null };
  return html`<tr data-campaign=${c.id}>
    <th scope="row"><a href=${`#/campaigns/${c.id}`}>${c.name}</a></th>
    <td><${StatusBadge} status=${c.status} /></td>
    <td><${ProgressBar} value=${report?.recipients.progressPercent ?? 0} label=${`Progress of ${c.name}`} /></td>
    <td>${running && c.callsPerSecond !== undefined ? c.callsPerSecond : '–'}</td>
    <td data-eta-source=${eta.source ?? undefined} title=${eta.at ? `estimated finish ${formatTime(eta.at)}` : undefined}>
      ${eta.source ? formatDuration(eta.seconds) : '–'}</td>
    <td>${running ? formatShare(c) : '–'}</td>
    <td>${report ? `${report.recipients.finished} / ${report.recipients.total}` : c.recipientCount}</td>
  </tr>`;
}
