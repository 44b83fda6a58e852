import { useState } from 'preact/hooks';
import { ApiError, api } from '../lib/api.js';
import {
  errorsByControl,
  NccoEditor,
  parseNcco,
  parseResponses,
  ResponsesEditor,
  RetryFields,
  SAMPLE_NCCO,
  WindowFields,
  windowBody,
} from '../lib/call-fields.js';
import { sendRecipients, UploadProgress } from '../lib/csv-upload.js';
import { html } from '../lib/html.js';
import { ErrorNote, Field } from '../lib/ui.js';
import { TestCall } from './test-call.js';

/** validation_failed paths → the control that shows them. */
const CONTROLS = {
  name: 'name',
  from: 'from',
  timezone: 'timezone',
  startAt: 'start',
  ncco: 'ncco',
  responses: 'responses',
  callWindow: 'window',
  retry: 'retry',
};

const initial = {
  name: '',
  from: '',
  timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
  start: '',
  ncco: SAMPLE_NCCO,
  responses: '',
  window: { enabled: false, start: '09:00', end: '20:00', days: [1, 2, 3, 4, 5] },
  retry: { maxAttempts: 3, delaySeconds: 900, retryOn: ['busy', 'unanswered', 'timeout'] },
};

function campaignBody(form, ncco, responses) {
  return {
    name: form.name,
    from: form.from,
    ncco,
    ...(responses && { responses }),
    timezone: form.timezone,
    ...(form.start && { startAt: new Date(form.start).toISOString() }),
    ...(form.window.enabled && { callWindow: windowBody(form.window) }),
    retry: form.retry,
  };
}

export function NewCampaignPage() {
  const [form, setForm] = useState(initial);
  const [file, setFile] = useState(null);
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  const [progress, setProgress] = useState(null);
  const [uploaded, setUploaded] = useState(null);
  const [createdId, setCreatedId] = useState(null);
  const set = (patch) => setForm({ ...form, ...patch });

  async function submit(event) {
    event.preventDefault();
    setFailure(null);
    const { ncco, error } = parseNcco(form.ncco);
    const parsed = parseResponses(form.responses);
    if (error || parsed.error) return setErrors({ ncco: error, responses: parsed.error });
    setErrors({});
    setBusy(true);
    try {
      const created = await api('/campaigns', { method: 'POST', body: campaignBody(form, ncco, parsed.responses) });
      setCreatedId(created.id);
      if (file) {
        setProgress({ loaded: 0, total: file.size });
        setUploaded(await sendRecipients(created.id, file, setProgress));
      }
      location.hash = `#/campaigns/${created.id}`;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'validation_failed')
        setErrors(errorsByControl(err.fieldErrors(), CONTROLS));
      else setFailure(err);
    } finally {
      setBusy(false);
    }
  }

  const text = (
    id,
    label,
    key,
    extra = {},
  ) => html`<${Field} id=${id} label=${label} error=${errors[id]} hint=${extra.hint}>
    ${(props) => html`<input ...${props} type=${extra.type ?? 'text'} required=${extra.required} value=${form[key]}
      placeholder=${extra.placeholder} onInput=${(e) => set({ [key]: e.currentTarget.value })} />`}
  <//>`;

  return html`<section aria-labelledby="new-title">
    <h1 id="new-title">New campaign</h1>
    <form class="stack" onSubmit=${submit} novalidate>
      ${text('name', 'Name', 'name', { required: true })}
      ${text('from', 'Caller id (from)', 'from', { required: true, type: 'tel', placeholder: '+31201234567' })}
      <${Field} id="csv" label="Recipients (CSV file)" hint="Header: number[,timezone][,other columns for {{placeholders}}]">
        ${(props) => html`<input ...${props} type="file" accept=".csv,text/csv" onChange=${(e) => setFile(e.currentTarget.files[0] ?? null)} />`}
      <//>
      <${NccoEditor} value=${form.ncco} error=${errors.ncco} onInput=${(ncco) => set({ ncco })} />
      <${ResponsesEditor} value=${form.responses} error=${errors.responses} onInput=${(responses) => set({ responses })} />
      <${TestCall} from=${form.from} ncco=${form.ncco} />
      <div class="row">
        ${text('timezone', 'Time zone', 'timezone', { hint: 'IANA name, e.g. Europe/Amsterdam' })}
        ${text('start', 'Start at (optional)', 'start', { type: 'datetime-local' })}
      </div>
      <${WindowFields} value=${form.window} error=${errors.window} onChange=${(window) => set({ window })} />
      <${RetryFields} value=${form.retry} error=${errors.retry} onChange=${(retry) => set({ retry })} />
      ${errors.form && html`<p class="error" role="alert">${errors.form}</p>`}
      <${ErrorNote} error=${failure} />
      ${
        failure &&
        createdId &&
        html`<p>The campaign was created without these recipients:
        <a href=${`#/campaigns/${createdId}`}>open it</a> to upload a corrected file.</p>`
      }
      <${UploadProgress} progress=${progress} result=${uploaded} />
      <button type="submit" disabled=${busy}>${busy ? 'Creating…' : 'Create campaign'}</button>
    </form>
  </section>`;
}
