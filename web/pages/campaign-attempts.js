import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../lib/api.js';
import { html } from '../lib/html.js';
import { ErrorNote, formatTime } from '../lib/ui.js';

const OUTCOMES = [
  'completed',
  'busy',
  'cancelled',
  'failed',
  'rejected',
  'timeout',
  'unanswered',
  'machine',
  'error',
  'skipped',
];
const PAGE_SIZE = 25;

/** The answer label of an attempt, under whichever name the API gives it (issue 13 adds labels). */
const labelOf = (a) => a.label ?? a.answer?.label ?? a.answerLabel ?? null;

/** GET /v1/campaigns/:id/calls with filters, paged through the API's cursors (a stack for "previous"). */
/** The labels a campaign's `responses` can give (`timeout`/`other` default to their key), sorted. */
export function responseLabels(responses) {
  if (!responses || typeof responses !== 'object') return [];
  const labels = Object.entries(responses).map(([key, answer]) => answer?.label ?? key);
  return [...new Set(labels)].sort();
}

/** A choice of the campaign's labels when it has `responses`, else free text. */
function LabelFilter({ value, labels, onChange }) {
  if (labels.length === 0)
    return html`<label>Label <input type="search" value=${value} onInput=${(e) => onChange(e.currentTarget.value)} /></label>`;
  return html`<label>Label
    <select value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
      <option value="">any</option>
      ${labels.map((l) => html`<option value=${l}>${l}</option>`)}
    </select>
  </label>`;
}

export function AttemptsTable({ campaignId, refreshKey, labels = [] }) {
  const [filters, setFilters] = useState({ outcome: '', number: '', label: '' });
  const [applied, setApplied] = useState(filters);
  const [cursors, setCursors] = useState([undefined]);
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const cursor = cursors.at(-1);

  useEffect(() => {
    let stale = false;
    const params = { limit: PAGE_SIZE, cursor, ...applied };
    api(`/campaigns/${campaignId}/calls${query(params)}`).then(
      (answer) => {
        if (stale) return;
        setPage(answer);
        setError(null);
      },
      (err) => !stale && setError(err),
    );
    return () => {
      stale = true;
    };
  }, [campaignId, cursor, applied, refreshKey]);

  const apply = (event) => {
    event.preventDefault();
    setApplied({ ...filters });
    setCursors([undefined]);
  };
  const showLabels = page?.items.some((a) => labelOf(a) !== null);

  return html`<section aria-labelledby="attempts-title">
    <h2 id="attempts-title">Attempts</h2>
    <form class="filters" role="search" aria-label="Filter attempts" onSubmit=${apply}>
      <label>Outcome
        <select value=${filters.outcome} onChange=${(e) => setFilters({ ...filters, outcome: e.currentTarget.value })}>
          <option value="">any</option>
          ${OUTCOMES.map((o) => html`<option value=${o}>${o}</option>`)}
        </select>
      </label>
      <label>Number <input type="search" value=${filters.number} inputmode="tel"
        onInput=${(e) => setFilters({ ...filters, number: e.currentTarget.value })} /></label>
      <${LabelFilter} value=${filters.label} labels=${labels} onChange=${(label) => setFilters({ ...filters, label })} />
      <button type="submit">Filter</button>
    </form>
    <${ErrorNote} error=${error} />
    <div class="table-wrap">
      <table>
        <caption class="sr-only">Call attempts, oldest first</caption>
        <thead><tr><th scope="col">Number</th><th scope="col">#</th><th scope="col">Status</th><th scope="col">Outcome</th>
          ${showLabels && html`<th scope="col">Label</th>`}<th scope="col">Dialed</th><th scope="col">Duration</th><th scope="col">Detail</th></tr></thead>
        <tbody>
          ${page?.items.map(
            (a) => html`<tr key=${a.id}>
              <td>${a.number}</td><td>${a.attemptNo}</td><td>${a.status}</td><td>${a.outcome ?? '–'}</td>
              ${showLabels && html`<td>${labelOf(a) ?? '–'}</td>`}
              <td>${formatTime(a.dialStartedAt)}</td><td>${a.durationSeconds ?? '–'}</td><td>${a.detail ?? ''}</td>
            </tr>`,
          )}
          ${page && page.items.length === 0 && html`<tr><td colspan="8" class="muted">No attempts match.</td></tr>`}
        </tbody>
      </table>
    </div>
    <nav class="pager" aria-label="Attempt pages">
      <button type="button" disabled=${cursors.length < 2} onClick=${() => setCursors(cursors.slice(0, -1))}>Previous</button>
      <span>Page ${cursors.length}</span>
      <button type="button" disabled=${!page?.nextCursor} onClick=${() => setCursors([...cursors, page.nextCursor])}>Next</button>
    </nav>
  </section>`;
}
