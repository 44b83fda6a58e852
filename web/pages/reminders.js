import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, query } from '../lib/api.js';
import { errorsByControl, NccoEditor, parseNcco, SAMPLE_NCCO, soonIso } from '../lib/call-fields.js';
import { html } from '../lib/html.js';
import { BarChart, ErrorNote, Field, formatTime, StatusBadge } from '../lib/ui.js';

const CONTROLS = { to: 'r-to', from: 'r-from', ncco: 'r-ncco', at: 'r-at', recurrence: 'r-cron', timezone: 'r-tz' };

export function RemindersPage() {
  const [items, setItems] = useState([]);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  const load = async (after) => {
    try {
      const page = await api(`/reminders${query({ limit: 20, cursor: after })}`);
      setItems((old) => (after ? [...old, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (err) {
      setError(err);
    }
  };
  useEffect(() => {
    load();
  }, []);
  return html`<section aria-labelledby="reminders-title">
    <h1 id="reminders-title">Reminders</h1>
    <${ErrorNote} error=${error} />
    <div class="table-wrap"><table>
      <caption class="sr-only">Your reminders</caption>
      <thead><tr><th scope="col">To</th><th scope="col">Status</th><th scope="col">When</th><th scope="col">Next run</th><th scope="col">Runs</th></tr></thead>
      <tbody>
        ${items.map(
          (r) => html`<tr key=${r.id}>
          <th scope="row"><a href=${`#/reminders/${r.id}`}>${r.to}</a></th><td><${StatusBadge} status=${r.status} /></td>
          <td>${r.recurrence ? `${r.recurrence.cron} (${r.recurrence.timezone})` : formatTime(r.at)}</td>
          <td>${formatTime(r.nextRunAt)}</td><td>${r.runCount}</td></tr>`,
        )}
        ${items.length === 0 && html`<tr><td colspan="5" class="muted">No reminders yet.</td></tr>`}
      </tbody></table></div>
    ${cursor && html`<button type="button" onClick=${() => load(cursor)}>Load more</button>`}
    <${CreateReminder} onCreated=${() => load()} />
  </section>`;
}

function CreateReminder({ onCreated }) {
  const [form, setForm] = useState({
    to: '',
    from: '',
    ncco: SAMPLE_NCCO,
    when: 'once',
    at: '',
    cron: '0 9 * * 1-5',
    timezone: 'Europe/Amsterdam',
  });
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [notice, setNotice] = useState('');
  const set = (patch) => setForm({ ...form, ...patch });
  async function submit(event) {
    event.preventDefault();
    setFailure(null);
    const { ncco, error } = parseNcco(form.ncco);
    if (error) return setErrors({ 'r-ncco': error });
    setErrors({});
    const schedule =
      form.when === 'once'
        ? { at: form.at ? new Date(form.at).toISOString() : soonIso() }
        : { recurrence: { cron: form.cron, timezone: form.timezone } };
    try {
      const created = await api('/reminders', {
        method: 'POST',
        body: { to: form.to, from: form.from, ncco, ...schedule },
      });
      setNotice(`Reminder ${created.id} created.`);
      onCreated();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'validation_failed')
        setErrors(errorsByControl(err.fieldErrors(), CONTROLS));
      else setFailure(err);
    }
  }
  const input = (id, label, key, type = 'text') => html`<${Field} id=${id} label=${label} error=${errors[id]}>
    ${(props) => html`<input ...${props} type=${type} value=${form[key]} onInput=${(e) => set({ [key]: e.currentTarget.value })} />`}
  <//>`;
  return html`<form class="stack card" onSubmit=${submit} novalidate aria-labelledby="create-reminder">
    <h2 id="create-reminder">New reminder</h2>
    <div class="row">${input('r-to', 'To', 'to', 'tel')}${input('r-from', 'From', 'from', 'tel')}</div>
    <${NccoEditor} id="r-ncco" value=${form.ncco} error=${errors['r-ncco']} onInput=${(ncco) => set({ ncco })} />
    <fieldset><legend>When</legend>
      <label class="inline"><input type="radio" name="when" checked=${form.when === 'once'} onChange=${() => set({ when: 'once' })} /> Once</label>
      <label class="inline"><input type="radio" name="when" checked=${form.when === 'cron'} onChange=${() => set({ when: 'cron' })} /> Repeating</label>
      ${form.when === 'once' ? input('r-at', 'At (empty = now)', 'at', 'datetime-local') : html`<div class="row">${input('r-cron', 'Cron (min hour day month weekday)', 'cron')}${input('r-tz', 'Time zone', 'timezone')}</div>`}
    </fieldset>
    <${ErrorNote} error=${failure} />
    <p aria-live="polite">${notice}</p>
    <button type="submit">Create reminder</button>
  </form>`;
}

export function ReminderPage({ id }) {
  const [reminder, setReminder] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api(`/reminders/${id}`).then(setReminder, setError);
  useEffect(() => {
    load();
    const timer = setInterval(load, 2_000);
    return () => clearInterval(timer);
  }, [id]);
  async function remove() {
    if (!confirm('Delete this reminder? Waiting calls are withdrawn.')) return;
    try {
      setReminder(await api(`/reminders/${id}`, { method: 'DELETE' }));
    } catch (err) {
      setError(err);
    }
  }
  if (!reminder) return html`<section><${ErrorNote} error=${error} /><p>Loading…</p></section>`;
  return html`<section aria-labelledby="reminder-title">
    <div class="title-row"><h1 id="reminder-title">Reminder to ${reminder.to}</h1><${StatusBadge} status=${reminder.status} /></div>
    <${ErrorNote} error=${error} />
    <dl class="stats">
      <div><dt>From</dt><dd>${reminder.from}</dd></div>
      <div><dt>Schedule</dt><dd>${reminder.recurrence ? `${reminder.recurrence.cron} (${reminder.recurrence.timezone})` : formatTime(reminder.at)}</dd></div>
      <div><dt>Next run</dt><dd>${formatTime(reminder.nextRunAt)}</dd></div>
      <div><dt>Runs</dt><dd>${reminder.runCount}</dd></div>
    </dl>
    ${reminder.status === 'active' && html`<button type="button" class="danger" onClick=${remove}>Delete reminder</button>`}
    ${
      reminder.answers &&
      html`<${BarChart} title="Answers per label (all runs)" counts=${reminder.answers.byLabel}
      empty="No answers yet" />`
    }
    ${
      reminder.runs?.length > 0 &&
      html`<h2>Runs</h2>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Run</th><th scope="col">Outcome</th><th scope="col">Answer</th><th scope="col">Digits</th></tr></thead>
        <tbody>${reminder.runs.map(
          (r) => html`<tr key=${r.run}><td>${r.run}</td><td>${r.outcome ?? '–'}</td>
          <td>${r.label ?? '–'}</td><td>${r.digits ?? '–'}</td></tr>`,
        )}</tbody>
      </table></div>`
    }
    <h2>Attempts</h2>
    <div class="table-wrap" aria-live="polite"><table>
      <thead><tr><th scope="col">Run</th><th scope="col">Attempt</th><th scope="col">Status</th><th scope="col">Outcome</th>
        <th scope="col">Answer</th><th scope="col">Due</th><th scope="col">Duration</th></tr></thead>
      <tbody>${reminder.attempts.map(
        (a) => html`<tr key=${a.id}><td>${a.run ?? '–'}</td><td>${a.attemptNo}</td><td>${a.status}</td>
        <td>${a.outcome ?? '–'}</td><td>${[a.label, a.digits].filter(Boolean).join(' · ') || '–'}</td><td>${formatTime(a.dueAt)}</td><td>${a.durationSeconds ?? '–'}</td></tr>`,
      )}
        ${reminder.attempts.length === 0 && html`<tr><td colspan="7" class="muted">No attempts yet.</td></tr>`}
      </tbody></table></div>
  </section>`;
}
