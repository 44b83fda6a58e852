import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FairCampaign, FairShare } from '../src/queue/fair-share.ts';
import { testRedisPrefix, testRedisUrl } from './support/services.ts';

/** The stride scheduler in Redis, picked from directly (no workers): the order is the product. */
describe('fair-share scheduler', () => {
  let redis: Redis;
  let round = 0;
  beforeAll(() => {
    redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
  });
  afterAll(() => redis.disconnect());

  /** A fresh scheduler under its own prefix per test. */
  const scheduler = () => new FairShare(redis, `${testRedisPrefix()}:s${round++}`);
  const campaign = (id: string, apiKeyId: string, extra: Partial<FairCampaign> = {}): FairCampaign => ({
    campaignId: id,
    apiKeyId,
    weight: 1,
    priority: 0,
    maxCallsPerSecond: null,
    ...extra,
  });
  const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  const countBy = (picks: Array<{ campaignId: string }>, of: (campaignId: string) => string) => {
    const counts = new Map<string, number>();
    for (const pick of picks) counts.set(of(pick.campaignId), (counts.get(of(pick.campaignId)) ?? 0) + 1);
    return counts;
  };

  it('gives two keys equal shares although one has 100 campaigns and the other one', async () => {
    const fair = scheduler();
    await fair.offer(campaign('big', 'key-a'), ids('big', 200));
    for (let c = 0; c < 100; c += 1) await fair.offer(campaign(`small${c}`, 'key-b'), ids(`s${c}`, 2));
    const picks = await fair.pick(200);
    const byKey = countBy(picks, (id) => (id === 'big' ? 'a' : 'b'));
    expect(byKey.get('a')).toBe(100);
    expect(byKey.get('b')).toBe(100);
    // Key b's campaigns share its half equally: each got its 1st attempt before any got a 2nd.
    const firstHundredOfB = picks.filter((p) => p.campaignId !== 'big').slice(0, 100);
    expect(new Set(firstHundredOfB.map((p) => p.campaignId)).size).toBe(100);
  });

  it('shares in proportion to key weights', async () => {
    const fair = scheduler();
    await fair.offer(campaign('heavy', 'key-w3', { weight: 3 }), ids('h', 300));
    await fair.offer(campaign('light', 'key-w1'), ids('l', 300));
    const byKey = countBy(await fair.pick(200), (id) => id);
    expect(byKey.get('heavy')).toBe(150);
    expect(byKey.get('light')).toBe(50);
  });

  it('within a key, a higher priority goes first and equal priorities share equally', async () => {
    const fair = scheduler();
    await fair.offer(campaign('low', 'key'), ids('low', 10));
    await fair.offer(campaign('high', 'key', { priority: 5 }), ids('high', 4));
    await fair.offer(campaign('low2', 'key'), ids('low2', 10));
    const picks = await fair.pick(10);
    expect(picks.slice(0, 4).every((p) => p.campaignId === 'high')).toBe(true);
    const rest = countBy(picks.slice(4), (id) => id);
    expect(rest.get('low')).toBe(3);
    expect(rest.get('low2')).toBe(3);
  });

  it('a new key’s first attempt is the next pick, behind a key with a long backlog', async () => {
    const fair = scheduler();
    await fair.offer(campaign('old', 'key-old'), ids('old', 500));
    await fair.pick(300);
    await fair.offer(campaign('new', 'key-new'), ['new-0', 'new-1']);
    const [next, after] = await fair.pick(2);
    expect([next?.campaignId, after?.campaignId]).toEqual(['new', 'old']);
  });

  it('a new key’s first attempt is the next pick when several keys tie at the lowest pass', async () => {
    const fair = scheduler();
    // Three keys that have had a round each tie at one pass; the new key sorts after them all.
    for (const key of ['a', 'b', 'c']) await fair.offer(campaign(key, `key-${key}`), ids(key, 50));
    await fair.pick(3);
    await fair.offer(campaign('new', 'key-z-new'), ['new-0', 'new-1']);
    const [next, ...rest] = await fair.pick(4);
    expect(next?.campaignId).toBe('new');
    // And then it takes its turn like the others: once in the next round.
    expect(rest.map((p) => p.campaignId).sort()).toEqual(['a', 'b', 'c']);
  });

  it('a key that runs out and refills at once does not jump the line again', async () => {
    const fair = scheduler();
    for (const key of ['a', 'b', 'c']) await fair.offer(campaign(key, `key-${key}`), ids(key, 50));
    // key-0 sorts first: it joins, is picked, runs out, refills, every time.
    const picks: string[] = [];
    for (let n = 0; n < 12; n += 1) {
      await fair.offer(campaign(`t${n}`, 'key-0'), [`t${n}`]);
      const [pick] = await fair.pick(1);
      picks.push(pick?.campaignId.startsWith('t') ? 'trickle' : 'other');
    }
    // A fair share among four keys: a quarter of the picks, not every one.
    expect(picks.filter((p) => p === 'trickle').length).toBeLessThanOrEqual(4);
  });

  it('caps a campaign at its maxCallsPerSecond while the others take the rest', async () => {
    const fair = scheduler();
    await fair.offer(campaign('capped', 'key-1', { maxCallsPerSecond: 2 }), ids('c', 50));
    await fair.offer(campaign('free', 'key-2'), ids('f', 50));
    const byCampaign = countBy(await fair.pick(20), (id) => id);
    expect(byCampaign.get('capped')).toBe(1);
    expect(byCampaign.get('free')).toBe(19);
    await new Promise((resolve) => setTimeout(resolve, 520));
    expect(countBy(await fair.pick(5), (id) => id).get('capped')).toBe(1);
  });

  it('keeps an attempt offered twice once, and stays fair across 1,000 campaigns of 1,000 keys', async () => {
    const fair = scheduler();
    expect(await fair.offer(campaign('dup', 'key-d'), ['x', 'x', 'y'])).toBe(2);
    expect(await fair.offer(campaign('dup', 'key-d'), ['x'])).toBe(0);
    for (let k = 0; k < 1000; k += 1) await fair.offer(campaign(`c${k}`, `k${k}`), ids(`c${k}`, 3));
    const started = Date.now();
    const picks = await fair.pick(1002);
    expect(Date.now() - started).toBeLessThan(2000);
    // Every key (1,001 of them) got exactly one pick before any got a second.
    expect(new Set(picks.slice(0, 1001).map((p) => p.campaignId)).size).toBe(1001);
  });
});
