import { join } from 'node:path';
import { sql } from 'kysely';
import { startSimulator } from '../../src/dev/simulator/simulator.ts';
import { createApiKey } from '../../src/keys/api-keys.ts';
import { ApiClient, campaignBody } from './api.ts';
import { benchNumber, writeRecipientsCsv } from './csv.ts';
import { createDeployment, sleep, UNLIMITED_QUOTA } from './deployment.ts';
import { createCallRequests } from './dial-log.ts';
import { note } from './output.ts';
import type { BenchServices } from './services.ts';

export interface FairnessResult {
  seconds: number;
  rateGuard: string;
  /** Per 10 s bucket after the small campaigns were created: accepted calls of each key. */
  buckets: Array<{ fromSecond: number; bigKey: number; smallKey: number }>;
  bigKeyShare: number;
  /** Seconds from each small campaign's creation to its first accepted call (null: none in the run). */
  smallFirstCallSeconds: Array<number | null>;
}

/**
 * Two keys on one deployment: key A with one 20,000-recipient campaign, started first; then key B
 * creates 20 campaigns of 50. Each key's share of accepted calls per 10 s, and the small
 * campaigns' time to their first call.
 */
export async function runFairness(
  services: BenchServices,
  seconds: number,
  rateGuard: string,
): Promise<FairnessResult> {
  const sim = await startSimulator({
    ...UNLIMITED_QUOTA,
    callsPerSecond: 3,
    timeScale: 0.02,
    outcomes: { answered: 1 },
  });
  const deployment = await createDeployment(services, {
    label: 'fairness',
    gateway: { url: sim.url, tokenUrl: sim.tokenUrl, clientId: 'demo-client', clientSecret: 'demo-secret' },
    callsPerSecond: 3,
    env: { RATE_GUARD: rateGuard },
  });
  try {
    await deployment.startApi();
    const big = new ApiClient(deployment.apiUrl, deployment.apiKey);
    const bigCampaign = await big.expect<{ id: string }>(201, 'POST', '/v1/campaigns', campaignBody('big'));
    const file = join(services.runDir, 'fairness-big.csv');
    await writeRecipientsCsv(file, 20_000);
    await big.uploadCsv(`/v1/campaigns/${bigCampaign.id}/recipients`, file);
    await deployment.startWorkers(2);
    while (createCallRequests(sim.requests()).length < 6) await sleep(200);
    note('fairness: key A is dialing; key B creates 20 campaigns of 50');
    const smallKey = new ApiClient(deployment.apiUrl, (await createApiKey(deployment.db, 'small')).key);
    const created: Array<{ id: string; at: number }> = [];
    for (let c = 0; c < 20; c += 1) {
      const recipients = Array.from({ length: 50 }, (_, i) => ({ number: benchNumber(100_000 + c * 50 + i) }));
      const at = Date.now();
      const campaign = await smallKey.expect<{ id: string }>(
        201,
        'POST',
        '/v1/campaigns',
        campaignBody(`small ${c}`, { recipients }),
      );
      created.push({ id: campaign.id, at });
    }
    const from = created[0]?.at ?? Date.now();
    await sleep(seconds * 1000);
    const attempts = await sql<{ id: string; campaign_id: string }>`
      select id, campaign_id from call_attempts where campaign_id is not null`.execute(deployment.db);
    const campaignOf = new Map(attempts.rows.map((row) => [row.id, row.campaign_id]));
    const accepted = createCallRequests(sim.requests()).filter((r) => r.status === 201 && r.at >= from && r.attempt);
    const buckets = Array.from({ length: Math.ceil(seconds / 10) }, (_, b) => ({
      fromSecond: b * 10,
      bigKey: 0,
      smallKey: 0,
    }));
    const first = new Map<string, number>();
    for (const r of accepted) {
      const campaign = campaignOf.get(r.attempt as string);
      const bucket = buckets[Math.floor((r.at - from) / 10_000)];
      if (!bucket || !campaign) continue;
      if (campaign === bigCampaign.id) bucket.bigKey += 1;
      else {
        bucket.smallKey += 1;
        if (!first.has(campaign)) first.set(campaign, r.at);
      }
    }
    const bigTotal = buckets.reduce((sum, b) => sum + b.bigKey, 0);
    const smallTotal = buckets.reduce((sum, b) => sum + b.smallKey, 0);
    return {
      seconds,
      rateGuard,
      buckets,
      bigKeyShare: Math.round((bigTotal / Math.max(1, bigTotal + smallTotal)) * 1000) / 1000,
      smallFirstCallSeconds: created.map((c) => {
        const at = first.get(c.id);
        return at === undefined ? null : Math.round((at - c.at) / 100) / 10;
      }),
    };
  } finally {
    await deployment.close();
    await sim.close();
  }
}
