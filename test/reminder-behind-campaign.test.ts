import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../src/keys/api-keys.ts';
import { type Pipeline, startPipeline } from './support/pipeline-harness.ts';
import { waitFor } from './support/wait-for.ts';
import { acceptedByNumber, createCalls } from './support/worker-processes.ts';

// At the simulator's 3 calls/s, about 10 s of campaign work: the reminder is due in the middle of it.
const RECIPIENTS = 30;
const REMINDER_TO = '+31612004444';
// Reminder jobs skip the fair pump (priority 1), so a due reminder waits at most a slot or two.
const DIAL_BOUND_MS = 2_000;

/** Worker processes, the API and the gateway simulator: a reminder must not queue behind a running campaign. */
describe('a reminder while a campaign dials (worker processes, simulator)', () => {
  let pipeline: Pipeline;
  let key: string;

  beforeAll(async () => {
    pipeline = await startPipeline();
    key = (await createApiKey(pipeline.database.db, 'reminder-behind-campaign')).key;
    pipeline.startWorkers(1);
  });
  afterAll(async () => {
    await pipeline?.close();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${pipeline.publicUrl}/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await response.json()) as Record<string, unknown>;
  };

  it('a reminder created while a campaign is running is dialed within 2 s of being due', async () => {
    const campaign = await call('POST', '/campaigns', {
      name: 'busy',
      from: '+31201234567',
      ncco: [{ action: 'talk', text: 'hi' }],
      recipients: Array.from({ length: RECIPIENTS }, (_u, i) => ({ number: `+3161300${String(i).padStart(4, '0')}` })),
    });
    // The campaign is under way (some numbers dialed, most still to go) before the reminder exists.
    await waitFor(() => Promise.resolve(acceptedByNumber(pipeline.simulator.requests()).size >= 3), 15_000, 'dialing');
    const dueAt = Date.now() + 1_500;
    const reminder = await call('POST', '/reminders', {
      to: REMINDER_TO,
      from: '+31201234567',
      ncco: [{ action: 'talk', text: 'hi' }],
      at: new Date(dueAt).toISOString(),
    });
    expect(reminder.id).toBeTypeOf('string');
    const dialed = await waitFor(
      () =>
        Promise.resolve(
          createCalls(pipeline.simulator.requests()).find((r) => r.status === 201 && r.to === REMINDER_TO.slice(1)),
        ),
      15_000,
      'the reminder to be dialed',
    );
    const dialedAfterDueMs = (dialed.receivedAt ?? dialed.at) - dueAt;
    const detail = await call('GET', `/campaigns/${campaign.id}`);
    // Still running when the reminder was dialed: it did not simply wait for the campaign to end.
    const report = detail.report as { recipients: { finished: number } };
    console.log(
      `reminder dialed ${dialedAfterDueMs} ms after due; campaign ${report.recipients.finished} / ${RECIPIENTS}`,
    );
    expect(report.recipients.finished).toBeLessThan(RECIPIENTS);
    expect(dialedAfterDueMs).toBeLessThanOrEqual(DIAL_BOUND_MS);
  });
});
