import { ApiError, getKey, signedOut } from './api.js';

/**
 * Reads GET /v1/campaigns/:id/stream. EventSource cannot send an Authorization header, so this is
 * fetch() with a ReadableStream and a small server-sent-events parser. Reconnects after a dropped
 * connection or a `reconnect` end; stops on `finished`, on a 4xx, or when `signal` aborts.
 */
export async function followCampaign(id, { onCampaign, onState, signal }) {
  let delayMs = 1000;
  while (!signal.aborted) {
    try {
      const finished = await readOnce(id, onCampaign, onState, signal);
      if (finished) return;
      delayMs = 1000;
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status === 401) return signedOut();
      if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 429) {
        onState?.({ live: false, error: err.message });
        return;
      }
      onState?.({ live: false, error: 'Connection lost; reconnecting…' });
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    // Back off up to 10 s while the API is away.
    delayMs = Math.min(delayMs * 2, 10_000);
  }
}

async function readOnce(id, onCampaign, onState, signal) {
  const response = await fetch(`/v1/campaigns/${id}/stream`, {
    headers: { authorization: `Bearer ${getKey()}`, accept: 'text/event-stream' },
    signal,
  });
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
  onState?.({ live: true, error: null });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (event.name === 'campaign') onCampaign(JSON.parse(event.data));
      if (event.name === 'end') return JSON.parse(event.data).reason === 'finished';
      if (event.name === 'error') throw new Error('stream error');
      end = buffer.indexOf('\n\n');
    }
  }
}

function parseEvent(block) {
  const event = { name: 'message', data: '' };
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event.name = line.slice(6).trim();
    else if (line.startsWith('data:')) event.data += line.slice(5).trim();
  }
  return event;
}
