import { html } from './html.js';

/** A labelled form control; `error` is shown under it and announced (aria-describedby + role=alert). */
export function Field({ id, label, error, hint, children }) {
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return html`<div class=${`field${error ? ' has-error' : ''}`}>
    <label for=${id}>${label}</label>
    ${children({ id, 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') || undefined })}
    ${hint && html`<small id=${hintId} class="hint">${hint}</small>`}
    ${error && html`<p id=${errorId} class="field-error" role="alert" data-field-error=${id}>${error}</p>`}
  </div>`;
}

export function ProgressBar({ value, label }) {
  const percent = Math.max(0, Math.min(100, Number(value) || 0));
  return html`<div class="progress" role="progressbar" aria-label=${label} aria-valuemin="0" aria-valuemax="100"
    aria-valuenow=${percent} aria-valuetext=${`${percent.toFixed(1)} %`}>
    <div class="progress-fill" style=${`width:${percent}%`}></div>
    <span class="progress-text">${percent.toFixed(1)} %</span>
  </div>`;
}

/** A horizontal bar chart of { name: count }, with the numbers as text so it reads without colour. */
export function BarChart({ title, counts, empty = 'Nothing yet' }) {
  const entries = Object.entries(counts ?? {}).sort((a, b) => b[1] - a[1]);
  const max = Math.max(1, ...entries.map(([, n]) => n));
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  return html`<figure class="bars">
    <figcaption>${title}</figcaption>
    ${entries.length === 0 && html`<p class="muted">${empty}</p>`}
    <ul>
      ${entries.map(
        ([name, n]) => html`<li key=${name} data-name=${name} data-count=${n}>
          <span class="bar-name">${name}</span>
          <span class="bar-track"><span class=${`bar-fill tone-${name}`} style=${`width:${(n / max) * 100}%`}></span></span>
          <span class="bar-value">${n}${total > 0 ? ` (${Math.round((n / total) * 100)} %)` : ''}</span>
        </li>`,
      )}
    </ul>
  </figure>`;
}

export function StatusBadge({ status }) {
  return html`<span class=${`badge status-${status}`}>${status}</span>`;
}

export function ErrorNote({ error }) {
  if (!error) return null;
  return html`<p class="error" role="alert">${error.code ? `${error.code}: ` : ''}${error.message ?? String(error)}</p>`;
}

/** "1 h 5 min", "42 s"; null when unknown. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Seconds left at the current pace, for recipients still to finish. */
export function etaSeconds(remaining, callsPerSecond) {
  if (!remaining) return 0;
  if (!callsPerSecond || callsPerSecond <= 0) return null;
  return remaining / callsPerSecond;
}

/**
 * The ETA of a running campaign: the API's calling-window-aware `dispatch.estimatedFinishAt` when
 * it gives one (issue 12), else remaining ÷ the page's own calls/s. `source` says which.
 */
export function campaignEta(campaign, callsPerSecond, now = Date.now()) {
  if (campaign.status !== 'running') return { seconds: null, source: null, at: null };
  const at = campaign.dispatch?.estimatedFinishAt ?? null;
  if (at) return { seconds: Math.max(0, (Date.parse(at) - now) / 1000), source: 'api', at };
  const remaining = campaign.report?.recipients.remaining;
  if (remaining === undefined) return { seconds: null, source: null, at: null };
  return { seconds: etaSeconds(remaining, callsPerSecond), source: 'page', at: null };
}

/** A running campaign's share of the rate (API `dispatch.share`, 0–1) as "42 %"; – when unknown or not running. */
export const formatShare = (campaign) => {
  const share = campaign.status === 'running' ? campaign.dispatch?.share : null;
  return typeof share === 'number' ? `${Math.round(share * 100)} %` : '–';
};

export const formatTime = (iso) => (iso ? new Date(iso).toLocaleString() : '–');
