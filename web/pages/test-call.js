import { useEffect, useState } from 'preact/hooks';
import { ApiError, api } from '../lib/api.js';
import { parseNcco, soonIso } from '../lib/call-fields.js';
import { html } from '../lib/html.js';
import { ErrorNote, Field } from '../lib/ui.js';

// How often the test call's reminder is re-read while its call is under way.
const POLL_MS = 2_000;

/**
 * Calls one number with the campaign's NCCO before the campaign exists: a one-off reminder due now
 * (POST /v1/reminders with `at`), followed until its attempt ends.
 */
export function TestCall({ from, ncco }) {
  const [to, setTo] = useState('');
  const [reminder, setReminder] = useState(null);
  const [error, setError] = useState(null);

  useEffect(() => {
    if (reminder?.status !== 'active') return undefined;
    const timer = setInterval(async () => {
      setReminder(await api(`/reminders/${reminder.id}`).catch(() => reminder));
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [reminder?.id, reminder?.status]);

  async function call() {
    setError(null);
    const parsed = parseNcco(ncco);
    if (parsed.error) return setError({ message: `NCCO: ${parsed.error}` });
    try {
      const created = await api('/reminders', { method: 'POST', body: { to, from, ncco: parsed.ncco, at: soonIso() } });
      setReminder(await api(`/reminders/${created.id}`));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'validation_failed') {
        setError({
          message: Object.entries(err.fieldErrors())
            .map(([f, m]) => `${f}: ${m}`)
            .join('; '),
        });
      } else setError(err);
    }
  }

  const attempt = reminder?.attempts?.[0];
  return html`<fieldset class="test-call">
    <legend>Test call</legend>
    <div class="row">
      <${Field} id="test-number" label="Call this number first">
        ${(props) => html`<input ...${props} type="tel" value=${to} placeholder="+31612345678" onInput=${(e) => setTo(e.currentTarget.value)} />`}
      <//>
      <button type="button" onClick=${call} disabled=${!to}>Place test call</button>
    </div>
    <${ErrorNote} error=${error} />
    ${
      reminder &&
      html`<p aria-live="polite" data-test-call>Test call <a href=${`#/reminders/${reminder.id}`}>${reminder.id.slice(0, 8)}</a>:
      ${attempt ? `${attempt.status}${attempt.outcome ? ` (${attempt.outcome})` : ''}` : 'scheduled'}</p>`
    }
  </fieldset>`;
}
