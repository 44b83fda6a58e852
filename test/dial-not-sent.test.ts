import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import type { CreateCallRequest, GatewayClient } from '../src/gateway/types.ts';
import { createRuntime, type Runtime } from '../src/start/runtime.ts';
import { type RunningWorker, startWorker } from '../src/start/worker-process.ts';
import { seedCampaign } from './support/dispatch-fixtures.ts';
import { createTestDatabase, type TestDatabase, testRedisPrefix, testRedisUrl } from './support/services.ts';
import { waitFor } from './support/wait-for.ts';

/**
 * A failure that certainly happened before the request left is classified as not sent: the
 * claim is given back (the attempt returns to `queued`, uncounted) instead of being left in
 * `dialing` for reconciliation, which would hold the number for RECONCILE_GRACE_MS.
 */
describe('failures before sending', () => {
  let database: TestDatabase;
  let runtime: Runtime;
  let running: RunningWorker;
  const sent: CreateCallRequest[] = [];
  const gateway: GatewayClient = {
    async createCall(request) {
      sent.push(request);
      return { uuid: randomUUID(), conversationUuid: randomUUID(), status: 'started', quota: undefined };
    },
    getCall: async (uuid) => ({ uuid, status: 'started', conversationUuid: undefined }),
    hangup: async () => undefined,
    close: async () => undefined,
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const config = loadConfig({
      DATABASE_URL: database.url,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: testRedisPrefix(),
      PUBLIC_URL: 'http://127.0.0.1:9',
      WEBHOOK_TOKEN: 'test-token-0123456789',
      RECONCILE_GRACE_MS: '60000',
      FEEDER_INTERVAL_MS: '200',
      LOG_LEVEL: 'silent',
    });
    runtime = createRuntime(config, { dbPoolSize: 5 });
    running = startWorker(runtime, { createGateway: () => gateway, jobAttempts: 50 });
  });
  afterAll(async () => {
    await running?.close();
    await runtime?.close();
    await database?.drop();
  });

  it('a Postgres error in the check as the request leaves gives the claim back and sends nothing', async () => {
    // Refuses the confirmation (dialing → dialing with a new dial_started_at), as a failing Postgres would.
    await sql`
      create function refuse_confirm() returns trigger language plpgsql as $$
      begin
        if old.status = 'dialing' and new.status = 'dialing' then raise exception 'injected: postgres failed'; end if;
        return new;
      end $$`.execute(database.db);
    await sql`create trigger refuse_confirm before update on call_attempts for each row execute function refuse_confirm()`.execute(
      database.db,
    );
    const { campaignId } = await seedCampaign(database.db, { recipients: 1, firstNumber: 31_655_000_000 });
    const attempt = () =>
      database.db.selectFrom('call_attempts').selectAll().where('campaign_id', '=', campaignId).executeTakeFirst();
    // The first try fails at the check; its claim must come back (queued, uncounted) for the retry.
    await waitFor(async () => (await attempt())?.status === 'dialing', 8000, 'first claim');
    const released = await waitFor(
      async () => {
        const row = await attempt();
        return row?.status === 'queued' && row;
      },
      8000,
      'claim given back',
    );
    expect(released.dial_started_at).toBeNull();
    expect(sent).toHaveLength(0);
    await sql`drop trigger refuse_confirm on call_attempts`.execute(database.db);
    await waitFor(async () => (await attempt())?.status === 'started', 30_000, 'dialed once Postgres answers');
    expect(sent).toHaveLength(1);
  });
});
