import { useState } from 'preact/hooks';
import { uploadCsv } from './api.js';
import { html } from './html.js';
import { ErrorNote } from './ui.js';

/** Sends `file` to /v1/campaigns/:id/recipients; progress as { loaded, total } while it goes. */
export async function sendRecipients(campaignId, file, onProgress) {
  return uploadCsv(`/campaigns/${campaignId}/recipients`, file, (loaded, total) => onProgress({ loaded, total }));
}

export function UploadProgress({ progress, result }) {
  if (!progress && !result) return null;
  const percent = progress?.total ? Math.round((progress.loaded / progress.total) * 100) : 0;
  return html`<div class="upload-progress" aria-live="polite">
    ${
      progress &&
      !result &&
      html`<label>Uploading recipients
      <progress max="100" value=${percent} aria-valuetext=${`${percent} %`}>${percent} %</progress>
      <span>${(progress.loaded / 1024).toFixed(1)} / ${(progress.total / 1024).toFixed(1)} KiB</span></label>`
    }
    ${
      result &&
      html`<p class="ok" data-upload-result>
      ${result.accepted} recipients added, ${result.rejectedCount} rejected.</p>
      ${
        result.rejected?.length > 0 &&
        html`<details><summary>Rejected rows</summary><ul>
        ${result.rejected.map((r) => html`<li>line ${r.line ?? r.index + 1}: ${r.number} — ${r.code}</li>`)}</ul></details>`
      }`
    }
  </div>`;
}

/** A file picker that adds recipients to an existing campaign. */
export function AddRecipients({ campaignId, disabled, onDone }) {
  const [file, setFile] = useState(null);
  const [progress, setProgress] = useState(null);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  async function submit(event) {
    event.preventDefault();
    if (!file) return;
    setResult(null);
    setError(null);
    setProgress({ loaded: 0, total: file.size });
    try {
      setResult(await sendRecipients(campaignId, file, setProgress));
      onDone?.();
    } catch (err) {
      setError(err);
    } finally {
      setProgress(null);
    }
  }
  return html`<form class="add-recipients" onSubmit=${submit}>
    <label for="add-csv">Add recipients (CSV: number[,timezone][,data columns])</label>
    <input id="add-csv" type="file" accept=".csv,text/csv" disabled=${disabled}
      onChange=${(e) => setFile(e.currentTarget.files[0] ?? null)} />
    <button type="submit" disabled=${disabled || !file || progress}>Upload</button>
    <${UploadProgress} progress=${progress} result=${result} />
    <${ErrorNote} error=${error} />
  </form>`;
}
