import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../lib/api.js';
import { html } from '../lib/html.js';
import { ErrorNote, Field, formatTime } from '../lib/ui.js';

const lines = (text) =>
  text
    .split(/[\n,;]+/)
    .map((n) => n.trim())
    .filter(Boolean);

export function SuppressionsPage() {
  const [search, setSearch] = useState('');
  const [page, setPage] = useState({ items: [], nextCursor: null });
  const [numbers, setNumbers] = useState('');
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');

  async function load(after) {
    setError(null);
    try {
      const prefix = search.trim().replace(/[\s()-]/g, '');
      const answer = await api(`/suppressions${query({ limit: 50, cursor: after, number: prefix })}`);
      setPage((old) => (after ? { items: [...old.items, ...answer.items], nextCursor: answer.nextCursor } : answer));
    } catch (err) {
      setError(err);
    }
  }
  useEffect(() => {
    load();
  }, []);

  async function change(method) {
    setError(null);
    try {
      const answer = await api('/suppressions', { method, body: { numbers: lines(numbers) } });
      const changed = method === 'POST' ? `${answer.added} added` : `${answer.removed} removed`;
      setNotice(
        `${changed}, ${answer.rejectedCount} rejected${answer.rejected.length ? `: ${answer.rejected.map((r) => `${r.number} (${r.code})`).join(', ')}` : ''}.`,
      );
      load();
    } catch (err) {
      setError(err);
    }
  }
  async function removeOne(number) {
    try {
      await api(`/suppressions/${encodeURIComponent(number)}`, { method: 'DELETE' });
      setNotice(`${number} removed.`);
      load();
    } catch (err) {
      setError(err);
    }
  }

  return html`<section aria-labelledby="supp-title">
    <h1 id="supp-title">Suppressions</h1>
    <p>Numbers on this list are never called by your campaigns or reminders.</p>
    <form class="stack card" onSubmit=${(e) => {
      e.preventDefault();
      change('POST');
    }}>
      <${Field} id="supp-numbers" label="Numbers (one per line)">
        ${(props) => html`<textarea ...${props} rows="4" value=${numbers} onInput=${(e) => setNumbers(e.currentTarget.value)}></textarea>`}
      <//>
      <div class="row"><button type="submit" disabled=${!numbers.trim()}>Add to list</button>
        <button type="button" disabled=${!numbers.trim()} onClick=${() => change('DELETE')}>Remove from list</button></div>
    </form>
    <p aria-live="polite" class="ok">${notice}</p>
    <${ErrorNote} error=${error} />
    <form class="filters" role="search" onSubmit=${(e) => {
      e.preventDefault();
      load();
    }}>
      <label>Number starts with <input type="search" inputmode="tel" value=${search} onInput=${(e) => setSearch(e.currentTarget.value)} /></label>
      <button type="submit">Search</button>
    </form>
    <div class="table-wrap"><table>
      <caption class="sr-only">Suppressed numbers</caption>
      <thead><tr><th scope="col">Number</th><th scope="col">Added</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
      <tbody>${page.items.map(
        (s) => html`<tr key=${s.number}><td>${s.number}</td><td>${formatTime(s.createdAt)}</td>
        <td><button type="button" class="link" aria-label=${`Remove ${s.number}`} onClick=${() => removeOne(s.number)}>Remove</button></td></tr>`,
      )}
        ${page.items.length === 0 && html`<tr><td colspan="3" class="muted">No numbers${search ? ' match' : ' on the list'}.</td></tr>`}
      </tbody></table></div>
    ${page.nextCursor && html`<button type="button" onClick=${() => load(page.nextCursor)}>Load more</button>`}
  </section>`;
}
