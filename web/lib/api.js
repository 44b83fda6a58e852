/**
 * The dashboard's only way to the service: the public /v1 API with the operator's API key as a
 * Bearer token, exactly as curl or the CLI would call it. The key lives in sessionStorage, so it
 * is gone when the tab closes.
 */

const KEY = 'callcast.apiKey';

export const getKey = () => sessionStorage.getItem(KEY);
export const setKey = (key) => sessionStorage.setItem(KEY, key);
export const clearKey = () => sessionStorage.removeItem(KEY);

/** An error answer of the API: { error: { code, message, details } }. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? 'http_error';
    this.details = body?.error?.details;
  }

  /** validation_failed details as { field: message }, field paths joined with dots. */
  fieldErrors() {
    const out = {};
    if (!Array.isArray(this.details)) return out;
    for (const problem of this.details) {
      const field = problem.field ?? '(body)';
      out[field] = out[field] ? `${out[field]}; ${problem.message}` : problem.message;
    }
    return out;
  }
}

const authHeaders = (key = getKey()) => ({ authorization: `Bearer ${key}` });

/** Calls /v1<path>; JSON in and out; throws ApiError on a non-2xx answer. */
export async function api(path, { method = 'GET', body, key, signal } = {}) {
  const headers = authHeaders(key ?? getKey());
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (response.status === 204) return null;
  const answer = await response.json().catch(() => null);
  if (response.status === 401 && key === undefined) signedOut();
  if (!response.ok) throw new ApiError(response.status, answer);
  return answer;
}

/** The stored key stopped working (revoked, or the database was reset): back to the sign-in form. */
export function signedOut() {
  clearKey();
  window.dispatchEvent(new Event('callcast:signed-out'));
}

/** A query string from the defined, non-empty values of `params`. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * Uploads a CSV file with XMLHttpRequest, the one browser API that reports upload progress.
 * onProgress receives (loadedBytes, totalBytes).
 */
export function uploadCsv(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1${path}`);
    xhr.setRequestHeader('authorization', authHeaders().authorization);
    xhr.setRequestHeader('content-type', 'text/csv');
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {}
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(new ApiError(xhr.status, body));
    };
    xhr.onerror = () => reject(new ApiError(0, { error: { code: 'network_error', message: 'Upload failed' } }));
    xhr.send(file);
  });
}

/** Fetches /v1<path> with the key and saves it as `filename` (an <a download> cannot send headers). */
export async function download(path, filename) {
  const response = await fetch(`/v1${path}`, { headers: authHeaders() });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
