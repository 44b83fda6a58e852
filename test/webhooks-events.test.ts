import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptOwners } from '../src/start/attempt-owners.ts';
import { applyPendingEvents } from '../src/webhooks/event-applier.ts';
import {
  attemptRow,
  drainEvents,
  event,
  eventCount,
  insertAttempt,
  postEvent,
  seedCampaign,
  startHarness,
  type WebhookHarness,
} from './webhooks-fixtures.ts';

describe('event webhook: signed callbacks drive the attempt state machine', () => {
  let h: WebhookHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  async function newAttempt(callOptions = {}) {
    const number = `+3161${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const { campaignId, recipientIds } = await seedCampaign(h, [number], { callOptions });
    const recipientId = recipientIds.get(number) as string;
    return { attemptId: await insertAttempt(h, campaignId, recipientId, number), recipientId };
  }

  async function recipient(id: string) {
    return h.database.db.selectFrom('recipients').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  it('ends an answered call completed whatever the delivery order, storing each duplicate once', async () => {
    const { attemptId, recipientId } = await newAttempt();
    const leg = randomUUID();
    const started = event(leg, 'started', 1);
    const ringing = event(leg, 'ringing', 2);
    const answered = event(leg, 'answered', 3, { start_time: '2026-01-01T10:00:03.000Z', rate: '0.18000000' });
    const completed = event(leg, 'completed', 40, {
      duration: '37',
      price: '0.11100000',
      rate: 0.18,
      network: '20416',
      start_time: '2026-01-01T10:00:03.000Z',
      end_time: '2026-01-01T10:00:40.000Z',
    });
    for (const body of [completed, ringing, answered, completed, started, ringing]) {
      const response = await postEvent(h, attemptId, body);
      expect(response.statusCode).toBe(200);
    }
    const attempt = await attemptRow(h, attemptId);
    expect(attempt).toMatchObject({
      status: 'ended',
      outcome: 'completed',
      call_uuid: leg,
      conversation_uuid: `CON-${leg}`,
      duration_seconds: 37,
      price: '0.111000',
      rate: '0.180000',
      network: '20416',
    });
    expect(attempt.answered_at?.toISOString()).toBe('2026-01-01T10:00:03.000Z');
    expect(attempt.ended_at?.toISOString()).toBe('2026-01-01T10:00:40.000Z');
    expect(await eventCount(h, attemptId)).toBe(4);
    expect(await recipient(recipientId)).toMatchObject({
      status: 'done',
      final_outcome: 'completed',
      attempt_count: 1,
    });
  });

  it('a late ringing event never overwrites completed', async () => {
    const { attemptId } = await newAttempt();
    const leg = randomUUID();
    await postEvent(h, attemptId, event(leg, 'answered', 3));
    await postEvent(h, attemptId, event(leg, 'completed', 9, { duration: 6, price: 0.02 }));
    const late = await postEvent(h, attemptId, event(leg, 'ringing', 2));
    expect(late.statusCode).toBe(200);
    expect(late.json()).toEqual({ stored: true, attemptFound: true });
    expect(await attemptRow(h, attemptId)).toMatchObject({
      status: 'ended',
      outcome: 'completed',
      duration_seconds: 6,
    });
    expect(await eventCount(h, attemptId)).toBe(3);
  });

  it('busy then completed: busy stays the outcome and completed fills in duration, price and end time', async () => {
    const { attemptId, recipientId } = await newAttempt();
    const leg = randomUUID();
    await postEvent(h, attemptId, event(leg, 'ringing', 1));
    await postEvent(h, attemptId, event(leg, 'busy', 2));
    await postEvent(
      h,
      attemptId,
      event(leg, 'completed', 3, { duration: '0', price: '0.00', rate: '0.10', end_time: '2026-01-01T10:00:03.500Z' }),
    );
    const attempt = await attemptRow(h, attemptId);
    expect(attempt).toMatchObject({
      status: 'ended',
      outcome: 'busy',
      duration_seconds: 0,
      price: '0.000000',
      rate: '0.100000',
    });
    expect(attempt.ended_at?.toISOString()).toBe('2026-01-01T10:00:03.500Z');
    expect(await recipient(recipientId)).toMatchObject({ status: 'pending', final_outcome: 'busy' });
  });

  it('completed delivered before its busy: the late busy becomes the outcome and retries', async () => {
    const { attemptId, recipientId } = await newAttempt();
    const leg = randomUUID();
    await postEvent(h, attemptId, event(leg, 'completed', 3, { duration: '0' }));
    expect(await attemptRow(h, attemptId)).toMatchObject({ status: 'ended', outcome: 'unanswered' });
    await postEvent(h, attemptId, event(leg, 'busy', 2));
    expect(await attemptRow(h, attemptId)).toMatchObject({ status: 'ended', outcome: 'busy' });
    // The policy retries busy (not unanswered): the correction re-settles the recipient.
    expect(await recipient(recipientId)).toMatchObject({ status: 'pending', final_outcome: 'busy' });
  });

  it('rejected is final on its own, with its detail', async () => {
    const { attemptId, recipientId } = await newAttempt();
    await postEvent(h, attemptId, event(randomUUID(), 'rejected', 1, { detail: 'invalid_number' }));
    expect(await attemptRow(h, attemptId)).toMatchObject({
      status: 'ended',
      outcome: 'rejected',
      detail: 'invalid_number',
    });
    expect(await recipient(recipientId)).toMatchObject({ status: 'done', final_outcome: 'rejected' });
  });

  it('machine detection (call_uuid, not uuid) ends the call as machine when the campaign hangs up on machines', async () => {
    const { attemptId } = await newAttempt({ machine_detection: 'hangup' });
    const leg = randomUUID();
    await postEvent(h, attemptId, event(leg, 'answered', 2));
    const { uuid: _uuid, ...machine } = event(leg, 'machine', 5, { call_uuid: leg });
    expect((await postEvent(h, attemptId, machine)).statusCode).toBe(200);
    await postEvent(h, attemptId, event(leg, 'completed', 6, { duration: 4, price: '0.0120' }));
    expect(await attemptRow(h, attemptId)).toMatchObject({
      outcome: 'machine',
      duration_seconds: 4,
      price: '0.012000',
    });
  });

  it('stores the leg uuid the first event carries, before the worker stored the create-call response', async () => {
    const { attemptId } = await newAttempt();
    const leg = randomUUID();
    await postEvent(h, attemptId, event(leg, 'started', 1));
    expect(await attemptRow(h, attemptId)).toMatchObject({ status: 'started', call_uuid: leg });
  });

  it('accepts event_method GET with the event in the query string', async () => {
    const { attemptId } = await newAttempt();
    const { signBody, WEBHOOK_TOKEN } = await import('./webhooks-fixtures.ts');
    const leg = randomUUID();
    const query = new URLSearchParams({
      attempt: attemptId,
      token: WEBHOOK_TOKEN,
      uuid: leg,
      status: 'ringing',
      timestamp: '2026-01-01T10:00:01.000Z',
    });
    const response = await h.app.inject({
      method: 'GET',
      url: `/webhooks/event?${query}`,
      headers: { authorization: `Bearer ${await signBody('')}` },
    });
    expect(response.statusCode).toBe(200);
    await drainEvents(h);
    expect(await attemptRow(h, attemptId)).toMatchObject({ status: 'ringing', call_uuid: leg });
  });

  it('stores an error event (reason, no status) without moving the attempt', async () => {
    const { attemptId } = await newAttempt();
    const response = await postEvent(h, attemptId, {
      reason: 'Invalid NCCO',
      conversation_uuid: 'CON-x',
      timestamp: '2026-01-01T10:00:00.000Z',
    });
    expect(response.statusCode).toBe(200);
    expect(await attemptRow(h, attemptId)).toMatchObject({ status: 'dialing', outcome: null });
    expect(await eventCount(h, attemptId)).toBe(1);
  });

  it('stores an event for an unknown attempt unlinked and answers 200, so the gateway stops retrying', async () => {
    const before = await eventCount(h);
    const response = await postEvent(h, randomUUID(), event(randomUUID(), 'started', 1));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ stored: true, attemptFound: false });
    expect(await eventCount(h)).toBe(before + 1);
  });

  it('concurrent deliveries of one event store it once', async () => {
    const { attemptId } = await newAttempt();
    const body = event(randomUUID(), 'answered', 4);
    const responses = await Promise.all(Array.from({ length: 5 }, () => postEvent(h, attemptId, body)));
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(await eventCount(h, attemptId)).toBe(1);
    expect(await attemptRow(h, attemptId)).toMatchObject({ status: 'answered' });
  });
});

describe('event applier', () => {
  let h: WebhookHarness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('applies stored events in a batch, skipping a queued payload that does not parse', async () => {
    const numbers = ['+31612349001', '+31612349002'];
    const { campaignId, recipientIds } = await seedCampaign(h, numbers);
    const [first, second] = await Promise.all(
      numbers.map((number) => insertAttempt(h, campaignId, recipientIds.get(number) as string, number)),
    );
    const leg = randomUUID();
    const stored = await h.database.db
      .insertInto('call_events')
      .values([
        { attempt_id: first as string, dedupe_key: randomUUID(), payload: '{}' },
        { attempt_id: second as string, dedupe_key: randomUUID(), payload: JSON.stringify(event(leg, 'rejected', 1)) },
      ])
      .returning(['id', 'attempt_id'])
      .execute();
    await h.database.db
      .insertInto('call_event_queue')
      .values(stored.map((row) => ({ event_id: row.id, attempt_id: row.attempt_id as string })))
      .execute();
    await drainEvents(h);
    expect(await attemptRow(h, first as string)).toMatchObject({ status: 'dialing' });
    expect(await attemptRow(h, second as string)).toMatchObject({
      status: 'ended',
      outcome: 'rejected',
      call_uuid: leg,
    });
    expect(await h.database.db.selectFrom('call_event_queue').selectAll().execute()).toEqual([]);
    expect(await applyPendingEvents(h.database.db, { owners: attemptOwners })).toBe(0);
  });
});
