import { html } from './html.js';
import { Field } from './ui.js';

/** Outcomes a retry may name (the API's RETRYABLE_OUTCOMES). */
export const RETRYABLE = ['busy', 'cancelled', 'failed', 'timeout', 'unanswered', 'machine', 'error'];
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

export const SAMPLE_NCCO = JSON.stringify(
  [{ action: 'talk', text: 'Hello {{name}}, this is a reminder from callcast.', language: 'en-GB' }],
  null,
  2,
);

/**
 * Puts each validation_failed detail under its form control: the first path segment picks the
 * control (`ncco.0.text` → the NCCO editor, `callWindow.end` → the window), and the full path is
 * kept in the message so the operator sees which action of the NCCO is wrong.
 */
export function errorsByControl(fieldErrors, controls) {
  const out = {};
  for (const [path, message] of Object.entries(fieldErrors)) {
    const [head, second] = path.split('.');
    const control = controls[`${head}.${second}`] ?? controls[head] ?? 'form';
    const text = path.includes('.') ? `${path}: ${message}` : message;
    out[control] = out[control] ? `${out[control]}; ${text}` : text;
  }
  return out;
}

// `at` must be in the future when the API checks it: a call "now" is due a moment after sending.
const NOW_LEAD_MS = 3_000;
export const soonIso = () => new Date(Date.now() + NOW_LEAD_MS).toISOString();

/** Parses the NCCO editor's text; a JSON syntax error is reported at the editor before any request. */
export function parseNcco(text) {
  try {
    return { ncco: JSON.parse(text) };
  } catch (err) {
    return { error: `Not valid JSON: ${err.message}` };
  }
}

/** The optional `responses` text: empty means none; a JSON syntax error is reported at its field. */
export function parseResponses(text) {
  if (!text.trim()) return { responses: undefined };
  try {
    return { responses: JSON.parse(text) };
  } catch (err) {
    return { error: `Not valid JSON: ${err.message}` };
  }
}

/** Labels for the answers of the NCCO's `input` actions (issue 13), e.g. {"1": {"label": "confirmed"}}. */
export function ResponsesEditor({ value, onInput, error, id = 'responses' }) {
  return html`<${Field} id=${id} label="Answer labels (responses JSON, optional)" error=${error}
    hint='Keys are pressed digits, "timeout" or "other": {"1": {"label": "confirmed"}, "timeout": {"label": "no_answer"}}'>
    ${(props) => html`<textarea ...${props} class="code" rows="4" spellcheck="false" value=${value}
      onInput=${(e) => onInput(e.currentTarget.value)}></textarea>`}
  <//>`;
}

export function NccoEditor({ value, onInput, error, id = 'ncco' }) {
  return html`<${Field} id=${id} label="NCCO (JSON)" error=${error}
    hint="An array of Vonage NCCO actions; {{column}} placeholders take the CSV's extra columns.">
    ${(props) => html`<textarea ...${props} class="code" rows="8" spellcheck="false" value=${value}
      onInput=${(e) => onInput(e.currentTarget.value)}></textarea>`}
  <//>`;
}

/** Calling window: local start, end and weekdays; off means any time. */
export function WindowFields({ value, onChange, error }) {
  const set = (patch) => onChange({ ...value, ...patch });
  const toggleDay = (day) =>
    set({ days: value.days.includes(day) ? value.days.filter((d) => d !== day) : [...value.days, day].sort() });
  return html`<fieldset class=${error ? 'has-error' : ''} aria-describedby=${error ? 'window-error' : undefined}>
    <legend>Calling window</legend>
    <label class="inline"><input type="checkbox" checked=${value.enabled} onChange=${(e) => set({ enabled: e.currentTarget.checked })} />
      Only call within a daily window</label>
    ${
      value.enabled &&
      html`<div class="row">
      <label>From <input type="time" id="window-start" value=${value.start} onInput=${(e) => set({ start: e.currentTarget.value })} /></label>
      <label>Until <input type="time" id="window-end" value=${value.end} onInput=${(e) => set({ end: e.currentTarget.value })} /></label>
    </div>
    <div class="row days" role="group" aria-label="Days">
      ${DAYS.map(
        (name, i) => html`<label class="inline"><input type="checkbox" checked=${value.days.includes(i + 1)}
        onChange=${() => toggleDay(i + 1)} /> ${name}</label>`,
      )}
    </div>`
    }
    ${error && html`<p id="window-error" class="field-error" role="alert" data-field-error="window">${error}</p>`}
  </fieldset>`;
}

export function RetryFields({ value, onChange, error }) {
  const set = (patch) => onChange({ ...value, ...patch });
  const toggle = (outcome) =>
    set({
      retryOn: value.retryOn.includes(outcome)
        ? value.retryOn.filter((o) => o !== outcome)
        : [...value.retryOn, outcome],
    });
  return html`<fieldset class=${error ? 'has-error' : ''} aria-describedby=${error ? 'retry-error' : undefined}>
    <legend>Retry policy</legend>
    <div class="row">
      <label>Attempts per number <input type="number" id="retry-max" min="1" max="10" value=${value.maxAttempts}
        onInput=${(e) => set({ maxAttempts: Number(e.currentTarget.value) })} /></label>
      <label>Seconds between attempts <input type="number" id="retry-delay" min="0" value=${value.delaySeconds}
        onInput=${(e) => set({ delaySeconds: Number(e.currentTarget.value) })} /></label>
    </div>
    <div class="row" role="group" aria-label="Retry on">
      ${RETRYABLE.map((o) => html`<label class="inline"><input type="checkbox" checked=${value.retryOn.includes(o)} onChange=${() => toggle(o)} /> ${o}</label>`)}
    </div>
    ${error && html`<p id="retry-error" class="field-error" role="alert" data-field-error="retry">${error}</p>`}
  </fieldset>`;
}

/** The API body parts for the window and retry controls. */
export function windowBody(window) {
  return window.enabled ? { start: window.start, end: window.end, days: window.days } : undefined;
}
