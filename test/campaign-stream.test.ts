import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAMS_PER_KEY_MAX } from '../src/api/campaign-stream-routes.ts';
import { campaignBody, type IntakeHarness, postJson, startIntakeHarness } from './support/campaigns-harness.ts';

interface StreamEvent {
  name: string;
  data: Record<string, unknown>;
}

/** Reads server-sent events from a real HTTP response until it ends or `until` says stop. */
async function readEvents(response: Response, until: (events: StreamEvent[]) => boolean): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const name = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (name && data) events.push({ name, data: JSON.parse(data) });
    }
  }
  await reader.cancel().catch(() => undefined);
  return events;
}

describe('GET /v1/campaigns/:id/stream (server-sent events over real HTTP)', () => {
  let harness: IntakeHarness;
  let base: string;
  let authorization: string;

  beforeAll(async () => {
    harness = await startIntakeHarness({ CALLS_PER_SECOND: '7' });
    base = await harness.app.listen({ host: '127.0.0.1', port: 0 });
    authorization = (await harness.newKey()).authorization;
  });
  afterAll(() => harness?.close());

  async function newCampaign(): Promise<string> {
    const created = await postJson(harness.app, '/v1/campaigns', authorization, campaignBody());
    expect(created.statusCode).toBe(201);
    return created.json().id;
  }
  const open = (id: string, auth = authorization, signal?: AbortSignal) =>
    fetch(`${base}/v1/campaigns/${id}/stream`, { headers: { authorization: auth }, signal });

  it('needs the API key, and a campaign of another key is a 404 before any event', async () => {
    const id = await newCampaign();
    expect((await fetch(`${base}/v1/campaigns/${id}/stream`)).status).toBe(401);
    const other = await harness.newKey('other');
    const answer = await open(id, other.authorization);
    expect(answer.status).toBe(404);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('sends the campaign with its report about once a second, and ends after the campaign is cancelled', async () => {
    const id = await newCampaign();
    const response = await open(id);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    let cancelled = false;
    const started = Date.now();
    const events = await readEvents(response, (seen) => {
      if (!cancelled && seen.filter((e) => e.name === 'campaign').length >= 2) {
        cancelled = true;
        void postJson(harness.app, `/v1/campaigns/${id}/cancel`, authorization, {});
      }
      return false;
    });
    const snapshots = events.filter((e) => e.name === 'campaign').map((e) => e.data);
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(snapshots[0]).toMatchObject({ id, status: 'running', callsPerSecond: 0, callsPerSecondCap: 7 });
    expect(snapshots[0]).toHaveProperty('report.recipients.total', 1);
    // The same pace GET /v1/campaigns/:id gives (issue 12): a running campaign has an estimated finish.
    expect(snapshots[0]).toHaveProperty('dispatch.share');
    expect(
      Date.parse((snapshots[0] as { dispatch: { estimatedFinishAt: string } }).dispatch.estimatedFinishAt),
    ).toBeGreaterThan(0);
    expect(snapshots.at(-1)).toMatchObject({ status: 'cancelled' });
    expect(events.at(-1)).toEqual({ name: 'end', data: { reason: 'finished' } });
  });

  it(`refuses a stream beyond ${STREAMS_PER_KEY_MAX} per key with 429, and a closed stream frees its place`, async () => {
    const id = await newCampaign();
    const controllers = Array.from({ length: STREAMS_PER_KEY_MAX }, () => new AbortController());
    const streams = await Promise.all(controllers.map((c) => open(id, authorization, c.signal)));
    expect(streams.every((s) => s.status === 200)).toBe(true);
    const refused = await open(id);
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('rate_limited');
    controllers[0]?.abort();
    let again = 0;
    for (let i = 0; i < 50 && again !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const retry = new AbortController();
      const answer = await open(id, authorization, retry.signal);
      again = answer.status;
      retry.abort();
    }
    expect(again).toBe(200);
    for (const c of controllers) c.abort();
  });

  it('closing the API ends an open stream at once instead of waiting for the client', async () => {
    const own = await startIntakeHarness();
    const url = await own.app.listen({ host: '127.0.0.1', port: 0 });
    const key = (await own.newKey()).authorization;
    const created = await postJson(own.app, '/v1/campaigns', key, campaignBody());
    const response = await fetch(`${url}/v1/campaigns/${created.json().id}/stream`, {
      headers: { authorization: key },
    });
    const reading = readEvents(response, () => false);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const closing = Date.now();
    await own.close();
    expect(Date.now() - closing).toBeLessThan(5_000);
    expect((await reading).some((e) => e.name === 'campaign')).toBe(true);
  });
});
